/**
 * A pull page as it crosses the network: the users' bundles as columns (record-columns.ts, the encoding
 * the device stores them in), each typed array a tagged list of numbers, so that the page is plain
 * JSON. A page of 5,000 bundles as objects repeated every field name and list per user and took the
 * server longer to write out than the device to store (about 1.5 KB a user); as columns each field name
 * is written once a page, each string once, and what repeats compresses well on the wire.
 */
import { decodeRecordList, encodeRecordList, type RecordList } from '../blocks/record-columns.ts';
import type { PullResponse } from './sync-protocol.ts';
import type { UserBundle } from './user-bundle.ts';

/** A typed array as JSON carries it. */
interface WireNumbers {
  array: TypedArrayName;
  numbers: number[];
}

const TYPED_ARRAYS = {
  Float64Array,
  Int32Array,
  Int16Array,
  Uint32Array,
  Uint16Array,
  Uint8Array,
} as const;

type TypedArrayName = keyof typeof TYPED_ARRAYS;

/** A list of records as columns (`RecordList`), its typed arrays as `WireNumbers`. */
export type WireRecordList = { strings: string[]; records: unknown };

/** The body of `GET /pull`: a `PullResponse` with its users as columns. */
export interface PullPage extends Omit<PullResponse, 'users'> {
  users: WireRecordList;
}

function toWire(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const array = value.constructor.name as TypedArrayName;
    if (!(array in TYPED_ARRAYS)) throw new Error(`A ${array} cannot go into a pull page.`);
    return { array, numbers: Array.from(value as unknown as ArrayLike<number>) } satisfies WireNumbers;
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = toWire(field);
    return out;
  }
  return value;
}

function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === 'object') {
    const { array, numbers } = value as Partial<WireNumbers>;
    if (typeof array === 'string' && Array.isArray(numbers)) {
      if (!Object.hasOwn(TYPED_ARRAYS, array)) throw new Error(`A pull page holds a ${array}, which is not a kind of column.`);
      return TYPED_ARRAYS[array].from(numbers);
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = fromWire(field);
    return out;
  }
  return value;
}

/** The page the server sends for `response`. */
export function pullPageOf(response: PullResponse): PullPage {
  const list = encodeRecordList(response.users);
  return { ...response, users: { strings: list.strings, records: toWire(list.records) } };
}

/**
 * The response a page carries. Throws on a page that is not one (a server of another version, a proxy's
 * error page): the caller reports it, and stores nothing of it.
 */
export function pullResponseOf(page: PullPage): PullResponse {
  const wire = page?.users;
  if (!wire || !Array.isArray(wire.strings) || typeof wire.records !== 'object' || wire.records === null) {
    throw new Error('The pull page holds no users as columns.');
  }
  const records = fromWire(wire.records) as RecordList['records'];
  if (!Number.isInteger(records.count) || !Array.isArray(records.fields) || !Array.isArray(records.columns)) {
    throw new Error('The pull page holds no users as columns.');
  }
  const users = decodeRecordList<UserBundle>({ strings: wire.strings, records });
  return { ...page, users };
}
