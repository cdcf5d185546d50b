/**
 * What the device remembers about its sync server, in the meta table: where it is and the token (so
 * sync resumes after a restart with no one to sign in), who the token signed in as and what they may
 * do (so the console works offline as that admin), the pull cursor and how the last attempt went.
 */
import type { SessionResponse } from '../core/sync/sync-protocol.ts';
import type { OffboardDatabase } from './offboard-database.ts';
import { readMeta, writeMeta } from './meta-records.ts';

export const SYNC_SERVER_KEY = 'syncServer';
export const SYNC_CURSOR_KEY = 'syncCursor';
export const SYNC_OUTCOME_KEY = 'syncOutcome';

export interface SyncServer {
  url: string;
  token: string;
  /** This device, to the server: operations are ordered and deduplicated per client. */
  clientId: string;
  session: SessionResponse;
  signedInAt: string;
}

export interface SyncOutcome {
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  /** The last attempt's failure, in words for the admin; null when it went through. */
  lastError: { code: string; message: string } | null;
}

export async function readSyncServer(db: OffboardDatabase): Promise<SyncServer | null> {
  return (await readMeta(db, SYNC_SERVER_KEY)) ?? null;
}

export async function readSyncCursor(db: OffboardDatabase): Promise<string | null> {
  return (await readMeta(db, SYNC_CURSOR_KEY)) ?? null;
}

export async function readSyncOutcome(db: OffboardDatabase): Promise<SyncOutcome> {
  return (await readMeta(db, SYNC_OUTCOME_KEY)) ?? { lastSuccessAt: null, lastAttemptAt: null, lastError: null };
}

export async function recordSyncOutcome(db: OffboardDatabase, outcome: Partial<SyncOutcome>): Promise<SyncOutcome> {
  return db.transaction('rw', db.meta, async () => {
    const next = { ...(await readSyncOutcome(db)), ...outcome };
    await writeMeta(db, SYNC_OUTCOME_KEY, next);
    return next;
  });
}
