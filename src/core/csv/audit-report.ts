/**
 * The audit log as a CSV report: one row per entry, oldest first, with the names of actor and target
 * beside their ids. A user no longer on the roster keeps only the id (D1: no personal data remains).
 */
import type { AuditEntry } from '../roster-types.ts';

export const AUDIT_REPORT_HEADER: readonly string[] = [
  'seq',
  'at',
  'actor_id',
  'actor_name',
  'action',
  'target_id',
  'target_name',
  'rule_id',
  'batch_id',
  'selection_rule',
  'summary',
];

export function auditReportRow(entry: AuditEntry, nameOf: (userId: string) => string | undefined): string[] {
  return [
    entry.seq === undefined ? '' : String(entry.seq),
    entry.at,
    entry.actorId,
    nameOf(entry.actorId) ?? '',
    entry.action,
    entry.targetId ?? '',
    entry.targetId === null ? '' : (nameOf(entry.targetId) ?? ''),
    entry.ruleId ?? '',
    entry.batchId ?? '',
    entry.selectionRule ?? '',
    entry.summary,
  ];
}
