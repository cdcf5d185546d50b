/**
 * A1/F1/F2: deactivation, reactivation and deletion of a batch of users, with every consequence the plan
 * showed (A3, A7, A8, A10, A11, F9, R2, R3, R4, R5, F2), carried out on user bundles. The device runs it on
 * the plan's batch; the server re-checks the operation with buildLifecyclePlan against its own roster and
 * runs it on the users that still qualify. What a deactivation keeps aside and a reactivation gives back
 * is decided by records-kept-aside.ts.
 */
import type { LifecycleAction, ReportMove } from '../build-lifecycle-plan.ts';
import { effectivePolicy } from '../lifecycle-policy.ts';
import { plural } from '../plural.ts';
import { isReleasedByDeactivation, keepAsideOnDeactivation, reconsumeElaLicense, releaseElaLicense, restoreOnReactivation } from '../records-kept-aside.ts';
import type { AuditEntry, UserStatus } from '../roster-types.ts';
import { tombstoneOf, type UserBundle } from '../sync/user-bundle.ts';
import { elaMethodologyIdsOf, emptyOutcome, globalCommunityIdOf, type ChangeContext, type ChangeOutcome } from './change-outcome.ts';

export interface LifecycleRequest {
  action: LifecycleAction;
  userIds: readonly string[];
  /** A8: reports of the batch's users, and the manager each moves to. */
  reportMoves: readonly ReportMove[];
  /** R2: a reactivation also re-assigns the users' previous assignments. */
  reassignPrevious: boolean;
}

/** The status a user must have for the action to change them; anything else is already as asked (X3). */
const EXPECTED_STATUS: Record<LifecycleAction, UserStatus | null> = { deactivate: 'active', reactivate: 'inactive', delete: null };

const AUDIT_RULE: Record<LifecycleAction, string> = { deactivate: 'A1', reactivate: 'F1', delete: 'F2' };

const AUDIT_VERB: Record<LifecycleAction, string> = { deactivate: 'Deactivated', reactivate: 'Reactivated', delete: 'Deleted' };

export function applyLifecycleChange(context: ChangeContext, request: LifecycleRequest): ChangeOutcome {
  const outcome = emptyOutcome();
  const { action } = request;
  const policy = effectivePolicy(context.organization.organization);
  const globalCommunityId = globalCommunityIdOf(context.organization);
  const elaMethodologyIds = elaMethodologyIdsOf(context.organization);
  const expected = EXPECTED_STATUS[action];
  for (const userId of request.userIds) {
    const bundle = context.bundleOf(userId);
    if (!bundle?.user) {
      outcome.refusals.push({ userId, code: 'unknown_user', rule: null, message: `User ${userId} is no longer on the roster.` });
      continue;
    }
    if (expected && bundle.user.status !== expected) {
      outcome.unchanged.push(userId);
      continue;
    }
    outcome.changed.set(userId, changeOne(bundle, action, { ...context, policyAssignments: policy.assignments, globalCommunityId, elaMethodologyIds, reassignPrevious: request.reassignPrevious }));
    outcome.audit.push({ action, targetId: userId, ruleId: AUDIT_RULE[action], summary: `${AUDIT_VERB[action]} user ${userId}.` });
    if (action === 'reactivate' && request.reassignPrevious && bundle.removedAssignments.length > 0) {
      outcome.audit.push({ action: 'reassign_assignments', targetId: userId, ruleId: 'R2', summary: reassignSummary(userId, bundle.removedAssignments.length) });
    }
  }
  // A8: reports of leaving users move up; R6: nothing moves back on reactivation.
  for (const move of request.reportMoves) {
    const bundle = outcome.changed.get(move.userId) ?? context.bundleOf(move.userId);
    if (!bundle?.user || bundle.deleted) continue;
    outcome.changed.set(move.userId, { ...bundle, user: { ...bundle.user, managerId: move.toManagerId } });
    outcome.audit.push(reportMoveAudit(move));
  }
  return outcome;
}

export function reassignSummary(userId: string, count: number): string {
  return `Re-assigned ${plural(count, 'previous assignment')} of ${userId}.`;
}

function reportMoveAudit(move: ReportMove): Pick<AuditEntry, 'action' | 'targetId' | 'ruleId' | 'summary'> {
  return { action: 'move_report', targetId: move.userId, ruleId: 'A8', summary: `Manager of ${move.userId} changed from ${move.fromManagerId} to ${move.toManagerId ?? 'nobody (top level)'}.` };
}

interface OneUserChange extends ChangeContext {
  policyAssignments: 'remove' | 'retain';
  globalCommunityId: string | null;
  elaMethodologyIds: ReadonlySet<string>;
  reassignPrevious: boolean;
}

function changeOne(bundle: UserBundle, action: LifecycleAction, change: OneUserChange): UserBundle {
  const user = bundle.user!;
  if (action === 'delete') return tombstoneOf(bundle.id, bundle.revision); // F2: everything goes

  if (action === 'deactivate') {
    const removesAssignments = change.policyAssignments === 'remove';
    return {
      ...bundle,
      user: { ...user, status: 'inactive', deactivatedAt: change.now, deactivatedBy: change.actorId },
      licenses: bundle.licenses
        .filter((l) => l.state !== 'reserved') // A10
        .map((l) => (isReleasedByDeactivation(l, change.elaMethodologyIds) ? releaseElaLicense(l, change.now) : l)), // A11
      memberships: [], // F9
      membershipRequests: [], // F9
      certificates: [], // F9
      // F9: what R3/R4 may give back, kept as it was.
      ...keepAsideOnDeactivation(bundle, change.globalCommunityId),
      tokens: [], // A7/F7
      assignments: removesAssignments ? [] : bundle.assignments, // A3
      removedAssignments: removesAssignments ? [...bundle.removedAssignments, ...bundle.assignments] : bundle.removedAssignments,
      // F8: completions and retained history stay.
    };
  }

  // Reactivation.
  const restored = restoreOnReactivation(bundle.id, bundle, change.globalCommunityId, change.now); // R3/R4
  return {
    ...bundle,
    user: { ...user, status: 'active', deactivatedAt: null, deactivatedBy: null },
    licenses: bundle.licenses.map((l) => (l.releasedFromElaAt ? reconsumeElaLicense(l) : l)), // R5
    memberships: restored.membership ? [...bundle.memberships, restored.membership] : bundle.memberships,
    removedMemberships: restored.removedMemberships,
    certificates: [...bundle.certificates, ...restored.certificates],
    removedCertificates: restored.removedCertificates,
    assignments: change.reassignPrevious ? [...bundle.assignments, ...bundle.removedAssignments] : bundle.assignments, // R2
    removedAssignments: change.reassignPrevious ? [] : bundle.removedAssignments,
  };
}
