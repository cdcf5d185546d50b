/**
 * The roster held in memory by the worker: users in display order plus the lookups the list, the
 * filters and the detail panel need. Built once from the database (or straight from a load), then kept
 * current, so no screen re-reads the whole users table.
 */
import { foldText } from './fold-text.ts';
import type { Community, CustomFieldDefinition, LicenseGrant, Methodology, User } from './roster-types.ts';
import { emptyUserRecordSummary, type UserRecordSummary } from './summarize-user-records.ts';
import type { UserRecordCounts } from './user-record-counts.ts';

/** A user with the summary of their records (communities, licenses, counts), as stored. */
export type IndexedUser = User & UserRecordSummary;

export interface RosterIndexSource {
  users: Iterable<IndexedUser>;
  methodologies: Methodology[];
  communities: Community[];
  customFields: CustomFieldDefinition[];
}

const NO_SUMMARY = emptyUserRecordSummary();

/** A user with what sorting and searching need, worked out as the user is read (see `keyUser`). */
export interface KeyedUser {
  user: IndexedUser;
  /** Folded "last first id": the list's order. */
  key: string;
  /** Folded "first last email": what the search box matches. */
  search: string;
}

/** Folds a user's names once; a reader calls it page by page while the next page is still being read. */
export function keyUser(user: IndexedUser): KeyedUser {
  const first = foldText(user.firstName);
  const last = foldText(user.lastName);
  return { user, key: `${last}\u0000${first}\u0000${user.id}`, search: `${first} ${last} ${foldText(user.email)}` };
}

/** What an index derives from its users, one pass over them; `withChanges` patches it rather than redo it. */
interface DerivedData {
  positionOf: Map<string, number>;
  searchText: string[];
  managerPositionOf: Int32Array;
  membersOf: Map<string, Uint8Array>;
  activeCount: number;
  /** A10–A12: licenses held per methodology, reserved or consumed (not ELA-released ones). */
  licensesInUse: Map<string, number>;
}

function addLicenses(inUse: Map<string, number>, user: IndexedUser, sign: 1 | -1): void {
  for (const l of user.licenses) if (!l.releasedFromElaAt) inUse.set(l.methodologyId, (inUse.get(l.methodologyId) ?? 0) + sign);
}

function deriveAll(users: readonly IndexedUser[], folded?: string[]): DerivedData {
  const size = users.length;
  const positionOf = new Map<string, number>();
  const searchText = folded ?? new Array<string>(size);
  const membersOf = new Map<string, Uint8Array>();
  const licensesInUse = new Map<string, number>();
  let activeCount = 0;
  // One pass: at 1,000,000 users each visit of a user object is a cache miss, so everything is read at once.
  for (let position = 0; position < size; position++) {
    const user = users[position]!;
    positionOf.set(user.id, position);
    if (!folded) searchText[position] = foldText(`${user.firstName} ${user.lastName} ${user.email}`);
    if (user.status === 'active') activeCount++;
    addLicenses(licensesInUse, user, 1);
    for (const communityId of user.communityIds) {
      let flags = membersOf.get(communityId);
      if (!flags) membersOf.set(communityId, (flags = new Uint8Array(size)));
      flags[position] = 1;
    }
  }
  const managerPositionOf = new Int32Array(size).fill(-1);
  for (let position = 0; position < size; position++) {
    const managerId = users[position]!.managerId;
    const manager = managerId === null ? undefined : positionOf.get(managerId);
    if (manager !== undefined) managerPositionOf[position] = manager;
  }
  return { positionOf, searchText, managerPositionOf, membersOf, activeCount, licensesInUse };
}

/**
 * The derived data of `previous` with the users at `changedPositions` replaced (same positions, same
 * names and emails: lifecycle changes touch neither). Costs in proportion to the change, not the roster.
 */
function patchDerived(previous: DerivedData, before: readonly IndexedUser[], after: readonly IndexedUser[], changedPositions: readonly number[]): DerivedData {
  const size = after.length;
  const managerPositionOf = previous.managerPositionOf.slice();
  const membersOf = new Map<string, Uint8Array>();
  const licensesInUse = new Map(previous.licensesInUse);
  let activeCount = previous.activeCount;
  const touched = new Set<string>();
  for (const position of changedPositions) {
    for (const id of before[position]!.communityIds) touched.add(id);
    for (const id of after[position]!.communityIds) touched.add(id);
  }
  for (const [communityId, flags] of previous.membersOf) membersOf.set(communityId, touched.has(communityId) ? flags.slice() : flags);
  for (const position of changedPositions) {
    const old = before[position]!;
    const now = after[position]!;
    activeCount += Number(now.status === 'active') - Number(old.status === 'active');
    addLicenses(licensesInUse, old, -1);
    addLicenses(licensesInUse, now, 1);
    for (const id of old.communityIds) membersOf.get(id)![position] = 0;
    for (const id of now.communityIds) {
      let flags = membersOf.get(id);
      if (!flags) membersOf.set(id, (flags = new Uint8Array(size)));
      flags[position] = 1;
    }
    const manager = now.managerId === null ? undefined : previous.positionOf.get(now.managerId);
    managerPositionOf[position] = manager ?? -1;
  }
  return { positionOf: previous.positionOf, searchText: previous.searchText, managerPositionOf, membersOf, activeCount, licensesInUse };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class RosterIndex {
  /** Users sorted by last name, first name, id: the list's order. */
  readonly users: IndexedUser[];
  readonly positionOf: Map<string, number>;
  /** Folded "first last email", by position. */
  readonly searchText: string[];
  /** Position of each user's manager, or -1: the manager tree as numbers, so a team of 1,000,000 is cheap. */
  readonly managerPositionOf: Int32Array;
  /** Direct reports of the user at position p are `reportPositions[reportStart[p] .. reportStart[p + 1])`. */
  private readonly reportStart: Uint32Array;
  private readonly reportPositions: Uint32Array;
  /** Per community, a flag per position: membership tests without string lookups. */
  private readonly membersOf: Map<string, Uint8Array>;
  /** Users who count toward the seat limit (A12). */
  readonly activeCount: number;
  private readonly inUse: Map<string, number>;
  private readonly derived: DerivedData;
  readonly methodologies: Methodology[];
  readonly communities: Community[];
  readonly customFields: CustomFieldDefinition[];
  readonly methodologyById: Map<string, Methodology>;
  readonly communityById: Map<string, Community>;

  /** `users` must already be in list order. */
  private constructor(users: IndexedUser[], source: Omit<RosterIndexSource, 'users'>, derived: DerivedData = deriveAll(users)) {
    this.users = users;
    this.derived = derived;
    ({ positionOf: this.positionOf, searchText: this.searchText, managerPositionOf: this.managerPositionOf, membersOf: this.membersOf } = derived);
    this.activeCount = derived.activeCount;
    this.inUse = derived.licensesInUse;

    // The manager tree as compressed rows: typed arrays only, so it is rebuilt in milliseconds.
    const size = users.length;
    const reportCount = new Uint32Array(size + 1);
    for (let p = 0; p < size; p++) {
      const manager = this.managerPositionOf[p]!;
      if (manager >= 0) reportCount[manager]!++;
    }
    this.reportStart = new Uint32Array(size + 1);
    for (let p = 0; p < size; p++) this.reportStart[p + 1] = this.reportStart[p]! + reportCount[p]!;
    this.reportPositions = new Uint32Array(this.reportStart[size]!);
    const fill = this.reportStart.slice(0, size);
    for (let p = 0; p < size; p++) {
      const manager = this.managerPositionOf[p]!;
      if (manager >= 0) this.reportPositions[fill[manager]!++] = p;
    }

    // One order whatever order they were loaded or stored in (IndexedDB returns them by key, "C-10"
    // before "C-2"): what lists them (a plan's reasons, the filters) reads the same after a reload.
    this.methodologies = [...source.methodologies].sort((a, b) => a.name.localeCompare(b.name) || compareIds(a.id, b.id));
    this.communities = [...source.communities].sort((a, b) => Number(b.global) - Number(a.global) || a.name.localeCompare(b.name) || compareIds(a.id, b.id));
    this.customFields = [...source.customFields].sort((a, b) => a.label.localeCompare(b.label) || compareIds(a.name, b.name));
    this.methodologyById = new Map(source.methodologies.map((m) => [m.id, m]));
    this.communityById = new Map(source.communities.map((c) => [c.id, c]));
  }

  static build(source: RosterIndexSource): RosterIndex {
    return RosterIndex.fromKeyed(Array.from(source.users, keyUser), source);
  }

  /** From users already keyed (`keyUser`), in any order. */
  static fromKeyed(keyed: KeyedUser[], source: Omit<RosterIndexSource, 'users'>): RosterIndex {
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const users = keyed.map((entry) => entry.user);
    return new RosterIndex(users, source, deriveAll(users, keyed.map((entry) => entry.search)));
  }

  /**
   * A new index with `changed` users replaced and `deletedIds` gone. Lifecycle changes never touch
   * names, so the list order stands and nothing is sorted again; without deletions the derived data is
   * patched where the change is, not rebuilt.
   */
  withChanges(changed: readonly IndexedUser[], deletedIds: readonly string[], communities: Community[] = this.communities): RosterIndex {
    const users = this.users.slice();
    const changedPositions: number[] = [];
    for (const user of changed) {
      const position = this.positionOf.get(user.id);
      if (position === undefined) continue;
      users[position] = user;
      changedPositions.push(position);
    }
    const source = { methodologies: this.methodologies, communities, customFields: this.customFields };
    const deleted = new Set(deletedIds);
    if (deleted.size > 0) return new RosterIndex(users.filter((u) => !deleted.has(u.id)), source);
    return new RosterIndex(users, source, patchDerived(this.derived, this.users, users, changedPositions));
  }

  /** A10–A12: licenses of a methodology held by anyone, reserved or consumed (not ELA-released ones). */
  /**
   * The index after any change: users whose names and emails stay patched in place (the common case:
   * lifecycle changes touch neither), the list sorted again around users who are new or renamed, and
   * the organization lists replaced where the change replaced them.
   */
  withChange(change: { changed: readonly IndexedUser[]; deletedIds: readonly string[]; lists?: Partial<Omit<RosterIndexSource, 'users'>> }): RosterIndex {
    const lists = { methodologies: this.methodologies, communities: this.communities, customFields: this.customFields, ...change.lists };
    const reordered = change.changed.some((user) => {
      const position = this.positionOf.get(user.id);
      if (position === undefined) return true;
      const was = this.users[position]!;
      return was.firstName !== user.firstName || was.lastName !== user.lastName || was.email !== user.email;
    });
    if (!reordered) {
      const patched = this.withChanges(change.changed, change.deletedIds, lists.communities);
      return lists.methodologies === this.methodologies && lists.customFields === this.customFields ? patched : new RosterIndex(patched.users, lists, patched.derived);
    }
    const latest = new Map(change.changed.map((u) => [u.id, u]));
    const deleted = new Set(change.deletedIds);
    const keyed: KeyedUser[] = [];
    for (const user of this.users) {
      if (deleted.has(user.id)) continue;
      const now = latest.get(user.id);
      latest.delete(user.id);
      keyed.push(keyUser(now ?? user));
    }
    for (const user of latest.values()) if (!deleted.has(user.id)) keyed.push(keyUser(user));
    return RosterIndex.fromKeyed(keyed, lists);
  }

  licensesInUse(methodologyId: string): number {
    return this.inUse.get(methodologyId) ?? 0;
  }

  get size(): number {
    return this.users.length;
  }

  userById(id: string): IndexedUser | undefined {
    const position = this.positionOf.get(id);
    return position === undefined ? undefined : this.users[position];
  }

  communityIdsOf(id: string): readonly string[] {
    return (this.userById(id) ?? NO_SUMMARY).communityIds;
  }

  licensesOf(id: string): readonly LicenseGrant[] {
    return (this.userById(id) ?? NO_SUMMARY).licenses;
  }

  countsOf(id: string): UserRecordCounts {
    return (this.userById(id) ?? NO_SUMMARY).counts;
  }

  /** Direct reports of a user, in list order. */
  reportsOf(id: string): IndexedUser[] {
    const position = this.positionOf.get(id);
    if (position === undefined) return [];
    const reports: IndexedUser[] = [];
    for (let i = this.reportStart[position]!; i < this.reportStart[position + 1]!; i++) reports.push(this.users[this.reportPositions[i]!]!);
    return reports;
  }

  hasReports(position: number): boolean {
    return this.reportStart[position + 1]! > this.reportStart[position]!;
  }

  /** A flag per position for every user below `managerId`, at any depth (not the manager themself). */
  subtreeMask(managerId: string): { mask: Uint8Array; size: number } {
    const mask = new Uint8Array(this.users.length);
    const root = this.positionOf.get(managerId);
    if (root === undefined) return { mask, size: 0 };
    const stack = [root];
    let size = 0;
    while (stack.length > 0) {
      const at = stack.pop()!;
      for (let i = this.reportStart[at]!; i < this.reportStart[at + 1]!; i++) {
        const report = this.reportPositions[i]!;
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
    for (let p = 0; p < mask.length; p++) if (mask[p] === 1) ids.add(this.users[p]!.id);
    return ids;
  }

  /** A flag per position for the members of a community (all zero for an unknown one). */
  membersMask(communityId: string): Uint8Array {
    return this.membersOf.get(communityId) ?? new Uint8Array(this.users.length);
  }

  /** The chain of managers above a user, nearest first; stops on a cycle rather than looping. */
  managerChainOf(id: string): User[] {
    const chain: User[] = [];
    const seen = new Set([id]);
    for (let at = this.userById(id)?.managerId; at && !seen.has(at); at = this.userById(at)?.managerId) {
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
    for (const user of this.users) {
      const value = user.customFields[name];
      if (value) values.add(value);
    }
    return [...values].sort((a, b) => a.localeCompare(b));
  }
}
