/**
 * The detail behind a plan's counts: per user, which communities, requests, certificates and
 * assignments it removes. The plan crosses to the page with counts only; this reads the records of one
 * page of its users when the admin expands the detail, so a plan of 100,000 users costs 25 users' reads
 * per page, never a list of every record of every user.
 */
import type { LifecyclePlan } from '../src/core/build-lifecycle-plan.ts';
import { describeUserRemovals, type UserRemovals } from '../src/core/describe-user-removals.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import type { UserBundle } from '../src/core/sync/user-bundle.ts';

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

export async function readPlanRemovals(store: RosterStore, index: RosterIndex, plan: LifecyclePlan, start: number, limit: number): Promise<PlanRemovalsPage> {
  const from = Math.max(0, Math.floor(start));
  const ids = plan.eligibleIds.slice(from, from + Math.max(1, Math.min(limit, MOST_PER_PAGE)));
  const users = ids.map((id) => index.userById(id)).filter((u) => u !== undefined);
  const bundles = plan.action !== 'reactivate' ? await store.readBundles(users.map((u) => u.id)) : new Map<string, UserBundle>();
  const communityName = (id: string): string | undefined => index.communityById.get(id)?.name;
  return {
    users: users.map((user) =>
      describeUserRemovals(
        plan.action,
        plan.policy,
        user,
        {
          communityIds: user.communityIds,
          membershipRequests: bundles.get(user.id)?.membershipRequests ?? [],
          certificates: bundles.get(user.id)?.certificates ?? [],
          assignments: bundles.get(user.id)?.assignments ?? [],
          // Only deletion removes completions (F2).
          completions: plan.action === 'delete' ? (bundles.get(user.id)?.completions ?? []) : [],
          tokenCount: Object.values(user.counts.tokens).reduce((a, b) => a + b, 0),
        },
        communityName,
      ),
    ),
    start: from,
    total: plan.eligibleIds.length,
  };
}
