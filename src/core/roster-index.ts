/**
 * The roster held in memory by the worker: users in display order plus the lookups the list, the
 * filters and the detail panel need. Built once from the database (or straight from a load), then kept
 * current, so no screen re-reads the whole users table.
 */
import { foldText } from './fold-text.ts';
import type { Community, CustomFieldDefinition, LicenseGrant, Methodology, User } from './roster-types.ts';

export interface RosterIndexSource {
  users: Iterable<User>;
  memberships: Iterable<{ userId: string; communityId: string }>;
  licenses: Iterable<LicenseGrant>;
  methodologies: Methodology[];
  communities: Community[];
  customFields: CustomFieldDefinition[];
}

function sortKey(user: User): string {
  return `${foldText(user.lastName)}\u0000${foldText(user.firstName)}\u0000${user.id}`;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class RosterIndex {
  /** Users sorted by last name, first name, id: the list's order. */
  readonly users: User[];
  readonly positionOf = new Map<string, number>();
  /** Folded "first last email", by position. */
  readonly searchText: string[];
  readonly reportIdsOf = new Map<string, string[]>();
  readonly communityIdsOf = new Map<string, string[]>();
  readonly licensesOf = new Map<string, LicenseGrant[]>();
  readonly methodologies: Methodology[];
  readonly communities: Community[];
  readonly customFields: CustomFieldDefinition[];
  readonly methodologyById: Map<string, Methodology>;
  readonly communityById: Map<string, Community>;

  private constructor(source: RosterIndexSource) {
    const keyed = Array.from(source.users, (user) => ({ user, key: sortKey(user) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.users = keyed.map((entry) => entry.user);
    this.searchText = new Array<string>(this.users.length);
    this.users.forEach((user, position) => {
      this.positionOf.set(user.id, position);
      this.searchText[position] = foldText(`${user.firstName} ${user.lastName} ${user.email}`);
      if (user.managerId) pushTo(this.reportIdsOf, user.managerId, user.id);
    });
    for (const m of source.memberships) pushTo(this.communityIdsOf, m.userId, m.communityId);
    for (const l of source.licenses) pushTo(this.licensesOf, l.userId, l);
    this.methodologies = source.methodologies;
    this.communities = source.communities;
    this.customFields = source.customFields;
    this.methodologyById = new Map(source.methodologies.map((m) => [m.id, m]));
    this.communityById = new Map(source.communities.map((c) => [c.id, c]));
  }

  static build(source: RosterIndexSource): RosterIndex {
    return new RosterIndex(source);
  }

  get size(): number {
    return this.users.length;
  }

  userById(id: string): User | undefined {
    const position = this.positionOf.get(id);
    return position === undefined ? undefined : this.users[position];
  }

  /** Every user below `managerId`, at any depth (not the manager themself). */
  subtreeOf(managerId: string): Set<string> {
    const found = new Set<string>();
    const stack = [...(this.reportIdsOf.get(managerId) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (found.has(id) || id === managerId) continue;
      found.add(id);
      const reports = this.reportIdsOf.get(id);
      if (reports) for (const r of reports) stack.push(r);
    }
    return found;
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
