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

function sortKey(user: IndexedUser): string {
  return `${foldText(user.lastName)}\u0000${foldText(user.firstName)}\u0000${user.id}`;
}

export class RosterIndex {
  /** Users sorted by last name, first name, id: the list's order. */
  readonly users: IndexedUser[];
  readonly positionOf = new Map<string, number>();
  /** Folded "first last email", by position. */
  readonly searchText: string[];
  /** Position of each user's manager, or -1: the manager tree as numbers, so a team of 1,000,000 is cheap. */
  readonly managerPositionOf: Int32Array;
  /** Direct reports of the user at position p are `reportPositions[reportStart[p] .. reportStart[p + 1])`. */
  private readonly reportStart: Uint32Array;
  private readonly reportPositions: Uint32Array;
  /** Per community, a flag per position: membership tests without string lookups. */
  private readonly membersOf = new Map<string, Uint8Array>();
  readonly methodologies: Methodology[];
  readonly communities: Community[];
  readonly customFields: CustomFieldDefinition[];
  readonly methodologyById: Map<string, Methodology>;
  readonly communityById: Map<string, Community>;

  /** `users` must already be in list order. */
  private constructor(users: IndexedUser[], source: Omit<RosterIndexSource, 'users'>) {
    this.users = users;
    this.searchText = new Array<string>(this.users.length);
    const size = this.users.length;
    this.users.forEach((user, position) => {
      this.positionOf.set(user.id, position);
      this.searchText[position] = foldText(`${user.firstName} ${user.lastName} ${user.email}`);
    });

    this.managerPositionOf = new Int32Array(size).fill(-1);
    const reportCount = new Uint32Array(size + 1);
    this.users.forEach((user, position) => {
      const manager = user.managerId === null ? undefined : this.positionOf.get(user.managerId);
      if (manager === undefined) return;
      this.managerPositionOf[position] = manager;
      reportCount[manager]!++;
    });
    this.reportStart = new Uint32Array(size + 1);
    for (let p = 0; p < size; p++) this.reportStart[p + 1] = this.reportStart[p]! + reportCount[p]!;
    this.reportPositions = new Uint32Array(this.reportStart[size]!);
    const fill = this.reportStart.slice(0, size);
    for (let p = 0; p < size; p++) {
      const manager = this.managerPositionOf[p]!;
      if (manager >= 0) this.reportPositions[fill[manager]!++] = p;
    }

    this.users.forEach((user, position) => {
      for (const communityId of user.communityIds) {
        let flags = this.membersOf.get(communityId);
        if (!flags) this.membersOf.set(communityId, (flags = new Uint8Array(size)));
        flags[position] = 1;
      }
    });
    this.methodologies = source.methodologies;
    this.communities = source.communities;
    this.customFields = source.customFields;
    this.methodologyById = new Map(source.methodologies.map((m) => [m.id, m]));
    this.communityById = new Map(source.communities.map((c) => [c.id, c]));
  }

  static build(source: RosterIndexSource): RosterIndex {
    const keyed = Array.from(source.users, (user) => ({ user, key: sortKey(user) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return new RosterIndex(
      keyed.map((entry) => entry.user),
      source,
    );
  }

  /**
   * A new index with `changed` users replaced and `deletedIds` gone. Lifecycle changes never touch
   * names, so the list order stands and nothing is sorted again.
   */
  withChanges(changed: readonly IndexedUser[], deletedIds: readonly string[], communities: Community[] = this.communities): RosterIndex {
    const users = this.users.slice();
    for (const user of changed) {
      const position = this.positionOf.get(user.id);
      if (position !== undefined) users[position] = user;
    }
    const deleted = new Set(deletedIds);
    return new RosterIndex(deleted.size === 0 ? users : users.filter((u) => !deleted.has(u.id)), {
      methodologies: this.methodologies,
      communities,
      customFields: this.customFields,
    });
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
