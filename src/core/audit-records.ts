/**
 * The audit as the device stores it: one record per change, not one per entry. A batch of 100
 * deactivations writes about 200 entries (the deactivations and their A8 report moves); as records of
 * their own that is 200 values for IndexedDB to clone and 800 index keys to write, half of what an apply
 * costs. As one record it is a handful of columns (record-columns.ts) and a key per distinct value the
 * indexes look up.
 *
 * Entries are numbered one after another across records (`seq`): a record holds entries `first` to
 * `last`, the next record starts at `last + 1`. Pages, keys on screen and "older than" go by that number,
 * as they did when every entry was a record of its own.
 */
import type { AuditFilters } from './audit-filter.ts';
import { auditEntryMatcher } from './audit-filter.ts';
import { decodeRecord, encodeRecords, StringTable, type CodeArray, type RecordColumns } from './blocks/record-columns.ts';
import type { AuditAction, AuditEntry } from './roster-types.ts';

export interface AuditRecord {
  /** The numbers of the first and last entry it holds (the record's key: `[first, last]`). */
  first: number;
  last: number;
  strings: string[];
  entries: RecordColumns;
  /** Every value of these fields among its entries, once each: what the indexes find a record by. */
  targetIds: string[];
  actions: AuditAction[];
  ruleIds: string[];
  batchIds: string[];
}

/** The entries of one change as a record, numbered from `first`. */
export function auditRecordOf(entries: readonly AuditEntry[], first: number): AuditRecord {
  if (entries.length === 0) throw new Error('An audit record holds at least one entry.');
  const strings = new StringTable();
  const plain = entries.map(({ seq: _seq, ...entry }) => entry);
  return {
    first,
    last: first + entries.length - 1,
    strings: strings.strings,
    entries: encodeRecords(plain, strings),
    targetIds: distinct(entries, (e) => e.targetId),
    actions: distinct(entries, (e) => e.action),
    ruleIds: distinct(entries, (e) => e.ruleId),
    batchIds: distinct(entries, (e) => e.batchId),
  };
}

function distinct<T extends string>(entries: readonly AuditEntry[], valueOf: (entry: AuditEntry) => T | null): T[] {
  const values = new Set<T>();
  for (const entry of entries) {
    const value = valueOf(entry);
    if (value !== null) values.add(value);
  }
  return [...values];
}

/** How many entries a record holds. */
export function entryCountOf(record: AuditRecord): number {
  return record.last - record.first + 1;
}

/** The entry at `row` of a record, with its number. */
export function auditEntryAt(record: AuditRecord, row: number): AuditEntry {
  return { seq: record.first + row, ...decodeRecord<AuditEntry>(record.entries, row, record.strings) };
}

/** Every entry of a record, oldest first. */
export function auditEntriesOf(record: AuditRecord): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let row = 0; row < record.entries.count; row++) entries.push(auditEntryAt(record, row));
  return entries;
}

const MATCHED_FIELDS = ['action', 'actorId', 'ruleId', 'batchId', 'targetId', 'summary', 'selectionRule'] as const;
type MatchedField = (typeof MATCHED_FIELDS)[number];

/**
 * Which rows of a record the filters keep, newest first. The equality filters compare the columns'
 * string numbers, and the text is looked for once per distinct string of the record, not once per entry
 * (a record's entries share their actor, batch and rule): the Audit screen counts every matching entry
 * of the log on each page. A record laid out otherwise (a field not a string column) is read entry by entry.
 */
export function auditRowsMatching(record: AuditRecord, filters: AuditFilters): number[] {
  const count = record.entries.count;
  const columns = new Map<MatchedField, CodeArray | null>();
  for (const field of MATCHED_FIELDS) {
    const f = record.entries.fields.indexOf(field);
    if (f < 0) {
      columns.set(field, null);
      continue;
    }
    const column = record.entries.columns[f]!;
    if (column.type !== 'string') return rowsMatchingOneByOne(record, filters);
    columns.set(field, column.values);
  }
  const { strings } = record;
  const equalTests: { values: CodeArray | null; wanted: number }[] = [];
  for (const [field, value] of [
    ['action', filters.action],
    ['actorId', filters.actorId],
    ['ruleId', filters.ruleId],
    ['batchId', filters.batchId],
  ] as const) {
    if (value === null) continue;
    const wanted = strings.indexOf(value);
    // A value the record never holds: none of its entries match.
    if (wanted < 0 || !columns.get(field)) return [];
    equalTests.push({ values: columns.get(field)!, wanted });
  }
  const text = filters.text.trim().toLowerCase();
  // Per string: 0 not tested yet, 1 holds the text, 2 does not.
  const holdsText = new Uint8Array(strings.length);
  const textIn = (values: CodeArray | null, row: number): boolean => {
    if (!values) return false;
    const index = values[row]!;
    // No value (null, undefined, absent) holds no text.
    if (index < 0) return false;
    if (holdsText[index] === 0) holdsText[index] = strings[index]!.toLowerCase().includes(text) ? 1 : 2;
    return holdsText[index] === 1;
  };
  const targets = columns.get('targetId') ?? null;
  const summaries = columns.get('summary') ?? null;
  const rules = columns.get('selectionRule') ?? null;
  const rows: number[] = [];
  for (let row = count - 1; row >= 0; row--) {
    let kept = true;
    for (const test of equalTests) {
      if (test.values![row] !== test.wanted) {
        kept = false;
        break;
      }
    }
    if (kept && text !== '') kept = textIn(targets, row) || textIn(summaries, row) || textIn(rules, row);
    if (kept) rows.push(row);
  }
  return rows;
}

function rowsMatchingOneByOne(record: AuditRecord, filters: AuditFilters): number[] {
  const matches = auditEntryMatcher(filters);
  const rows: number[] = [];
  for (let row = record.entries.count - 1; row >= 0; row--) if (matches(auditEntryAt(record, row))) rows.push(row);
  return rows;
}
