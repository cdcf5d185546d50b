/**
 * What the plan builder needs to know about the roster, as lookups by user. The worker answers them from
 * its in-memory copy; `createPlanningRoster` builds one from plain records (tests, the sync server).
 */
import type {
  Admin,
  Assignment,
  Certificate,
  Community,
  CompletionRecord,
  LicenseGrant,
  Membership,
  Methodology,
  Organization,
  ReportSnapshot,
  RetainedHistory,
  Token,
  User,
  UserStatus,
} from './roster-types.ts';
import { fullName } from './user-views.ts';
import { addUserRecordCounts, emptyUserRecordCounts, type UserRecordCounts } from './user-record-counts.ts';
import type { RosterIndex } from './roster-index.ts';
import { reportCoverageOf, type ReportCoverage } from './report-coverage.ts';

export interface PlanningRoster {
  organization: Organization;
  admins: readonly Admin[];
  communities: readonly Community[];
  methodologies: readonly Methodology[];
  /** A5: when the newest report snapshot covering the user was taken, or null. */
  reportCoveredAt(userId: string): string | null;
  userById(id: string): User | undefined;
  /**
   * A user's status, name ("First Last"), manager id (null: none) and direct reports (whatever their
   * status), without reading the whole user; undefined (an empty list) for no such user.
   */
  statusOf(id: string): UserStatus | undefined;
  nameOf(id: string): string | undefined;
  managerIdOf(id: string): string | null | undefined;
  reportIdsOf(id: string): readonly string[];
  activeUserCount(): number;
  licensesOf(userId: string): readonly LicenseGrant[];
  /** A10–A12: licenses of a methodology held by anyone, reserved or consumed (not ELA-released ones). */
  licensesInUse(methodologyId: string): number;
  /** Community ids. */
  membershipsOf(userId: string): readonly string[];
  /** How many records of each other kind the user holds. */
  countsOf(userId: string): UserRecordCounts;
  /** A5: when the user's data last changed (see `lastChangeOfUser`); undefined for no such user. */
  lastChangeOf(userId: string): string | undefined;
}

/**
 * A5: when a user's data last changed, for a report snapshot must be newer to cover them: the latest of
 * their creation, last sign-in, deactivation and latest activity on record. ISO 8601 times in UTC
 * compare as strings.
 */
export function lastChangeOfUser(user: User, counts: UserRecordCounts): string {
  let latest = user.createdAt;
  for (const at of [user.lastLoginAt, user.deactivatedAt, counts.lastActivityAt]) if (at && at > latest) latest = at;
  return latest;
}

export interface PlanningRecords {
  organization: Organization;
  admins: Admin[];
  communities: Community[];
  methodologies: Methodology[];
  reportSnapshots?: ReportSnapshot[];
  users: User[];
  licenses?: LicenseGrant[];
  memberships?: { userId: string; communityId: string }[];
  membershipRequests?: { userId: string; communityId: string }[];
  assignments?: Assignment[];
  removedAssignments?: Assignment[];
  completions?: CompletionRecord[];
  certificates?: Certificate[];
  removedCertificates?: Certificate[];
  removedMemberships?: Membership[];
  tokens?: Token[];
  retainedHistory?: RetainedHistory[];
}

function groupBy<T, V>(items: readonly T[] | undefined, keyOf: (item: T) => string, valueOf: (item: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items ?? []) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(valueOf(item));
    else groups.set(key, [valueOf(item)]);
  }
  return groups;
}

const NONE: readonly never[] = Object.freeze([]);

export function createPlanningRoster(records: PlanningRecords): PlanningRoster {
  const users = new Map(records.users.map((u) => [u.id, u]));
  const reports = groupBy(records.users.filter((u) => u.managerId !== null), (u) => u.managerId!, (u) => u.id);
  const licenses = groupBy(records.licenses, (l) => l.userId, (l) => l);
  const memberships = groupBy(records.memberships, (m) => m.userId, (m) => m.communityId);
  const counts = new Map<string, UserRecordCounts>();
  addUserRecordCounts(counts, records, records.communities.find((c) => c.global)?.id ?? null);
  const activeCount = records.users.filter((u) => u.status === 'active').length;
  const inUse = new Map<string, number>();
  for (const l of records.licenses ?? []) if (!l.releasedFromElaAt) inUse.set(l.methodologyId, (inUse.get(l.methodologyId) ?? 0) + 1);
  const none = emptyUserRecordCounts();
  const coverage = reportCoverageOf(records.reportSnapshots ?? []);
  return {
    organization: records.organization,
    admins: records.admins,
    communities: records.communities,
    methodologies: records.methodologies,
    reportCoveredAt: (id) => coverage.get(id) ?? null,
    userById: (id) => users.get(id),
    statusOf: (id) => users.get(id)?.status,
    nameOf: (id) => {
      const user = users.get(id);
      return user ? fullName(user) : undefined;
    },
    managerIdOf: (id) => users.get(id)?.managerId,
    reportIdsOf: (id) => reports.get(id) ?? NONE,
    activeUserCount: () => activeCount,
    licensesOf: (id) => licenses.get(id) ?? NONE,
    licensesInUse: (methodologyId) => inUse.get(methodologyId) ?? 0,
    membershipsOf: (id) => memberships.get(id) ?? NONE,
    countsOf: (id) => counts.get(id) ?? none,
    lastChangeOf: (id) => {
      const user = users.get(id);
      return user ? lastChangeOfUser(user, counts.get(id) ?? none) : undefined;
    },
  };
}

/** The worker's view: its in-memory roster, plus the organization-wide records it keeps beside it. */
export function planningRosterFromIndex(
  index: RosterIndex,
  context: { organization: Organization; admins: readonly Admin[]; reportCoverage: ReportCoverage },
): PlanningRoster {
  return {
    organization: context.organization,
    admins: context.admins,
    reportCoveredAt: (id) => context.reportCoverage.get(id) ?? null,
    communities: index.communities,
    methodologies: index.methodologies,
    userById: (id) => index.recordById(id),
    statusOf: (id) => index.statusOf(id),
    nameOf: (id) => index.nameOf(id),
    managerIdOf: (id) => index.managerIdOf(id),
    reportIdsOf: (id) => index.reportIdsOf(id),
    // Kept by the index as it changes: a plan never scans the whole roster to count seats.
    activeUserCount: () => index.activeCount,
    licensesOf: (id) => index.licensesOf(id),
    licensesInUse: (methodologyId) => index.licensesInUse(methodologyId),
    membershipsOf: (id) => index.communityIdsOf(id),
    countsOf: (id) => index.countsOf(id),
    lastChangeOf: (id) => index.lastChangeOf(id),
  };
}
