/**
 * What a deactivation or deletion takes from one user, record by record, named the way an admin
 * recognises them: communities by name and id, certificates and completions by course and community,
 * assignments by content and due date. The plan counts these for every user (F9, A3, A7, F2); this is
 * the detail behind those counts, worked out for the few users an admin looks at, never for the whole plan.
 * Courses and content items have no names in this roster, so their ids stand for them.
 */
import type { LifecycleAction } from './build-lifecycle-plan.ts';
import { formatDate } from './format-date.ts';
import type { EffectivePolicy } from './lifecycle-policy.ts';
import type { Assignment, Certificate, CompletionRecord, MembershipRequest, User } from './roster-types.ts';
import { fullName } from './user-views.ts';

export interface UserRemovals {
  userId: string;
  name: string;
  email: string;
  /** F9: community memberships removed ("Sales (C-4)"). */
  communities: string[];
  /** F9: membership requests removed. */
  requests: string[];
  /** F9: SCORM certificates removed ("CRS-3 in Sales (C-4)"). */
  certificates: string[];
  /** A3 (policy `remove`) or F2: assignments removed ("CNT-14, due 13 Nov 2026"). */
  assignments: string[];
  /** A3 (policy `retain`): assignments the user keeps. */
  assignmentsKept: number;
  /** F2: completion records a deletion removes (a deactivation keeps them, F9). */
  completions: string[];
  /** A7/F7: sign-in tokens destroyed. */
  tokens: number;
}

/** One user's records that a plan may remove; memberships come as the community ids the user's summary holds. */
export interface UserRemovalRecords {
  communityIds: readonly string[];
  membershipRequests: readonly Pick<MembershipRequest, 'communityId'>[];
  certificates: readonly Pick<Certificate, 'courseId' | 'communityId'>[];
  assignments: readonly Pick<Assignment, 'contentId' | 'dueAt'>[];
  completions: readonly Pick<CompletionRecord, 'courseId' | 'communityId'>[];
  tokenCount: number;
}

function byLabel(labels: string[]): string[] {
  return labels.sort((a, b) => a.localeCompare(b));
}

/**
 * The removals of `user` under `action`, as `applyLifecycleBatch` carries them out. A reactivation
 * removes nothing. `communityName` names a community id (undefined for one no longer known).
 */
export function describeUserRemovals(
  action: LifecycleAction,
  policy: Pick<EffectivePolicy, 'assignments'>,
  user: User,
  records: UserRemovalRecords,
  communityName: (id: string) => string | undefined,
): UserRemovals {
  const removals: UserRemovals = {
    userId: user.id,
    name: fullName(user),
    email: user.email,
    communities: [],
    requests: [],
    certificates: [],
    assignments: [],
    assignmentsKept: 0,
    completions: [],
    tokens: 0,
  };
  if (action === 'reactivate') return removals;
  const community = (id: string): string => {
    const name = communityName(id);
    return name === undefined ? id : `${name} (${id})`;
  };
  const course = (r: { courseId: string; communityId: string }): string => `${r.courseId} in ${community(r.communityId)}`;
  const removesAssignments = action === 'delete' || policy.assignments === 'remove';
  removals.communities = byLabel(records.communityIds.map(community));
  removals.requests = byLabel(records.membershipRequests.map((r) => community(r.communityId)));
  removals.certificates = byLabel(records.certificates.map(course));
  if (removesAssignments) removals.assignments = byLabel(records.assignments.map((a) => (a.dueAt ? `${a.contentId}, due ${formatDate(a.dueAt)}` : a.contentId)));
  else removals.assignmentsKept = records.assignments.length;
  if (action === 'delete') removals.completions = byLabel(records.completions.map(course));
  removals.tokens = records.tokenCount;
  return removals;
}
