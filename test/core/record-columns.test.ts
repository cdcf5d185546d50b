import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, decodeRecords, encodeRecords, StringTable, type Column, type RecordColumns } from '../../src/core/blocks/record-columns.ts';
import { canonicalTimeOf } from '../../src/core/columns/iso-time.ts';

/** Values of the kinds records hold, and the edge cases a column must keep apart. */
const value = fc.oneof(
  fc.string(),
  fc.constantFrom('2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00Z', '1970-01-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z'),
  fc.date({ noInvalidDate: true, min: new Date(-8.64e15 + 1), max: new Date(8.64e15 - 1) }).map((d) => d.toISOString()),
  fc.double({ noDefaultInfinity: true, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.dictionary(fc.string({ unit: fc.constantFrom('a', 'b', 'ü'), maxLength: 4 }), fc.string(), { maxKeys: 3, noNullPrototype: true }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.array(fc.oneof(fc.string(), fc.constant(null)), { maxLength: 3 }),
  // A user's records: lists of objects, fields sometimes missing.
  fc.array(fc.record({ userId: fc.string({ maxLength: 3 }), at: fc.constantFrom('2026-11-01T00:00:00.000Z', null), n: fc.integer() }, { requiredKeys: ['userId'], noNullPrototype: true }), { maxLength: 4 }),
);

const record = fc.dictionary(fc.constantFrom('id', 'userId', 'at', 'count', 'flag', 'extra', 'customFields'), value, { maxKeys: 7, noNullPrototype: true });

function sameAsEncoded(decoded: Record<string, unknown>, original: Record<string, unknown>): void {
  expect(Object.keys(decoded).sort()).toEqual(Object.keys(original).sort());
  for (const key of Object.keys(original)) expect(decoded[key]).toStrictEqual(original[key]);
}

describe('records as columns', () => {
  it('gives back every record exactly: values, null, undefined and missing fields apart', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        const strings = new StringTable();
        const columns = encodeRecords(records, strings);
        const decoded = decodeRecords<Record<string, unknown>>(columns, strings.strings);
        expect(decoded).toHaveLength(records.length);
        decoded.forEach((d, i) => sameAsEncoded(d, records[i]!));
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('survives a structured clone (what IndexedDB stores) and reads one row alone', () => {
    const records = [
      { userId: 'U-1', communityId: 'C-1', joinedAt: '2026-10-01T08:00:00.000Z' },
      { userId: 'U-1', communityId: 'C-2', joinedAt: '2026-10-02T08:00:00.000Z', note: null },
      { userId: 'U-2', communityId: 'C-1', joinedAt: 'yesterday' },
    ];
    const strings = new StringTable();
    const stored = structuredClone({ strings: strings.strings, columns: encodeRecords(records, strings) });
    expect(decodeRecord(stored.columns, 1, stored.strings)).toStrictEqual(records[1]);
    expect(decodeRecords(stored.columns, stored.strings)).toStrictEqual(records);
  });

  it('keeps every number of a number field: NaN, infinities and -0 included', () => {
    const records = [NaN, Infinity, -Infinity, -0, 0, 1.5, Number.MAX_VALUE].map((count) => ({ count }));
    const strings = new StringTable();
    expect(decodeRecords(encodeRecords(records, strings), strings.strings)).toStrictEqual(records);
  });

  it('writes nested objects and lists of records as columns of their own', () => {
    const users = [
      { id: 'U-1', customFields: { department: 'Sales' }, licenses: [{ methodologyId: 'M-1', state: 'consumed' }], communityIds: ['C-1', 'C-2'] },
      { id: 'U-2', customFields: {}, licenses: [], communityIds: [] },
      { id: 'U-3', customFields: { department: 'Finance', site: 'Lyon' }, licenses: [{ methodologyId: 'M-2', state: 'reserved', releasedFromElaAt: null }], communityIds: ['C-1'] },
    ];
    const strings = new StringTable();
    const columns = encodeRecords(users, strings);
    expect(columns.columns.map((c) => c.type)).toEqual(['string', 'object', 'list', 'list']);
    expect(decodeRecords(columns, strings.strings)).toStrictEqual(users);
    expect(decodeRecord(columns, 2, strings.strings)).toStrictEqual(users[2]);
  });

  it('reads a timestamp as a number only where toISOString gives it back exactly', () => {
    const slow = (value: string): number | null => {
      const ms = Date.parse(value);
      return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(value) && Number.isFinite(ms) && new Date(ms).toISOString() === value ? ms : null;
    };
    const nearMiss = fc
      .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 999 }))
      .map(([y, mo, d, h, mi, s, ms]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z`);
    const exact = fc.date({ noInvalidDate: true, min: new Date('1000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z') }).map((d) => d.toISOString());
    fc.assert(
      fc.property(fc.oneof(nearMiss, exact, fc.string()), (value) => {
        const expected = Number(value.slice(0, 4)) < 1000 ? null : slow(value);
        expect(canonicalTimeOf(value)).toBe(expected);
      }),
      { numRuns: 3_000, seed: 5 },
    );
  });

  it('keeps small whole numbers in the smallest typed array that holds them', () => {
    const strings = new StringTable();
    const columns = encodeRecords([{ a: 0, b: -3, c: 70_000, d: 0.5, e: 2 ** 40 }, { a: 255, b: 300, c: -1, d: 1, e: 1 }], strings);
    expect(columns.columns.map((c) => (c.type === 'number' ? c.values.constructor.name : c.type))).toEqual(['Uint8Array', 'Int16Array', 'Int32Array', 'Float64Array', 'Float64Array']);
  });

  it('keeps string codes and list starts in 16 bits while they fit, in 32 past that, and reads either back', () => {
    const widened = (column: Column): Column =>
      column.type === 'string' || column.type === 'json'
        ? { ...column, values: Int32Array.from(column.values) }
        : column.type === 'list'
          ? { ...column, start: Uint32Array.from(column.start), items: widened(column.items) }
          : column;
    for (const [rows, distinct] of [[1_000, 10], [40_000, 32_768], [40_000, 40_000]] as const) {
      const strings = new StringTable();
      const records = Array.from({ length: rows }, (_, i) => ({ id: `U${i % distinct}`, tags: i % 7 === 0 ? null : [`t${i % distinct}`, 'x'], extra: { n: i } }));
      const items = records.reduce((n, r) => n + (r.tags?.length ?? 0), 0);
      const columns = encodeRecords(records, strings);
      const [ids, tags] = columns.columns as [Extract<Column, { type: 'string' }>, Extract<Column, { type: 'list' }>];
      // The codes run up to distinct - 1 (ids) and past it (the tags' own strings): 16 bits only while the largest fits.
      expect(ids.values.constructor.name).toBe(distinct - 1 <= 32_767 ? 'Int16Array' : 'Int32Array');
      expect(tags.start.constructor.name).toBe(items <= 65_535 ? 'Uint16Array' : 'Uint32Array');
      expect(decodeRecords(columns, strings.strings)).toEqual(records);
      // As the previous release stored them (every code and start in 32 bits): the same records.
      const stored: RecordColumns = { ...columns, columns: columns.columns.map(widened) };
      expect(decodeRecords(stored, strings.strings)).toEqual(records);
    }
  });

  it('keeps each string once, and canonical timestamps as numbers', () => {
    const strings = new StringTable();
    const records = Array.from({ length: 1_000 }, (_, i) => ({ userId: `U-${i % 10}`, kind: 'auth', createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() }));
    const columns = encodeRecords(records, strings);
    expect(strings.strings).toHaveLength(11);
    expect(columns.columns.map((c) => c.type)).toEqual(['string', 'string', 'time']);
  });
});
