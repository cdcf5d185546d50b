/**
 * R2: assignments a deactivation removed (A3) are kept aside; for an active user they come back as they
 * were, in one step.
 */
import { emptyOutcome, type ChangeContext, type ChangeOutcome } from './change-outcome.ts';
import { reassignSummary } from './lifecycle-change.ts';
import type { ReassignAssignmentsArgs } from './operation.ts';

export function reassignAssignmentsChange(context: ChangeContext, userIds: readonly string[], args: ReassignAssignmentsArgs): ChangeOutcome {
  const outcome = emptyOutcome();
  const ids = new Set(args.assignmentIds);
  for (const userId of userIds) {
    const bundle = context.bundleOf(userId);
    if (!bundle?.user) {
      outcome.refusals.push({ userId, code: 'unknown_user', rule: 'R2', message: `User ${userId} is no longer on the roster.` });
      continue;
    }
    if (bundle.user.status !== 'active') {
      outcome.refusals.push({ userId, code: 'not_active', rule: 'R2', message: `User ${userId} is inactive: reactivate them before re-assigning.` });
      continue;
    }
    const back = bundle.removedAssignments.filter((a) => ids.has(a.id));
    if (back.length === 0) {
      outcome.unchanged.push(userId);
      continue;
    }
    outcome.changed.set(userId, { ...bundle, assignments: [...bundle.assignments, ...back], removedAssignments: bundle.removedAssignments.filter((a) => !ids.has(a.id)) });
    outcome.audit.push({ action: 'reassign_assignments', targetId: userId, ruleId: 'R2', summary: reassignSummary(userId, back.length) });
  }
  return outcome;
}
