/**
 * The previous server's storage, read once to import it into the database (sync-database.ts): a
 * snapshot file and an append-only file of commits after it. The commits are replayed onto the
 * snapshot; a last line cut short by a crash (never acknowledged) is dropped.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerRoster, type ServerSnapshot, type SyncCommit } from '../core/sync/server-roster.ts';
import type { SyncLimits } from '../core/sync/sync-protocol.ts';

export const LEGACY_SNAPSHOT_FILE = 'snapshot.json';
export const LEGACY_COMMITS_FILE = 'commits.jsonl';

/** The state the previous server's files in `directory` hold. */
export async function readLegacySnapshot(directory: string, limits?: SyncLimits): Promise<ServerSnapshot> {
  const snapshot = JSON.parse(await readFile(join(directory, LEGACY_SNAPSHOT_FILE), 'utf8')) as ServerSnapshot;
  const commitsPath = join(directory, LEGACY_COMMITS_FILE);
  if (!existsSync(commitsPath)) return snapshot;
  const roster = new ServerRoster(snapshot, limits);
  for (const line of (await readFile(commitsPath, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    let commit: SyncCommit;
    try {
      commit = JSON.parse(line) as SyncCommit;
    } catch {
      break; // the torn last line of a crash: it was never acknowledged
    }
    roster.commit(commit);
  }
  return roster.snapshot();
}
