/**
 * Which audit entries a set of filters keeps: the Audit screen's page and its CSV export ask the same
 * question, so they answer it here.
 */
import type { AuditAction, AuditEntry } from './roster-types.ts';

export interface AuditFilters {
  action: AuditAction | null;
  actorId: string | null;
  ruleId: string | null;
  batchId: string | null;
  /** Matched against the target's id, the entry's summary and its saved rule, ignoring case. */
  text: string;
}

export function isAuditFiltered(filters: AuditFilters): boolean {
  return filters.action !== null || filters.actorId !== null || filters.ruleId !== null || filters.batchId !== null || filters.text.trim() !== '';
}

export function auditEntryMatcher(filters: AuditFilters): (entry: AuditEntry) => boolean {
  const text = filters.text.trim().toLowerCase();
  return (entry) =>
    (filters.action === null || entry.action === filters.action) &&
    (filters.actorId === null || entry.actorId === filters.actorId) &&
    (filters.ruleId === null || entry.ruleId === filters.ruleId) &&
    (filters.batchId === null || entry.batchId === filters.batchId) &&
    (text === '' ||
      (entry.targetId ?? '').toLowerCase().includes(text) ||
      entry.summary.toLowerCase().includes(text) ||
      (entry.selectionRule ?? '').toLowerCase().includes(text));
}
