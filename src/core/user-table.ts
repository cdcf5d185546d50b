/**
 * The users the worker holds, as columns: a row per user, each field a typed array or a number into a
 * string pool, so 1,000,000 users cost a few hundred bytes each rather than a tree of objects (a user
 * object with its strings, summary, licenses and counts took about 800). A user is made into an object
 * only when asked for (`userAt`): a row of the list, a detail, a plan's few users, an export's row.
 *
 * Rows never move and are never reused: a change writes rows in place or adds rows at the end, a deletion
 * only forgets the id. What an older view of the roster (`RosterIndex`) holds as rows stays readable.
 */
import { IdIndex } from './columns/id-index.ts';
import { canonicalTimeOf, isoTimeOf } from './columns/iso-time.ts';
import { grownTo, ListColumn } from './columns/list-column.ts';
import { StringPool } from './columns/string-pool.ts';
import { customFieldTags } from './custom-field-tags.ts';
import { foldText } from './fold-text.ts';
import type { LicenseGrant, TokenKind, User, UserStatus } from './roster-types.ts';
import type { StoredUser } from './stored-user.ts';
import type { UserRecordSummary } from './summarize-user-records.ts';
import type { UserRecordCounts } from './user-record-counts.ts';

/** A user with the summary of their records (communities, licenses, counts), as stored. */
export type IndexedUser = User & UserRecordSummary;

/** The counts of a user's records, in the order their slots follow each other. */
export const COUNT_NAMES = [
  'requests',
  'assignments',
  'removedAssignments',
  'completions',
  'certificates',
  'removedCertificates',
  'removedMemberships',
  'uncertifiedGlobalCompletions',
  'uncertifiedOtherCompletions',
] as const satisfies readonly (keyof UserRecordCounts)[];
export const TOKEN_KINDS = ['auth', 'auto_login', 'device', 'oauth'] as const satisfies readonly TokenKind[];
/** Slots per user: the counts, the tokens of each kind, whether they have retained history. */
const COUNT_SLOTS = COUNT_NAMES.length + TOKEN_KINDS.length + 1;
const RETAINED_SLOT = COUNT_SLOTS - 1;
/** A count this large or larger is kept in a map: nearly every count fits a byte. */
const LARGE_COUNT = 255;

/** Timestamps as milliseconds; null as NaN; a time not as `toISOString` writes it, kept as written. */
export class TimeColumn {
  private ms: Float64Array;
  private readonly written = new Map<number, string>();

  constructor(rows: number) {
    this.ms = new Float64Array(rows);
  }

  reserve(rows: number): void {
    this.ms = grownTo(this.ms, rows);
  }

  /** See `UserTable.reorder`. */
  reorder(order: Uint32Array, newRowOf: Int32Array): void {
    this.ms = gathered(this.ms, order);
    if (this.written.size === 0) return;
    const written = [...this.written];
    this.written.clear();
    for (const [row, value] of written) this.written.set(newRowOf[row]!, value);
  }

  /** A canonical timestamp, as milliseconds (NaN: null). */
  setMs(row: number, ms: number): void {
    if (this.written.size > 0) this.written.delete(row);
    this.ms[row] = ms;
  }

  set(row: number, value: string | null): void {
    if (this.written.size > 0) this.written.delete(row);
    if (value === null) {
      this.ms[row] = NaN;
      return;
    }
    const ms = canonicalTimeOf(value);
    if (ms === null) {
      this.ms[row] = NaN;
      this.written.set(row, value);
    } else {
      this.ms[row] = ms;
    }
  }

  get(row: number): string | null {
    const ms = this.ms[row]!;
    if (ms === ms) return isoTimeOf(ms);
    return this.written.size > 0 ? (this.written.get(row) ?? null) : null;
  }

  /** Milliseconds of the time at `row`: NaN for null and for a time kept as written (see `isWritten`). */
  msAt(row: number): number {
    return this.ms[row]!;
  }

  isWritten(row: number): boolean {
    return this.written.size > 0 && this.written.has(row);
  }

  isNull(row: number): boolean {
    const ms = this.ms[row]!;
    return ms !== ms && (this.written.size === 0 || !this.written.has(row));
  }

  /**
   * Whether the time is before `bound` as ISO strings compare (`bound` a day or a timestamp; `boundMs` what
   * `Date.parse` makes of it, NaN when it is neither). Null is before nothing.
   */
  isBefore(row: number, bound: string, boundMs: number): boolean {
    const ms = this.ms[row]!;
    if (ms === ms && boundMs === boundMs) return ms < boundMs;
    const value = this.get(row);
    return value !== null && value < bound;
  }
}

/** `array` with element i taken from `order[i]` (a copy as long as `array`; the rest left zero). */
function gathered<T extends Int32Array | Uint8Array | Float64Array>(array: T, order: Uint32Array): T {
  const out = new (array.constructor as new (length: number) => T)(array.length);
  for (let i = 0; i < order.length; i++) out[i] = array[order[i]!]!;
  return out;
}

/**
 * A copy of `value` as one flat string of its own. A string made by joining others (the demo's emails)
 * is searched several times slower than a flat one, and a field cut out of a file's text keeps the whole
 * text alive: the table keeps neither. Strings read from IndexedDB are flat already and are not copied.
 */
function ownString(value: string): string {
  // Bad data may hold something else where a string belongs: kept as it is, as an object would keep it.
  return typeof value === 'string' ? (JSON.parse(JSON.stringify(value)) as string) : value;
}

/** What a license entry says besides its methodology: consumed or reserved. */
const CONSUMED = 1;

export class UserTable {
  /** Rows in use (deleted users' rows included: rows are never reused). */
  rows = 0;
  /** Changes made through views of this table (`RosterIndex.withChange`): only the latest view may make one. */
  version = 0;
  readonly ids: string[] = [];
  readonly emails: string[] = [];
  /** The email as search folds it: the very same string when folding leaves it as it is. */
  readonly foldedEmails: string[] = [];
  /** First and last names, numbers into `names`. */
  firstName: Int32Array;
  lastName: Int32Array;
  readonly names = new StringPool();
  /** Each name of `names` folded for search and the list's order. */
  readonly foldedNames: string[] = [];
  /** 0 active, 1 inactive. */
  status: Uint8Array;
  /** Manager's and deactivator's ids, numbers into `userRefs` (-1: none). */
  manager: Int32Array;
  deactivatedBy: Int32Array;
  readonly userRefs = new StringPool();
  readonly lastLoginAt: TimeColumn;
  readonly createdAt: TimeColumn;
  readonly deactivatedAt: TimeColumn;
  readonly lastActivityAt: TimeColumn;
  /** The sync revision; NaN before the first pull. */
  revision: Float64Array;
  /** Per custom field, in the order fields were first seen, each row's value as a number into `fieldValues` (-1: none). */
  readonly fieldNames: string[] = [];
  private readonly fieldNumber = new Map<string, number>();
  fieldColumns: Int32Array[] = [];
  readonly fieldValues = new StringPool();
  /** Community ids, numbers into `communityIds`. */
  readonly communities: ListColumn;
  readonly communityIds = new StringPool();
  /** Licenses: methodology number (into `methodologyIds`) × 2 + 1 when consumed. */
  readonly licenses: ListColumn;
  readonly methodologyIds = new StringPool();
  /** Licenses of users with an ELA release on record (A11/R5) kept whole: few users hold one. */
  private readonly releasedLicenses = new Map<number, LicenseGrant[]>();
  private counts: Uint8Array;
  private readonly largeCounts = new Map<number, number>();
  /** Row of each user on the roster; deleted users are not here. */
  readonly rowOf: IdIndex;
  /**
   * Whether new rows go into `rowOf` as they are added. A reader adding users in ascending ids (no id
   * twice) leaves it off and indexes them once laid out (`reorder`).
   */
  isIndexingIds = true;

  constructor(rows = 0) {
    const capacity = Math.max(16, rows);
    this.rowOf = new IdIndex(this.ids, rows);
    this.firstName = new Int32Array(capacity);
    this.lastName = new Int32Array(capacity);
    this.status = new Uint8Array(capacity);
    this.manager = new Int32Array(capacity);
    this.deactivatedBy = new Int32Array(capacity);
    this.lastLoginAt = new TimeColumn(capacity);
    this.createdAt = new TimeColumn(capacity);
    this.deactivatedAt = new TimeColumn(capacity);
    this.lastActivityAt = new TimeColumn(capacity);
    this.revision = new Float64Array(capacity);
    this.communities = new ListColumn(capacity);
    this.licenses = new ListColumn(capacity);
    this.counts = new Uint8Array(capacity * COUNT_SLOTS);
  }

  /** Adds a row for a user not on the roster, and returns it. */
  add(user: IndexedUser): number {
    const row = this.newRow(ownString(user.id), '');
    this.write(row, user);
    return row;
  }

  /**
   * A new row for a user not on the roster, with an id and email and every other field still to be
   * written: for a reader that writes columns straight from storage (see `head-rows-into-table.ts`).
   */
  newRow(id: string, email: string): number {
    const row = this.rows++;
    if (row >= this.status.length) this.reserve(row + 1);
    this.ids.push(id);
    this.emails.push(email);
    const folded = email === '' ? email : foldText(email);
    this.foldedEmails.push(folded === email ? email : folded);
    for (const column of this.fieldColumns) column[row] = -1;
    if (this.isIndexingIds) this.rowOf.set(id, row);
    return row;
  }

  /** Writes `user` over row `row` (the same user, as changed). */
  write(row: number, user: IndexedUser): void {
    if (this.emails[row] !== user.email) {
      const email = ownString(user.email);
      this.emails[row] = email;
      const folded = foldText(email);
      this.foldedEmails[row] = folded === email ? email : folded;
    }
    this.firstName[row] = this.name(user.firstName);
    this.lastName[row] = this.name(user.lastName);
    this.status[row] = user.status === 'active' ? 0 : 1;
    this.manager[row] = user.managerId === null ? -1 : this.userRefs.intern(user.managerId);
    this.deactivatedBy[row] = user.deactivatedBy === null ? -1 : this.userRefs.intern(user.deactivatedBy);
    this.lastLoginAt.set(row, user.lastLoginAt);
    this.createdAt.set(row, user.createdAt);
    this.deactivatedAt.set(row, user.deactivatedAt);
    this.revision[row] = user.revision ?? NaN;
    for (const column of this.fieldColumns) column[row] = -1;
    for (const name in user.customFields) this.fieldColumn(name)[row] = this.fieldValues.intern(user.customFields[name]!);
    const { communityIds, licenses } = user;
    const scratch = this.scratch(Math.max(communityIds.length, licenses.length));
    for (let i = 0; i < communityIds.length; i++) scratch[i] = this.communityIds.intern(communityIds[i]!);
    this.communities.set(row, scratch.subarray(0, communityIds.length));
    let isReleased = false;
    for (let i = 0; i < licenses.length; i++) {
      const license = licenses[i]!;
      scratch[i] = this.methodologyIds.intern(license.methodologyId) * 2 + (license.state === 'consumed' ? CONSUMED : 0);
      if (license.releasedFromElaAt !== undefined) isReleased = true;
    }
    this.licenses.set(row, scratch.subarray(0, licenses.length));
    if (this.releasedLicenses.size > 0) this.releasedLicenses.delete(row);
    if (isReleased) this.releasedLicenses.set(row, licenses.map((l) => ({ ...l })));
    this.writeCounts(row, user.counts);
  }

  /** Forgets a user's id: their row stays as it was, for views of the roster from before. */
  forget(id: string): void {
    this.rowOf.delete(id);
  }

  // ——— Reading a row ———

  statusOf(row: number): UserStatus {
    return this.status[row] === 0 ? 'active' : 'inactive';
  }

  managerIdOf(row: number): string | null {
    const ref = this.manager[row]!;
    return ref < 0 ? null : this.userRefs.values[ref]!;
  }

  firstNameOf(row: number): string {
    return this.names.values[this.firstName[row]!]!;
  }

  lastNameOf(row: number): string {
    return this.names.values[this.lastName[row]!]!;
  }

  /** The user at `row` as a plain object, as stored: what the worker hands the screens, plans and exports. */
  userAt(row: number): StoredUser {
    const user = this.recordAt(row) as StoredUser;
    user.fieldTags = customFieldTags(user.customFields);
    user.communityIds = this.communityIdsOf(row);
    user.licenses = this.licensesOf(row);
    user.counts = this.countsOf(row);
    return user;
  }

  /** The user at `row` as the domain record alone, without what is derived from their records: what plans read. */
  recordAt(row: number): User {
    const customFields: Record<string, string> = {};
    for (let field = 0; field < this.fieldColumns.length; field++) {
      const value = this.fieldColumns[field]![row]!;
      if (value >= 0) customFields[this.fieldNames[field]!] = this.fieldValues.values[value]!;
    }
    const deactivatedBy = this.deactivatedBy[row]!;
    const user: User = {
      id: this.ids[row]!,
      email: this.emails[row]!,
      firstName: this.firstNameOf(row),
      lastName: this.lastNameOf(row),
      status: this.statusOf(row),
      managerId: this.managerIdOf(row),
      customFields,
      lastLoginAt: this.lastLoginAt.get(row),
      createdAt: this.createdAt.get(row)!,
      deactivatedAt: this.deactivatedAt.get(row),
      deactivatedBy: deactivatedBy < 0 ? null : this.userRefs.values[deactivatedBy]!,
    };
    const revision = this.revision[row]!;
    if (revision === revision) user.revision = revision;
    return user;
  }

  communityIdsOf(row: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.communities.lengthOf(row); i++) ids.push(this.communityIds.values[this.communities.at(row, i)]!);
    return ids;
  }

  licensesOf(row: number): LicenseGrant[] {
    const released = this.releasedLicenses.size > 0 ? this.releasedLicenses.get(row) : undefined;
    if (released) return released.map((l) => ({ ...l }));
    const userId = this.ids[row]!;
    const licenses: LicenseGrant[] = [];
    for (let i = 0; i < this.licenses.lengthOf(row); i++) {
      const entry = this.licenses.at(row, i);
      licenses.push({ userId, methodologyId: this.methodologyIds.values[entry >> 1]!, state: (entry & CONSUMED) === CONSUMED ? 'consumed' : 'reserved' });
    }
    return licenses;
  }

  /** A10–A12: the licenses of every row that count toward their pools, by methodology id (no list made per row). */
  licensesInUseByMethodology(): Map<string, number> {
    const counts = new Float64Array(this.methodologyIds.size);
    const inUse = new Map<string, number>();
    for (let row = 0; row < this.rows; row++) {
      const released = this.releasedLicenses.size > 0 ? this.releasedLicenses.get(row) : undefined;
      if (released) {
        for (const l of released) if (!l.releasedFromElaAt) inUse.set(l.methodologyId, (inUse.get(l.methodologyId) ?? 0) + 1);
        continue;
      }
      for (let i = 0; i < this.licenses.lengthOf(row); i++) counts[this.licenses.at(row, i) >> 1]!++;
    }
    counts.forEach((count, methodology) => {
      if (count > 0) inUse.set(this.methodologyIds.values[methodology]!, (inUse.get(this.methodologyIds.values[methodology]!) ?? 0) + count);
    });
    return inUse;
  }

  /** A10–A12: per methodology id, the licenses of `row` that count toward the pool (not ELA-released ones). */
  licensesInUseOf(row: number): string[] {
    const released = this.releasedLicenses.size > 0 ? this.releasedLicenses.get(row) : undefined;
    if (released) return released.filter((l) => !l.releasedFromElaAt).map((l) => l.methodologyId);
    const ids: string[] = [];
    for (let i = 0; i < this.licenses.lengthOf(row); i++) ids.push(this.methodologyIds.values[this.licenses.at(row, i) >> 1]!);
    return ids;
  }

  countsOf(row: number): UserRecordCounts {
    const base = row * COUNT_SLOTS;
    const slot = (k: number): number => {
      const value = this.counts[base + k]!;
      return value === LARGE_COUNT ? this.largeCounts.get(base + k)! : value;
    };
    const counts = {} as UserRecordCounts;
    for (let k = 0; k < COUNT_NAMES.length; k++) counts[COUNT_NAMES[k]!] = slot(k);
    counts.tokens = { auth: slot(9), auto_login: slot(10), device: slot(11), oauth: slot(12) };
    counts.hasRetainedHistory = this.counts[base + RETAINED_SLOT] === 1;
    counts.lastActivityAt = this.lastActivityAt.get(row);
    return counts;
  }

  /** The number of a custom field's column, or -1 when no user ever had the field. */
  fieldNumberOf(name: string): number {
    return this.fieldNumber.get(name) ?? -1;
  }

  // ——— Writing ———

  /** The number of a first or last name, added to `names` if new. */
  name(name: string): number {
    const size = this.names.size;
    const number = this.names.intern(name);
    if (number === size) this.foldedNames.push(foldText(name));
    return number;
  }

  /** The column of a custom field, made when the first user holds it. */
  fieldColumn(name: string): Int32Array {
    let number = this.fieldNumber.get(name);
    if (number === undefined) {
      number = this.fieldNames.length;
      this.fieldNames.push(name);
      this.fieldNumber.set(name, number);
      this.fieldColumns.push(new Int32Array(this.status.length).fill(-1));
    }
    return this.fieldColumns[number]!;
  }

  private scratchNumbers = new Int32Array(16);

  /** A reusable array of at least `length` numbers: a user's lists are written without allocating. */
  private scratch(length: number): Int32Array {
    if (length > this.scratchNumbers.length) this.scratchNumbers = new Int32Array(length * 2);
    return this.scratchNumbers;
  }

  /** Writes count slot `slot` (see COUNT_NAMES, then the tokens by kind) of `row`. */
  setCount(row: number, slot: number, value: number): void {
    this.writeCount(row * COUNT_SLOTS + slot, value);
  }

  setRetainedHistory(row: number, has: boolean): void {
    this.counts[row * COUNT_SLOTS + RETAINED_SLOT] = has ? 1 : 0;
  }

  private writeCount(at: number, value: number): void {
    if (value < LARGE_COUNT) {
      this.counts[at] = value;
      if (this.largeCounts.size > 0) this.largeCounts.delete(at);
    } else {
      this.counts[at] = LARGE_COUNT;
      this.largeCounts.set(at, value);
    }
  }

  private writeCounts(row: number, counts: UserRecordCounts): void {
    const base = row * COUNT_SLOTS;
    for (let k = 0; k < COUNT_NAMES.length; k++) this.writeCount(base + k, counts[COUNT_NAMES[k]!]);
    const { tokens } = counts;
    for (let k = 0; k < TOKEN_KINDS.length; k++) this.writeCount(base + COUNT_NAMES.length + k, tokens[TOKEN_KINDS[k]!]);
    this.counts[base + RETAINED_SLOT] = counts.hasRetainedHistory ? 1 : 0;
    this.lastActivityAt.set(row, counts.lastActivityAt);
  }

  /**
   * Lays every row out in `order` (new row i is old row order[i]; every row once), so that what reads
   * users in the list's order reads each column front to back. Only for a table no view reads yet: a
   * view's rows would no longer name its users. Indexes the ids.
   */
  reorder(order: Uint32Array): void {
    if (order.length !== this.rows) throw new Error(`An order of ${order.length} rows was given for ${this.rows}.`);
    const newRowOf = new Int32Array(this.rows);
    for (let i = 0; i < order.length; i++) newRowOf[order[i]!] = i;
    for (const strings of [this.ids, this.emails, this.foldedEmails]) {
      const copy = strings.slice();
      for (let i = 0; i < order.length; i++) (strings as string[])[i] = copy[order[i]!]!;
    }
    this.eachRowColumn((column) => gathered(column, order));
    for (const column of [this.lastLoginAt, this.createdAt, this.deactivatedAt, this.lastActivityAt]) column.reorder(order, newRowOf);
    this.communities.reorder(order);
    this.licenses.reorder(order);
    const released = [...this.releasedLicenses];
    this.releasedLicenses.clear();
    for (const [row, licenses] of released) this.releasedLicenses.set(newRowOf[row]!, licenses);
    const counts = new Uint8Array(this.counts.length);
    for (let i = 0; i < order.length; i++) {
      const from = order[i]! * COUNT_SLOTS;
      for (let k = 0; k < COUNT_SLOTS; k++) counts[i * COUNT_SLOTS + k] = this.counts[from + k]!;
    }
    this.counts = counts;
    const large = [...this.largeCounts];
    this.largeCounts.clear();
    for (const [at, value] of large) this.largeCounts.set(newRowOf[Math.floor(at / COUNT_SLOTS)]! * COUNT_SLOTS + (at % COUNT_SLOTS), value);
    this.rowOf.reindex(this.rows);
    this.isIndexingIds = true;
  }

  /**
   * Replaces each column of a number per row with what `made` makes of it (a grown or reordered copy);
   * a custom field's column holds -1 (no value) past what it held before.
   */
  private eachRowColumn(made: <T extends Int32Array | Uint8Array | Float64Array>(column: T) => T): void {
    this.firstName = made(this.firstName);
    this.lastName = made(this.lastName);
    this.status = made(this.status);
    this.manager = made(this.manager);
    this.deactivatedBy = made(this.deactivatedBy);
    this.revision = made(this.revision);
    this.fieldColumns = this.fieldColumns.map((column) => {
      const out = made(column);
      if (out !== column) out.fill(-1, Math.min(column.length, this.rows));
      return out;
    });
  }

  /** Room for `rows` rows in every column. */
  reserve(rows: number): void {
    if (rows <= this.status.length) return;
    const capacity = Math.max(rows, Math.ceil(this.status.length * 1.5));
    this.eachRowColumn((column) => grownTo(column, capacity));
    for (const column of [this.lastLoginAt, this.createdAt, this.deactivatedAt, this.lastActivityAt]) column.reserve(capacity);
    this.communities.reserve(capacity);
    this.licenses.reserve(capacity);
    this.counts = grownTo(this.counts, capacity * COUNT_SLOTS);
  }
}
