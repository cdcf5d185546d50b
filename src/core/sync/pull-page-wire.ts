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

/**
 * A typed array as JSON carries it: value i is `base + step × numbers[i]`, or, `running`, `base + step ×`
 * the sum of numbers 0 to i (`base` 0 and `step` 1 where absent). Times (milliseconds since the epoch,
 * thirteen digits) go as steps of the largest unit that divides every one's distance from the column's
 * earliest (a day, an hour, a minute, a second), and where each list's items start as the count of each:
 * written out as they were, those two made most of a page's text.
 */
interface WireNumbers {
  array: TypedArrayName;
  numbers: number[];
  base?: number;
  step?: number;
  running?: boolean;
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

/** Units a column of times may be counted in, largest first. */
const TIME_STEPS = [86_400_000, 3_600_000, 60_000, 1_000];

/** A list of records as columns (`RecordList`), its typed arrays as `WireNumbers`. */
export type WireRecordList = { strings: string[]; records: unknown };

/** The body of `GET /pull`: a `PullResponse` with its users as columns. */
export interface PullPage extends Omit<PullResponse, 'users'> {
  users: WireRecordList;
}

/**
 * A typed array in as few digits as it allows: whole numbers as steps from the least of them (times in
 * the largest unit that divides them all), as the difference from the one before where they never fall.
 */
function numbersToWire(array: TypedArrayName, values: ArrayLike<number>): WireNumbers {
  const n = values.length;
  let min = Infinity;
  let isRising = true;
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    // -0 and fractions go as they are (a difference would lose them).
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) return { array, numbers: Array.from(values) };
    if (value < min) min = value;
    if (i > 0 && value < values[i - 1]!) isRising = false;
  }
  const isTime = array === 'Float64Array';
  if (n === 0 || (!isRising && !isTime)) return { array, numbers: Array.from(values) };
  const step = !isTime
    ? 1
    : (TIME_STEPS.find((unit) => {
        for (let i = 0; i < n; i++) if ((values[i]! - min) % unit !== 0) return false;
        return true;
      }) ?? 1);
  const numbers = new Array<number>(n);
  for (let i = 0; i < n; i++) numbers[i] = (values[i]! - (isRising && i > 0 ? values[i - 1]! : min)) / step;
  const wire: WireNumbers = { array, numbers };
  if (min !== 0) wire.base = min;
  if (step !== 1) wire.step = step;
  if (isRising && n > 1) wire.running = true;
  return wire;
}

function numbersFromWire({ array, numbers, base = 0, step = 1, running = false }: WireNumbers): ArrayLike<number> {
  if (!Object.hasOwn(TYPED_ARRAYS, array)) throw new Error(`A pull page holds a ${array}, which is not a kind of column.`);
  if (typeof base !== 'number' || typeof step !== 'number') throw new Error(`A pull page's ${array} has a base or step that is not a number.`);
  const values = new TYPED_ARRAYS[array](numbers.length);
  let sum = 0;
  for (let i = 0; i < numbers.length; i++) {
    const n = numbers[i]!;
    if (running) sum += n;
    values[i] = base + step * (running ? sum : n);
  }
  return values;
}

function toWire(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const array = value.constructor.name as TypedArrayName;
    if (!(array in TYPED_ARRAYS)) throw new Error(`A ${array} cannot go into a pull page.`);
    return numbersToWire(array, value as unknown as ArrayLike<number>);
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = toWire(key === 'values' ? unmarkedValues(value) : field);
    return out;
  }
  return value;
}

/**
 * A number or time column's values with the rows its marks say hold none (null, missing: 0 there) set
 * to its least value: they are not read back, and a 0 among times would count them all from 1970.
 */
function unmarkedValues(column: object): unknown {
  const { values, marks } = column as { values?: unknown; marks?: unknown };
  if (!(values instanceof Float64Array) || !(marks instanceof Uint8Array) || marks.length !== values.length) return values;
  let least = Infinity;
  for (let i = 0; i < values.length; i++) if (marks[i] === 0 && values[i]! < least) least = values[i]!;
  if (least === Infinity) return values;
  const filled = Float64Array.from(values);
  for (let i = 0; i < filled.length; i++) if (marks[i] !== 0) filled[i] = least;
  return filled;
}

function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === 'object') {
    const wire = value as Partial<WireNumbers>;
    if (typeof wire.array === 'string' && Array.isArray(wire.numbers)) return numbersFromWire(wire as WireNumbers);
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
