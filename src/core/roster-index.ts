/**
 * The roster held in memory by the worker: its users as columns (`UserTable`) in the list's order, plus
 * what the list, the filters, the plans and the detail panel look up. Built once from the database (or
 * straight from a load), then kept current by `withChange`, so no screen re-reads the users.
 *
 * An index is a view: the order of its users (position → row), the seat and license totals, and the
 * manager tree and community masks it works out when first asked. Every view of a roster shares one
 * table; a change writes the table's rows in place and makes a new view, so positions an older view
 * handed out (a query on screen, an export under way) still name the same users, read as they are now.
 */
import { addHeadRows } from './blocks/head-rows-into-table.ts';
import { isoTimeOf } from './columns/iso-time.ts';
import { usersOfPage, type StoredUsersPage } from './blocks/user-block.ts';
import type { Community, CustomFieldDefinition, LicenseGrant, Methodology, User, UserStatus } from './roster-types.ts';
import type { StoredUser } from './stored-user.ts';
import { emptyUserRecordSummary } from './summarize-user-records.ts';
import type { UserRecordCounts } from './user-record-counts.ts';
import { UserTable, type IndexedUser } from './user-table.ts';

export type { IndexedUser } from './user-table.ts';

export interface RosterLists {
  methodologies: Methodology[];
  communities: Community[];
  customFields: CustomFieldDefinition[];
}

export interface RosterIndexSource extends RosterLists {
  users: Iterable<IndexedUser>;
}

const NO_SUMMARY = emptyUserRecordSummary();

/** Users who count toward the seat limit (A12), and licenses held per methodology (A10–A12). */
interface Totals {
  activeCount: number;
  licensesInUse: Map<string, number>;
}

function countRow(totals: Totals, table: UserTable, row: number, sign: 1 | -1): void {
  if (table.status[row] === 0) totals.activeCount += sign;
  for (const methodologyId of table.licensesInUseOf(row)) totals.licensesInUse.set(methodologyId, (totals.licensesInUse.get(methodologyId) ?? 0) + sign);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The list's order of two rows: last name, first name (folded), then id. */
function compareRows(table: UserTable, a: number, b: number): number {
  const { foldedNames, lastName, firstName, ids } = table;
  const lastA = foldedNames[lastName[a]!]!;
  const lastB = foldedNames[lastName[b]!]!;
  if (lastA !== lastB) return lastA < lastB ? -1 : 1;
  const firstA = foldedNames[firstName[a]!]!;
  const firstB = foldedNames[firstName[b]!]!;
  if (firstA !== firstB) return firstA < firstB ? -1 : 1;
  return compareIds(ids[a]!, ids[b]!);
}

/**
 * Rows (given in id order) in the list's order. The names are ranked once (a few thousand distinct
 * names for a million users), then two stable counting sorts by first and by last name: no string is
 * compared per user, and rows of the same name keep their id order.
 */
function listOrderOf(table: UserTable, rowsInIdOrder: Uint32Array): Uint32Array {
  const { foldedNames } = table;
  const byName = Array.from(foldedNames.keys()).sort((a, b) => compareIds(foldedNames[a]!, foldedNames[b]!));
  const rank = new Int32Array(foldedNames.length);
  let ranks = 0;
  for (let i = 0; i < byName.length; i++) {
    if (i > 0 && foldedNames[byName[i]!] !== foldedNames[byName[i - 1]!]) ranks++;
    rank[byName[i]!] = ranks;
  }
  const sortedBy = (rows: Uint32Array, names: Int32Array): Uint32Array => {
    const starts = new Uint32Array(ranks + 2);
    for (const row of rows) starts[rank[names[row]!]! + 1]!++;
    for (let r = 1; r < starts.length; r++) starts[r]! += starts[r - 1]!;
    const sorted = new Uint32Array(rows.length);
    for (const row of rows) sorted[starts[rank[names[row]!]!]!++] = row;
    return sorted;
  };
  return sortedBy(sortedBy(rowsInIdOrder, table.firstName), table.lastName);
}

/** `order` (in the list's order, without the rows of `out`) with `rows` put in their places. */
function withRowsInOrder(table: UserTable, order: Uint32Array, out: ReadonlySet<number>, rows: number[]): Uint32Array {
  const kept = out.size === 0 ? order : order.filter((row) => !out.has(row));
  rows.sort((a, b) => compareRows(table, a, b));
  const merged = new Uint32Array(kept.length + rows.length);
  let from = 0;
  let to = 0;
  for (const row of rows) {
    // Binary search from where the previous row went: rows are in order too.
    let low = from;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareRows(table, kept[middle]!, row) < 0) low = middle + 1;
      else high = middle;
    }
    merged.set(kept.subarray(from, low), to);
    to += low - from;
    merged[to++] = row;
    from = low;
  }
  merged.set(kept.subarray(from), to);
  return merged;
}

/** Builds an index from users read or loaded page by page; the pages become garbage as they are added. */
export class RosterIndexBuilder {
  private readonly table: UserTable;
  private isInIdOrder = true;
  private lastId: string | null = null;

  constructor(expectedUsers = 0) {
    this.table = new UserTable(expectedUsers);
    // Ids are indexed once the rows are laid out, unless users arrive out of order (then at once).
    this.table.isIndexingIds = false;
  }

  private indexIds(): void {
    if (this.table.isIndexingIds) return;
    this.table.rowOf.reindex(this.table.rows);
    this.table.isIndexingIds = true;
  }

  /** A page read from storage: a block head's rows go into the columns without becoming objects. */
  addPage(page: StoredUsersPage): void {
    if ('users' in page) {
      this.add(page.users);
      return;
    }
    const { head, rows } = page;
    if (rows.length === 0) return;
    const first = head.userIds[rows[0]!]!;
    if (this.isInIdOrder && (this.lastId === null || this.lastId < first)) {
      addHeadRows(this.table, head, rows);
      this.lastId = head.userIds[rows[rows.length - 1]!]!;
      return;
    }
    this.add(usersOfPage(page));
  }

  add(users: Iterable<IndexedUser>): void {
    const { table } = this;
    for (const user of users) {
      // Users read from storage come in ascending ids: no id can be there twice, nothing to look up.
      if (this.isInIdOrder && (this.lastId === null || this.lastId < user.id)) {
        this.lastId = user.id;
        table.add(user);
        continue;
      }
      this.isInIdOrder = false;
      this.indexIds();
      const row = table.rowOf.get(user.id);
      if (row === undefined) table.add(user);
      else table.write(row, user);
    }
  }

  finish(lists: RosterLists): RosterIndex {
    const { table } = this;
    const rows = new Uint32Array(table.rows);
    for (let row = 0; row < rows.length; row++) rows[row] = row;
    if (!this.isInIdOrder) rows.sort((a, b) => compareIds(table.ids[a]!, table.ids[b]!));
    // Rows laid out in the list's order: filters and pages read every column front to back.
    table.reorder(listOrderOf(table, rows));
    // Every row is on the roster (a builder only adds): counted column by column, no list made per user.
    let activeCount = 0;
    for (let row = 0; row < table.rows; row++) if (table.status[row] === 0) activeCount++;
    const totals: Totals = { activeCount, licensesInUse: table.licensesInUseByMethodology() };
    for (let row = 0; row < rows.length; row++) rows[row] = row;
    return new RosterIndex(table, rows, totals, lists);
  }
}

/** The manager tree by position: the direct reports of position p are `reports[start[p] .. start[p + 1])`. */
interface ReportTree {
  start: Uint32Array;
  reports: Uint32Array;
}

export class RosterIndex {
  readonly table: UserTable;
  /** Row of each position: the list's order (last name, first name, id). */
  private readonly order: Uint32Array;
  /** Position of each row, -1 for rows not in this view (deleted, or added after it). */
  private readonly positions: Int32Array;
  /** Users who count toward the seat limit (A12). */
  readonly activeCount: number;
  private readonly inUse: Map<string, number>;
  /** Worked out when first asked for, and handed to the next view when a change leaves them true. */
  private tree: ReportTree | null = null;
  private readonly masks: Map<string, Uint8Array>;
  /** The table's change count this view was made at: only the latest view may be changed. */
  private readonly version: number;
  readonly methodologies: Methodology[];
  readonly communities: Community[];
  readonly customFields: CustomFieldDefinition[];
  readonly methodologyById: Map<string, Methodology>;
  readonly communityById: Map<string, Community>;

  /** `order` must already be the list's order. */
  constructor(table: UserTable, order: Uint32Array, totals: Totals, lists: RosterLists, kept?: { positions?: Int32Array; tree?: ReportTree | null; masks?: Map<string, Uint8Array> }) {
    this.table = table;
    this.order = order;
    this.version = table.version;
    if (kept?.positions) {
      this.positions = kept.positions;
    } else {
      this.positions = new Int32Array(table.rows).fill(-1);
      for (let position = 0; position < order.length; position++) this.positions[order[position]!] = position;
    }
    this.tree = kept?.tree ?? null;
    this.masks = kept?.masks ?? new Map();
    this.activeCount = totals.activeCount;
    this.inUse = totals.licensesInUse;
    // One order whatever order they were loaded or stored in (IndexedDB returns them by key, "C-10"
    // before "C-2"): what lists them (a plan's reasons, the filters) reads the same after a reload.
    this.methodologies = [...lists.methodologies].sort((a, b) => a.name.localeCompare(b.name) || compareIds(a.id, b.id));
    this.communities = [...lists.communities].sort((a, b) => Number(b.global) - Number(a.global) || a.name.localeCompare(b.name) || compareIds(a.id, b.id));
    this.customFields = [...lists.customFields].sort((a, b) => a.label.localeCompare(b.label) || compareIds(a.name, b.name));
    this.methodologyById = new Map(lists.methodologies.map((m) => [m.id, m]));
    this.communityById = new Map(lists.communities.map((c) => [c.id, c]));
  }

  static build(source: RosterIndexSource): RosterIndex {
    const builder = new RosterIndexBuilder();
    builder.add(source.users);
    return builder.finish(source);
  }

  /**
   * The index after a change: `changed` users written (added when new), `deletedIds` gone, the
   * organization lists replaced where the change replaced them. Lifecycle changes touch no names, so
   * the order stands and only the totals move; new and renamed users are put in their places, never the
   * whole roster sorted again.
   */
  withChange(change: { changed: readonly IndexedUser[]; deletedIds: readonly string[]; lists?: Partial<RosterLists> }): RosterIndex {
    const { table } = this;
    if (table.version !== this.version) throw new Error('Only the latest view of the roster can be changed: this one was changed already.');
    table.version++;
    const lists = { methodologies: this.methodologies, communities: this.communities, customFields: this.customFields, ...change.lists };
    const totals: Totals = { activeCount: this.activeCount, licensesInUse: new Map(this.inUse) };
    const out = new Set<number>();
    const deleted = new Set(change.deletedIds);
    for (const id of deleted) {
      const row = table.rowOf.get(id);
      if (row === undefined) continue;
      countRow(totals, table, row, -1);
      table.forget(id);
      out.add(row);
    }
    const placed = new Set<number>();
    const touchedCommunities = new Set<number>();
    let isTreeChanged = out.size > 0;
    // Room for the new users at once: an import of 100,000 would otherwise grow every column some twenty times.
    let added = 0;
    for (const user of change.changed) if (!deleted.has(user.id) && !table.rowOf.has(user.id)) added++;
    table.reserve(table.rows + added);
    for (const user of change.changed) {
      if (deleted.has(user.id)) continue;
      let row = table.rowOf.get(user.id);
      if (row === undefined) {
        row = table.add(user);
        countRow(totals, table, row, 1);
        placed.add(row);
        isTreeChanged = true;
        for (let i = 0; i < table.communities.lengthOf(row); i++) touchedCommunities.add(table.communities.at(row, i));
        continue;
      }
      countRow(totals, table, row, -1);
      const first = table.foldedNames[table.firstName[row]!];
      const last = table.foldedNames[table.lastName[row]!];
      const manager = table.manager[row];
      for (let i = 0; i < table.communities.lengthOf(row); i++) touchedCommunities.add(table.communities.at(row, i));
      table.write(row, user);
      countRow(totals, table, row, 1);
      for (let i = 0; i < table.communities.lengthOf(row); i++) touchedCommunities.add(table.communities.at(row, i));
      if (table.foldedNames[table.firstName[row]!] !== first || table.foldedNames[table.lastName[row]!] !== last) {
        placed.add(row);
        out.add(row);
      }
      if (table.manager[row] !== manager) isTreeChanged = true;
    }
    if (out.size === 0 && placed.size === 0) {
      const masks = new Map(this.masks);
      for (const community of touchedCommunities) masks.delete(table.communityIds.values[community]!);
      return new RosterIndex(table, this.order, totals, lists, { positions: this.positions, tree: isTreeChanged ? null : this.tree, masks });
    }
    const order = withRowsInOrder(table, this.order, out, [...placed]);
    return new RosterIndex(table, order, totals, lists);
  }

  get size(): number {
    return this.order.length;
  }

  /** The row of the user at `position` (see `table`). */
  rowAt(position: number): number {
    return this.order[position]!;
  }

  idAt(position: number): string {
    return this.table.ids[this.order[position]!]!;
  }

  emailAt(position: number): string {
    return this.table.emails[this.order[position]!]!;
  }

  statusAt(position: number): UserStatus {
    return this.table.statusOf(this.order[position]!);
  }

  userAt(position: number): StoredUser {
    return this.table.userAt(this.order[position]!);
  }

  /** Every user, in the list's order, each made an object as it is reached. */
  *usersInOrder(): Generator<StoredUser> {
    for (let position = 0; position < this.order.length; position++) yield this.userAt(position);
  }

  positionOf(id: string): number | undefined {
    const row = this.table.rowOf.get(id);
    if (row === undefined || row >= this.positions.length) return undefined;
    const position = this.positions[row]!;
    return position < 0 ? undefined : position;
  }

  /** The last id looked up and its row: a plan asks for a user's record, counts, licenses and communities in turn. */
  private lastId = '';
  private lastRow: number | undefined = undefined;

  private rowOf(id: string): number | undefined {
    if (this.lastId === id && id !== '') return this.lastRow;
    const position = this.positionOf(id);
    this.lastId = id;
    this.lastRow = position === undefined ? undefined : this.order[position];
    return this.lastRow;
  }

  has(id: string): boolean {
    return this.positionOf(id) !== undefined;
  }

  userById(id: string): StoredUser | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : this.table.userAt(row);
  }

  /** The domain record of a user, without their record summary: lighter, for what reads many users (plans). */
  recordById(id: string): User | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : this.table.recordAt(row);
  }

  /** A5: when a user's data last changed (see `lastChangeOfUser`), from the time columns: one string made, not four. */
  lastChangeOf(id: string): string | undefined {
    const row = this.rowOf(id);
    if (row === undefined) return undefined;
    const { createdAt, lastLoginAt, deactivatedAt, lastActivityAt } = this.table;
    const times = [createdAt, lastLoginAt, deactivatedAt, lastActivityAt];
    if (times.some((column) => column.isWritten(row))) {
      // A time kept as written compares as a string, as the rule reads it.
      let latest = createdAt.get(row)!;
      for (const column of times) {
        const at = column.get(row);
        if (at && at > latest) latest = at;
      }
      return latest;
    }
    let latest = createdAt.msAt(row);
    for (const column of times) {
      const ms = column.msAt(row);
      if (ms > latest) latest = ms;
    }
    return isoTimeOf(latest);
  }

  /** "First Last" of a user (as `fullName` writes it), without making the user an object. */
  nameOf(id: string): string | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : `${this.table.firstNameOf(row)} ${this.table.lastNameOf(row)}`.trim();
  }

  emailOf(id: string): string | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : this.table.emails[row];
  }

  statusOf(id: string): UserStatus | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : this.table.statusOf(row);
  }

  managerIdOf(id: string): string | null | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : this.table.managerIdOf(row);
  }

  /** A10–A12: licenses of a methodology held by anyone, reserved or consumed (not ELA-released ones). */
  licensesInUse(methodologyId: string): number {
    return this.inUse.get(methodologyId) ?? 0;
  }

  /** Licenses granted per methodology id, ELA-released ones included. */
  licensesGranted(): Map<string, number> {
    const { table } = this;
    const granted = new Map<number, number>();
    for (const row of this.order) {
      for (let i = 0; i < table.licenses.lengthOf(row); i++) {
        const methodology = table.licenses.at(row, i) >> 1;
        granted.set(methodology, (granted.get(methodology) ?? 0) + 1);
      }
    }
    return new Map([...granted].map(([methodology, count]) => [table.methodologyIds.values[methodology]!, count]));
  }

  communityIdsOf(id: string): readonly string[] {
    const row = this.rowOf(id);
    return row === undefined ? NO_SUMMARY.communityIds : this.table.communityIdsOf(row);
  }

  licensesOf(id: string): readonly LicenseGrant[] {
    const row = this.rowOf(id);
    return row === undefined ? NO_SUMMARY.licenses : this.table.licensesOf(row);
  }

  countsOf(id: string): UserRecordCounts {
    const row = this.rowOf(id);
    return row === undefined ? NO_SUMMARY.counts : this.table.countsOf(row);
  }

  private reportTree(): ReportTree {
    if (this.tree) return this.tree;
    const { table, order, positions } = this;
    // Where each manager id is, worked out once per id, not once per report.
    const refs = table.userRefs.values;
    const positionOfRef = new Int32Array(refs.length).fill(-1);
    for (let ref = 0; ref < refs.length; ref++) {
      const row = table.rowOf.get(refs[ref]!);
      if (row !== undefined && row < positions.length) positionOfRef[ref] = positions[row]!;
    }
    const size = order.length;
    const managerOf = new Int32Array(size);
    const count = new Uint32Array(size + 1);
    for (let position = 0; position < size; position++) {
      const ref = table.manager[order[position]!]!;
      const manager = ref < 0 ? -1 : positionOfRef[ref]!;
      managerOf[position] = manager;
      if (manager >= 0) count[manager]!++;
    }
    const start = new Uint32Array(size + 1);
    for (let position = 0; position < size; position++) start[position + 1] = start[position]! + count[position]!;
    const reports = new Uint32Array(start[size]!);
    const fill = start.slice(0, size);
    for (let position = 0; position < size; position++) {
      const manager = managerOf[position]!;
      if (manager >= 0) reports[fill[manager]!++] = position;
    }
    return (this.tree = { start, reports });
  }

  /** Direct reports of a user, in list order (their domain records). */
  reportsOf(id: string): User[] {
    return this.reportRowsOf(id).map((row) => this.table.recordAt(row));
  }

  /** Ids of a user's direct reports, in list order. */
  reportIdsOf(id: string): string[] {
    return this.reportRowsOf(id).map((row) => this.table.ids[row]!);
  }

  private reportRowsOf(id: string): number[] {
    const position = this.positionOf(id);
    if (position === undefined) return [];
    const { start, reports } = this.reportTree();
    const rows: number[] = [];
    for (let i = start[position]!; i < start[position + 1]!; i++) rows.push(this.order[reports[i]!]!);
    return rows;
  }

  hasReports(position: number): boolean {
    const { start } = this.reportTree();
    return start[position + 1]! > start[position]!;
  }

  /** A flag per position for every user below `managerId`, at any depth (not the manager themself). */
  subtreeMask(managerId: string): { mask: Uint8Array; size: number } {
    const mask = new Uint8Array(this.order.length);
    const root = this.positionOf(managerId);
    if (root === undefined) return { mask, size: 0 };
    const { start, reports } = this.reportTree();
    const stack = [root];
    let size = 0;
    while (stack.length > 0) {
      const at = stack.pop()!;
      for (let i = start[at]!; i < start[at + 1]!; i++) {
        const report = reports[i]!;
        // Bad data may hold a cycle: a position is visited once, and the root is never its own report.
        if (mask[report] === 1 || report === root) continue;
        mask[report] = 1;
        size++;
        stack.push(report);
      }
    }
    return { mask, size };
  }

  /** Every user below `managerId`, at any depth (not the manager themself). */
  subtreeOf(managerId: string): Set<string> {
    const { mask } = this.subtreeMask(managerId);
    const ids = new Set<string>();
    for (let position = 0; position < mask.length; position++) if (mask[position] === 1) ids.add(this.idAt(position));
    return ids;
  }

  /** A flag per position for the members of a community (all zero for an unknown one). */
  membersMask(communityId: string): Uint8Array {
    let mask = this.masks.get(communityId);
    if (mask) return mask;
    const { table, order, positions } = this;
    mask = new Uint8Array(order.length);
    const community = table.communityIds.find(communityId);
    if (community >= 0) {
      table.communities.forEachRowHolding(community, Math.min(table.rows, positions.length), (row) => {
        const position = positions[row]!;
        if (position >= 0) mask![position] = 1;
      });
    }
    this.masks.set(communityId, mask);
    return mask;
  }

  /** Members per community id among the positions flagged in `included`. */
  countMembers(included: Uint8Array): Map<string, number> {
    const { table } = this;
    const counts = new Map<string, number>();
    for (let position = 0; position < this.order.length; position++) {
      if (included[position] !== 1) continue;
      const row = this.order[position]!;
      for (let i = 0; i < table.communities.lengthOf(row); i++) {
        const id = table.communityIds.values[table.communities.at(row, i)]!;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The chain of managers above a user, nearest first; stops on a cycle rather than looping. */
  managerChainOf(id: string): User[] {
    const chain: User[] = [];
    const seen = new Set([id]);
    for (let at = this.managerIdOf(id); at && !seen.has(at); at = this.managerIdOf(at)) {
      seen.add(at);
      const manager = this.userById(at);
      if (!manager) break;
      chain.push(manager);
    }
    return chain;
  }

  /** Values in use for a custom field, sorted, for the filter's choices. */
  valuesOfField(name: string): string[] {
    const definition = this.customFields.find((f) => f.name === name);
    const values = new Set(definition?.allowedValues ?? []);
    const { table } = this;
    const field = table.fieldNumberOf(name);
    if (field >= 0) {
      const column = table.fieldColumns[field]!;
      const seen = new Uint8Array(table.fieldValues.size);
      for (const row of this.order) {
        const value = column[row]!;
        if (value >= 0) seen[value] = 1;
      }
      for (let value = 0; value < seen.length; value++) if (seen[value] === 1 && table.fieldValues.values[value]) values.add(table.fieldValues.values[value]!);
    }
    return [...values].sort((a, b) => a.localeCompare(b));
  }

  /** Custom field names any user of this view holds a value of (an empty one included), in the order first seen. */
  customFieldNamesInUse(): string[] {
    const { table } = this;
    return table.fieldNames.filter((_name, field) => {
      const column = table.fieldColumns[field]!;
      for (const row of this.order) if (column[row]! >= 0) return true;
      return false;
    });
  }

  /** Folded "first last email" of the user at `position`: what the search box and typed entries match. */
  searchTextAt(position: number): string {
    const { table } = this;
    const row = this.order[position]!;
    return `${table.foldedNames[table.firstName[row]!]} ${table.foldedNames[table.lastName[row]!]} ${table.foldedEmails[row]}`;
  }

  /**
   * Whether the user at a position has every one of `words` (folded, no spaces) in their folded
   * "first last email". A word without spaces lies within one of the three, so each name is tested once
   * per distinct name, not once per user.
   */
  textMatcher(words: readonly string[]): (position: number) => boolean {
    if (words.length === 0) return () => true;
    const { table, order } = this;
    const { foldedNames, firstName, lastName, foldedEmails } = table;
    const nameHas = words.map((word) => {
      const flags = new Uint8Array(foldedNames.length);
      for (let name = 0; name < foldedNames.length; name++) if (foldedNames[name]!.includes(word)) flags[name] = 1;
      return flags;
    });
    return (position) => {
      const row = order[position]!;
      const first = firstName[row]!;
      const last = lastName[row]!;
      for (let w = 0; w < words.length; w++) {
        const flags = nameHas[w]!;
        if (flags[first] === 1 || flags[last] === 1) continue;
        if (!foldedEmails[row]!.includes(words[w]!)) return false;
      }
      return true;
    };
  }

}
