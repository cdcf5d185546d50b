/**
 * The detail behind a plan's counts: per user, which communities, requests, certificates and
 * assignments it removes. The plan crosses to the page with counts only; this reads the records of one
 * page of its users when the admin expands the detail, so a plan of 100,000 users costs 25 users' reads
 * per page, never a list of every record of every user.
 */
import type { LifecyclePlan } from '../src/core/build-lifecycle-plan.ts';
import { describeUserRemovals, type UserRemovals } from '../src/core/describe-user-removals.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import { recordsOfUsers } from '../src/db/records-of-users.ts';

/** Users per page of the detail. */
export const PLAN_REMOVALS_PAGE = 25;
const MOST_PER_PAGE = 200;

export interface PlanRemovalsPage {
  /** The plan's eligible users from `start`, in batch order. */
  users: UserRemovals[];
  start: number;
  /** Eligible users in all. */
  total: number;
}

export async function readPlanRemovals(db: OffboardDatabase, index: RosterIndex, plan: LifecyclePlan, start: number, limit: number): Promise<PlanRemovalsPage> {
  const from = Math.max(0, Math.floor(start));
  const ids = plan.eligibleIds.slice(from, from + Math.max(1, Math.min(limit, MOST_PER_PAGE)));
  const users = ids.map((id) => index.userById(id)).filter((u) => u !== undefined);
  // Each user's summary says which tables hold anything of theirs: only those are read.
  const holding = (has: (counts: (typeof users)[number]['counts']) => boolean): string[] => users.filter((u) => has(u.counts)).map((u) => u.id);
  const isLeaving = plan.action !== 'reactivate';
  const [requests, certificates, assignments, completions] = isLeaving
    ? await db.transaction('r', [db.membershipRequests, db.certificates, db.assignments, db.completions], () =>
        Promise.all([
          recordsOfUsers(db.membershipRequests, holding((c) => c.requests > 0)),
          recordsOfUsers(db.certificates, holding((c) => c.certificates > 0)),
          recordsOfUsers(db.assignments, holding((c) => c.assignments > 0)),
          plan.action === 'delete' ? recordsOfUsers(db.completions, holding((c) => c.completions > 0)) : [],
        ]),
      )
    : [[], [], [], []];
  const ofUser = <T extends { userId: string }>(records: readonly T[]): Map<string, T[]> => {
    const byUser = new Map<string, T[]>();
    for (const record of records) byUser.set(record.userId, [...(byUser.get(record.userId) ?? []), record]);
    return byUser;
  };
  const [requestsOf, certificatesOf, assignmentsOf, completionsOf] = [ofUser(requests), ofUser(certificates), ofUser(assignments), ofUser(completions)];
  const communityName = (id: string): string | undefined => index.communityById.get(id)?.name;
  return {
    users: users.map((user) =>
      describeUserRemovals(
        plan.action,
        plan.policy,
        user,
        {
          communityIds: user.communityIds,
          membershipRequests: requestsOf.get(user.id) ?? [],
          certificates: certificatesOf.get(user.id) ?? [],
          assignments: assignmentsOf.get(user.id) ?? [],
          completions: completionsOf.get(user.id) ?? [],
          tokenCount: Object.values(user.counts.tokens).reduce((a, b) => a + b, 0),
        },
        communityName,
      ),
    ),
    start: from,
    total: plan.eligibleIds.length,
  };
}
