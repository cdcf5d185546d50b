/** A page of the audit, newest first, filtered by action, actor, rule, batch and text. */
import { auditEntryMatcher } from '../src/core/audit-filter.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { AuditPage, AuditQuery } from './roster-api.ts';

export async function readAuditPage(db: OffboardDatabase, index: RosterIndex, query: AuditQuery): Promise<AuditPage> {
  const matches = auditEntryMatcher(query);
  // The most selective index the query has narrows the scan; the rest is filtered.
  const base = () =>
    query.batchId !== null
      ? db.audit.where('batchId').equals(query.batchId)
      : query.action !== null
        ? db.audit.where('action').equals(query.action)
        : query.ruleId !== null
          ? db.audit.where('ruleId').equals(query.ruleId)
          : db.audit.toCollection();
  const limit = Math.max(1, Math.min(query.limit, 500));
  const [found, matching, total] = await db.transaction('r', db.audit, () =>
    Promise.all([
      base()
        .reverse()
        .filter((e) => (query.beforeSeq === null || (e.seq ?? 0) < query.beforeSeq) && matches(e))
        .limit(limit + 1)
        .toArray(),
      base().filter(matches).count(),
      db.audit.count(),
    ]),
  );
  const nameOf = (id: string | null): string | null => (id ? (index.nameOf(id) ?? null) : null);
  const rows = found.slice(0, limit).map((e) => ({ ...e, seq: e.seq ?? 0, actorName: nameOf(e.actorId) ?? e.actorId, targetName: nameOf(e.targetId) }));
  return { rows, matching, total, hasOlder: found.length > limit };
}
