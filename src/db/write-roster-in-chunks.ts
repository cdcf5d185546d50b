/**
 * Writes a whole organization into an empty database, a chunk of users per transaction so that progress
 * can be shown and memory stays bounded at 1,000,000 users. A marker written in the first transaction and
 * removed in the last one makes an interrupted load (a closed tab, a full disk) detectable: the next start
 * discards it (see `discardInterruptedLoad`) instead of showing half an organization.
 */
import type { DemoHeader, RosterChunk } from '../core/generate-demo-organization.ts';
import { PER_USER_RECORD_KINDS, type AuditEntry } from '../core/roster-types.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { OffboardDatabase, ROSTER_TABLES, toStoredUser, type StoredUser } from './offboard-database.ts';
import { RosterNotEmptyError } from './database-errors.ts';

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
  await db.transaction('rw', [db.meta, db.users, db.organization, db.admins, db.methodologies, db.communities, db.customFields], async () => {
    if ((await db.users.count()) > 0) throw new RosterNotEmptyError();
    const marker: LoadMarker = { kind: options.kind, expectedUsers, startedAt: new Date().toISOString() };
    await db.meta.put({ key: LOAD_MARKER_KEY, value: marker });
    await db.meta.put({ key: SESSION_KEY, value: { adminId: header.signedInAdminId } });
    await db.organization.put(header.organization);
    await db.admins.bulkPut(header.admins);
    await db.methodologies.bulkPut(header.methodologies);
    await db.communities.bulkPut(header.communities);
    await db.customFields.bulkPut(header.customFields);
  });

  let usersWritten = 0;
  const tables = PER_USER_RECORD_KINDS.map((name) => db.table(name));
  const globalCommunityId = header.communities.find((c) => c.global)?.id ?? null;
  for (const chunk of chunks) {
    const summaries = summarizeUserRecords(chunk, globalCommunityId);
    const stored = chunk.users.map((user) => toStoredUser(user, summaries.get(user.id)));
    await db.transaction('rw', tables, async () => {
      // Every kind goes to the table of the same name; users carry their summaries.
      await Promise.all(PER_USER_RECORD_KINDS.map((kind) => (kind === 'users' ? db.users.bulkAdd(stored) : db.table(kind).bulkAdd(chunk[kind]))));
    });
    usersWritten += chunk.users.length;
    options.onChunk?.(stored, { usersWritten, expectedUsers });
  }

  await db.transaction('rw', [db.meta, db.audit], async () => {
    await db.audit.add(options.audit);
    await db.meta.delete(LOAD_MARKER_KEY);
  });
}

/** The marker of a load that never finished, if any. */
export async function findInterruptedLoad(db: OffboardDatabase): Promise<LoadMarker | null> {
  const record = await db.meta.get(LOAD_MARKER_KEY);
  return (record?.value as LoadMarker | undefined) ?? null;
}

/** Removes every roster record in one transaction: all or nothing. */
export async function clearRoster(db: OffboardDatabase): Promise<void> {
  const tables = [db.meta, ...ROSTER_TABLES.map((name) => db.table(name))];
  await db.transaction('rw', tables, async () => {
    await Promise.all(tables.map((table) => table.clear()));
  });
}

/** Discards a half-written load; returns what was discarded so the UI can say so. */
export async function discardInterruptedLoad(db: OffboardDatabase): Promise<LoadMarker | null> {
  const marker = await findInterruptedLoad(db);
  if (marker) await clearRoster(db);
  return marker;
}
