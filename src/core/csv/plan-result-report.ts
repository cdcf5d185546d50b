/**
 * A lifecycle plan, and once applied its result, as a CSV report: one row per selected user with the
 * outcome (eligible, blocked, skipped), every reason with the DOMAIN.md rule behind it, the batch the user
 * is in (A14) and what became of them. The admin keeps it as the record of a change, or hands it to
 * whoever resolves the blocked users.
 */
import type { LifecyclePlan, PlanUserOutcome, PlanWarning } from '../build-lifecycle-plan.ts';
import { LIST_SEPARATOR } from './csv-formats.ts';

export const PLAN_RESULT_HEADER: readonly string[] = ['user_id', 'name', 'email', 'action', 'outcome', 'rule_ids', 'reasons', 'batch', 'result'];

/** How far a plan got: null while it has not been applied. */
export interface AppliedPlanState {
  batchesApplied: number;
  /** The batch that failed (nothing of it was written), and why. */
  failure: { batchIndex: number; message: string } | null;
}

const DONE = { deactivate: 'deactivated', reactivate: 'reactivated', delete: 'deleted' } as const;

/** What a plan-wide warning means for one of the users it names. */
const WARNING_NOTES: Readonly<Record<PlanWarning['code'], string>> = {
  no_report_snapshot: 'not covered by a report snapshot taken after their last change',
  consumed_licenses_stay: 'consumed licenses stay consumed',
  custom_fields_visible: 'keeps a custom field value that admins and managers can see',
  inactive_manager: 'comes back under a manager who is inactive',
};

interface Note {
  rule: string;
  text: string;
}

function joinNotes(notes: readonly Note[]): [ruleIds: string, reasons: string] {
  const rules = [...new Set(notes.map((n) => n.rule))];
  return [rules.join(LIST_SEPARATOR), notes.map((n) => `${n.rule}: ${n.text}`).join(`${LIST_SEPARATOR} `)];
}

/**
 * Every row of the report: eligible users in batch order, then blocked, then skipped. `userOf` names a
 * user still on the roster; one that is gone (deleted by this very plan, F2) keeps only the id.
 */
export function* planResultRows(
  plan: LifecyclePlan,
  userOf: (userId: string) => { name: string; email: string } | undefined,
  applied: AppliedPlanState | null,
): Generator<string[]> {
  const warningsOf = new Map<string, Note[]>();
  for (const warning of plan.warnings) {
    const note = { rule: warning.rule, text: WARNING_NOTES[warning.code] };
    for (const id of warning.userIds) {
      const notes = warningsOf.get(id);
      if (notes) notes.push(note);
      else warningsOf.set(id, [note]);
    }
  }
  const blockerNotes = plan.blockers.map((b) => ({ rule: b.rule, text: b.message }));

  for (const [batchIndex, batch] of plan.batches.entries()) {
    const result =
      applied === null
        ? blockerNotes.length > 0
          ? 'not applied'
          : 'planned'
        : batchIndex < applied.batchesApplied
          ? DONE[plan.action]
          : applied.failure?.batchIndex === batchIndex
            ? `failed: ${applied.failure.message}`
            : 'not applied';
    for (const id of batch) {
      const user = userOf(id);
      yield [id, user?.name ?? '', user?.email ?? '', plan.action, 'eligible', ...joinNotes([...blockerNotes, ...(warningsOf.get(id) ?? [])]), String(batchIndex + 1), result];
    }
  }
  const outcomeRow = (outcome: PlanUserOutcome, kind: 'blocked' | 'skipped'): string[] => {
    const user = userOf(outcome.userId);
    const notes = outcome.reasons.map((r) => ({ rule: r.rule, text: r.message }));
    return [outcome.userId, user?.name ?? (outcome.name === outcome.userId ? '' : outcome.name), user?.email ?? '', plan.action, kind, ...joinNotes(notes), '', 'not changed'];
  };
  for (const outcome of plan.blocked) yield outcomeRow(outcome, 'blocked');
  for (const outcome of plan.skipped) yield outcomeRow(outcome, 'skipped');
}
