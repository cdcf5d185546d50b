/**
 * Writes a whole organization into an empty database, a chunk of users per transaction so that progress
 * can be shown and memory stays bounded at 1,000,000 users. A marker written in the first transaction and
 * removed in the last one makes an interrupted load (a closed tab, a full disk) detectable: the next start
 * discards it (see `discardInterruptedLoad`) instead of showing half an organization.
 */
import type { DemoHeader, RosterChunk } from '../core/generate-demo-organization.ts';
import type { AuditEntry } from '../core/roster-types.ts';
import type { OffboardDatabase, StoredUser } from './offboard-database.ts';
import { RosterStore } from './roster-store.ts';
import { codedError } from '../core/coded-error.ts';
import { deleteMeta, readMeta } from './meta-records.ts';
import { appendAudit } from './audit-log.ts';

export const LOAD_MARKER_KEY = 'pendingLoad';
export const SESSION_KEY = 'session';

export interface LoadMarker {
  kind: 'demo' | 'import';
  expectedUsers: number;
  startedAt: string;
}

export interface WriteProgress {
  usersWritten: number;
  expectedUsers: number;
}

export async function writeRosterInChunks(
  db: OffboardDatabase,
  header: DemoHeader,
  chunks: Iterable<RosterChunk>,
  options: {
    expectedUsers: number;
    kind: LoadMarker['kind'];
    audit: AuditEntry;
    /** Called after each chunk is stored, with the users as stored (derived fields included). */
    onChunk?: (stored: StoredUser[], progress: WriteProgress) => void;
  },
): Promise<void> {
  const { expectedUsers } = options;
  const store = new RosterStore(db);
  await store.write(async (tx) => {
    if ((await tx.userCount()) > 0) throw codedError('roster_not_empty', 'The roster already holds users; clear it before loading another organization.');
    const marker: LoadMarker = { kind: options.kind, expectedUsers, startedAt: new Date().toISOString() };
    await tx.putMeta(LOAD_MARKER_KEY, marker);
    await tx.putMeta(SESSION_KEY, { adminId: header.signedInAdminId });
    await db.organization.put(header.organization);
    await db.admins.bulkPut(header.admins);
    await db.methodologies.bulkPut(header.methodologies);
    await db.communities.bulkPut(header.communities);
    await db.customFields.bulkPut(header.customFields);
  });

  let usersWritten = 0;
  const globalCommunityId = header.communities.find((c) => c.global)?.id ?? null;
  for (const chunk of chunks) {
    const stored = await store.addChunk(chunk, globalCommunityId);
    usersWritten += chunk.users.length;
    options.onChunk?.(stored, { usersWritten, expectedUsers });
  }

  await db.transaction('rw', [db.meta, db.auditLog], async () => {
    await appendAudit(db, [options.audit]);
    await deleteMeta(db, [LOAD_MARKER_KEY]);
  });
}

/** The marker of a load that never finished, if any. */
export async function findInterruptedLoad(db: OffboardDatabase): Promise<LoadMarker | null> {
  return (await readMeta(db, LOAD_MARKER_KEY)) ?? null;
}

/** Removes every roster record in one transaction: all or nothing. */
export function clearRoster(db: OffboardDatabase): Promise<void> {
  return new RosterStore(db).clear();
}

/** Discards a half-written load; returns what was discarded so the UI can say so. */
export async function discardInterruptedLoad(db: OffboardDatabase): Promise<LoadMarker | null> {
  const marker = await findInterruptedLoad(db);
  if (marker) await clearRoster(db);
  return marker;
}
