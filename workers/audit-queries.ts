/** A page of the audit, newest first, filtered by action, actor, rule, batch and text. */
import type { RosterIndex } from '../src/core/roster-index.ts';
import { readAuditEntriesPage } from '../src/db/audit-log.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { AuditPage, AuditQuery } from './roster-api.ts';

export async function readAuditPage(db: OffboardDatabase, index: RosterIndex, query: AuditQuery): Promise<AuditPage> {
  const limit = Math.max(1, Math.min(query.limit, 500));
  const page = await readAuditEntriesPage(db, { ...query, limit });
  const nameOf = (id: string | null): string | null => (id ? (index.nameOf(id) ?? null) : null);
  const rows = page.entries.map((e) => ({ ...e, seq: e.seq ?? 0, actorName: nameOf(e.actorId) ?? e.actorId, targetName: nameOf(e.targetId) }));
  return { rows, matching: page.matching, total: page.total, hasOlder: page.hasOlder };
}
