/**
 * Lists of plain records written as columns: one typed array per field, strings kept once in a table the
 * columns point into, canonical ISO timestamps as numbers. What a block of the roster stores: IndexedDB's
 * cost grows with the number of values it clones and keys it writes, not with bytes, and a typed array is
 * one value however long. Nested objects and arrays become columns too (a user's custom fields, the
 * lists of a user's records). Every value survives the round trip exactly: null, a missing field and a
 * field set to undefined included. A field of mixed types is kept as JSON (its numbers must then be
 * finite, as JSON's are). Fields come back in the order they first appear in the list.
 */

import { canonicalTimeOf, isoTimeOf } from '../columns/iso-time.ts';
import { StringPool } from '../columns/string-pool.ts';

/** Strings interned while a block is encoded: each one stored once, columns hold its index. */
export class StringTable extends StringPool {
  get strings(): string[] {
    return this.values;
  }
}

/** Codes in index columns (string, json) for what is not a value. */
export const NULL = -1;
export const ABSENT = -2;
export const UNDEFINED = -3;

/** In a number or time column, which rows hold no number: 0 a value, else one of these. */
export const MARK_NULL = 1;
export const MARK_ABSENT = 2;
const MARK_UNDEFINED = 3;

type NumberArray = Float64Array | Int32Array | Int16Array | Uint8Array;

/** The numbers in the narrowest typed array that holds them all exactly (counts are small integers). */
function narrowest(values: Float64Array): NumberArray {
  let min = 0;
  let max = 0;
  for (const n of values) {
    if (!Number.isInteger(n) || Object.is(n, -0)) return values;
    if (n < min) min = n;
    if (n > max) max = n;
  }
  if (min >= 0 && max <= 255) return Uint8Array.from(values);
  if (min >= -32_768 && max <= 32_767) return Int16Array.from(values);
  if (min >= -2_147_483_648 && max <= 2_147_483_647) return Int32Array.from(values);
  return values;
}

/**
 * Indexes into a block's strings: 16 bits a value where the column's largest fits (a block of a thousand
 * users holds a few thousand strings), else 32. Values stored before the narrow form read the same.
 */
export type CodeArray = Int16Array | Int32Array;
/** Where each row's items start in a list column: 16 bits a value while the items number at most 65,535. */
export type StartArray = Uint16Array | Uint32Array;

/** The codes in 16 bits when each fits: a block is read and written whole, and its bytes are what IndexedDB moves. */
function narrowCodes(codes: Int32Array): CodeArray {
  for (let i = 0; i < codes.length; i++) if (codes[i]! > 32_767) return codes;
  return Int16Array.from(codes);
}

export type Column =
  /** Indexes into the block's strings, or a code below zero. */
  | { type: 'string'; values: CodeArray }
  /** Milliseconds since the epoch of timestamps that `toISOString` gives back exactly. */
  | { type: 'time'; values: Float64Array; marks?: Uint8Array }
  /** In the narrowest array that holds every value exactly. */
  | { type: 'number'; values: NumberArray; marks?: Uint8Array }
  /** 0 false, 1 true, 2 null, 3 absent, 4 undefined. */
  | { type: 'boolean'; values: Uint8Array }
  /** Indexes into the block's strings of each value's JSON, or a code below zero. */
  | { type: 'json'; values: CodeArray }
  /** Plain objects, their fields as columns of their own (a row that holds none has every field absent). */
  | { type: 'object'; fields: RecordColumns; marks?: Uint8Array }
  /** Arrays: row r's items are `items` rows start[r] to start[r + 1]. */
  | { type: 'list'; start: StartArray; items: Column; marks?: Uint8Array };

/** Records of one kind as columns. */
export interface RecordColumns {
  count: number;
  fields: string[];
  columns: Column[];
}

type FieldType = Column['type'];

const MISSING = Symbol('missing');

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The mark of a row that holds no value (number, time, object or list columns). */
function markOf(value: unknown): number {
  return value === null ? MARK_NULL : value === MISSING ? MARK_ABSENT : MARK_UNDEFINED;
}

function unmark(mark: number): unknown {
  return mark === MARK_NULL ? null : mark === MARK_ABSENT ? MISSING : undefined;
}

/**
 * The narrowest column type that holds every value of a field; for a time column, the values as
 * milliseconds too (each timestamp is read once: encoding a block reads thousands of them).
 */
function fieldTypeOf(values: readonly unknown[]): { type: FieldType; times?: Float64Array } {
  let type: FieldType | null = null;
  let times: Float64Array | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined || value === MISSING) continue;
    let own: FieldType;
    if (typeof value === 'string') {
      // Once a column holds a string that is no timestamp it is a string column: no need to read more.
      if (type === 'string') continue;
      const time = canonicalTimeOf(value);
      if (time === null) own = 'string';
      else {
        own = 'time';
        (times ??= new Float64Array(values.length))[i] = time;
      }
    } else if (typeof value === 'number') own = 'number';
    else if (typeof value === 'boolean') own = 'boolean';
    else if (Array.isArray(value)) own = 'list';
    else if (isPlainObject(value)) own = 'object';
    else return { type: 'json' };
    if (type === null || type === own) type = own;
    else if ((type === 'time' && own === 'string') || (type === 'string' && own === 'time')) type = 'string';
    else return { type: 'json' };
  }
  return type === 'time' ? { type, times: times! } : { type: type ?? 'string' };
}

function encodeColumn({ type, times }: { type: FieldType; times?: Float64Array }, values: readonly unknown[], strings: StringTable): Column {
  const count = values.length;
  const code = (value: unknown): number | null => (value === MISSING ? ABSENT : value === null ? NULL : value === undefined ? UNDEFINED : null);
  switch (type) {
    case 'string':
    case 'json': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const value = values[i];
        out[i] = code(value) ?? strings.intern(type === 'string' ? (value as string) : JSON.stringify(value));
      }
      return { type, values: narrowCodes(out) };
    }
    case 'time':
    case 'number': {
      const out = new Float64Array(count);
      let marks: Uint8Array | undefined;
      for (let i = 0; i < count; i++) {
        const value = values[i];
        if (value === null || value === undefined || value === MISSING) {
          marks ??= new Uint8Array(count);
          marks[i] = markOf(value);
        } else {
          out[i] = type === 'time' ? times![i]! : (value as number);
        }
      }
      const column: Column = type === 'time' ? { type, values: out } : { type, values: narrowest(out) };
      if (marks) column.marks = marks;
      return column;
    }
    case 'boolean': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const value = values[i];
        out[i] = value === true ? 1 : value === false ? 0 : value === null ? 2 : value === MISSING ? 3 : 4;
      }
      return { type, values: out };
    }
    case 'object': {
      let marks: Uint8Array | undefined;
      const objects = values.map((value, i) => {
        if (isPlainObject(value)) return value;
        marks ??= new Uint8Array(count);
        marks[i] = markOf(value);
        return {};
      });
      const fields = encodeRecords(objects, strings);
      return marks ? { type, fields, marks } : { type, fields };
    }
    case 'list': {
      const start = new Uint32Array(count + 1);
      const items: unknown[] = [];
      let marks: Uint8Array | undefined;
      for (let i = 0; i < count; i++) {
        const value = values[i];
        if (Array.isArray(value)) {
          // A hole reads as undefined, as it does when an array is iterated.
          for (let k = 0; k < value.length; k++) items.push(value[k]);
        } else {
          marks ??= new Uint8Array(count);
          marks[i] = markOf(value);
        }
        start[i + 1] = items.length;
      }
      const column: Column = { type, start: items.length <= 65_535 ? Uint16Array.from(start) : start, items: encodeColumn(fieldTypeOf(items), items, strings) };
      if (marks) column.marks = marks;
      return column;
    }
  }
}

/** Records of one list as columns with a string table of their own: what a value holding many stores. */
export interface RecordList {
  strings: string[];
  records: RecordColumns;
}

export function encodeRecordList(records: readonly object[]): RecordList {
  const strings = new StringTable(records.length * 2);
  return { records: encodeRecords(records, strings), strings: strings.strings };
}

export function decodeRecordList<T>(list: RecordList): T[] {
  return decodeRecords<T>(list.records, list.strings);
}

/** Records as columns; their strings go into `strings`, shared by every list of a block. */
export function encodeRecords(records: readonly object[], strings: StringTable): RecordColumns {
  const count = records.length;
  const fields: string[] = [];
  const valuesOf: unknown[][] = [];
  const fieldIndex = new Map<string, number>();
  // One pass over the records, each field's values gathered as it goes. Records of one kind mostly share
  // their keys, in the same order: the previous record's field positions are tried first.
  let lastKeys: string[] = [];
  let lastPositions: number[] = [];
  for (let row = 0; row < count; row++) {
    const record = records[row] as Record<string, unknown>;
    // Most records have the previous one's keys in the same order: checked without making a list of them.
    let k = 0;
    let isSameKeys = true;
    for (const key in record) {
      if (k >= lastKeys.length || lastKeys[k] !== key) {
        isSameKeys = false;
        break;
      }
      k++;
    }
    if (isSameKeys && k === lastKeys.length) {
      for (let j = 0; j < k; j++) valuesOf[lastPositions[j]!]![row] = record[lastKeys[j]!];
      continue;
    }
    const keys = Object.keys(record);
    let positions = lastPositions;
    if (keys.length !== lastKeys.length || keys.some((key, k) => key !== lastKeys[k])) {
      positions = keys.map((key) => {
        let position = fieldIndex.get(key);
        if (position === undefined) {
          position = fields.length;
          fieldIndex.set(key, position);
          fields.push(key);
          valuesOf.push(new Array<unknown>(count).fill(MISSING));
        }
        return position;
      });
      lastKeys = keys;
      lastPositions = positions;
    }
    for (let k = 0; k < keys.length; k++) valuesOf[positions[k]!]![row] = record[keys[k]!];
  }
  const columns = valuesOf.map((values) => encodeColumn(fieldTypeOf(values), values, strings));
  return { count, fields, columns };
}

function decodeValue(column: Column, row: number, strings: readonly string[]): unknown {
  switch (column.type) {
    case 'string':
    case 'json': {
      const index = column.values[row]!;
      if (index === NULL) return null;
      if (index === UNDEFINED) return undefined;
      if (index === ABSENT) return MISSING;
      return column.type === 'string' ? strings[index] : JSON.parse(strings[index]!);
    }
    case 'time':
    case 'number': {
      const mark = column.marks?.[row] ?? 0;
      if (mark === MARK_NULL) return null;
      if (mark === MARK_ABSENT) return MISSING;
      if (mark === MARK_UNDEFINED) return undefined;
      const value = column.values[row]!;
      return column.type === 'time' ? isoTimeOf(value) : value;
    }
    case 'boolean': {
      const value = column.values[row]!;
      return value === 1 ? true : value === 0 ? false : value === 2 ? null : value === 3 ? MISSING : undefined;
    }
    case 'object': {
      const mark = column.marks?.[row] ?? 0;
      return mark === 0 ? decodeRecord(column.fields, row, strings) : unmark(mark);
    }
    case 'list': {
      const mark = column.marks?.[row] ?? 0;
      if (mark !== 0) return unmark(mark);
      const items: unknown[] = [];
      for (let i = column.start[row]!; i < column.start[row + 1]!; i++) items.push(decodeValue(column.items, i, strings));
      return items;
    }
  }
}

/** The record at `row`, as it was encoded. */
export function decodeRecord<T>(columns: RecordColumns, row: number, strings: readonly string[]): T {
  const record: Record<string, unknown> = {};
  const { fields } = columns;
  for (let f = 0; f < fields.length; f++) {
    const value = decodeValue(columns.columns[f]!, row, strings);
    if (value !== MISSING) record[fields[f]!] = value;
  }
  return record as T;
}

/** Rows `start` to `end` (exclusive), as they were encoded. */
export function decodeRecords<T>(columns: RecordColumns, strings: readonly string[], start = 0, end = columns.count): T[] {
  const records: T[] = [];
  for (let row = start; row < end; row++) records.push(decodeRecord<T>(columns, row, strings));
  return records;
}
