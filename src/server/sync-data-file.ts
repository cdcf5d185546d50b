/**
 * The reference server's storage: a snapshot file and an append-only file of commits after it, in one
 * directory. A push is answered only once its commits are on disk (appended, then fsync'ed), so a crash
 * or restart loses nothing that was acknowledged. At start the commits are replayed onto the snapshot,
 * then folded into a new snapshot (written beside it and renamed over it, so a crash mid-write leaves
 * the old one whole).
 */
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServerRoster, type ServerSnapshot, type SyncCommit } from '../core/sync/server-roster.ts';
import type { SyncLimits } from '../core/sync/sync-protocol.ts';

const SNAPSHOT_FILE = 'snapshot.json';
const COMMITS_FILE = 'commits.jsonl';

export class SyncDataFile {
  private constructor(
    readonly directory: string,
    readonly roster: ServerRoster,
    private commits: FileHandle,
  ) {}

  /**
   * Opens the data in `directory`, or creates it from `initial()` when there is none. A commit line cut
   * short by a crash (the last line, never acknowledged) is dropped.
   */
  static async open(directory: string, initial: () => ServerSnapshot, limits?: SyncLimits): Promise<SyncDataFile> {
    await mkdir(directory, { recursive: true });
    const snapshotPath = join(directory, SNAPSHOT_FILE);
    const commitsPath = join(directory, COMMITS_FILE);
    let snapshot: ServerSnapshot;
    if (existsSync(snapshotPath)) {
      snapshot = JSON.parse(await readFile(snapshotPath, 'utf8')) as ServerSnapshot;
    } else {
      snapshot = initial();
      await writeSnapshot(directory, snapshot);
      await rm(commitsPath, { force: true });
    }
    const roster = new ServerRoster(snapshot, limits);
    if (existsSync(commitsPath)) {
      const lines = (await readFile(commitsPath, 'utf8')).split('\n');
      let replayed = 0;
      for (const line of lines) {
        if (line.trim() === '') continue;
        let commit: SyncCommit;
        try {
          commit = JSON.parse(line) as SyncCommit;
        } catch {
          break; // the torn last line of a crash: it was never acknowledged
        }
        roster.commit(commit);
        replayed++;
      }
      if (replayed > 0) await writeSnapshot(directory, roster.snapshot());
    }
    await writeFile(commitsPath, '');
    const commits = await open(commitsPath, 'a');
    return new SyncDataFile(directory, roster, commits);
  }

  /** Appends commits and waits until they are on disk. */
  async append(commits: readonly SyncCommit[]): Promise<void> {
    if (commits.length === 0) return;
    await this.commits.appendFile(commits.map((c) => JSON.stringify(c)).join('\n') + '\n');
    await this.commits.sync();
  }

  async close(): Promise<void> {
    await this.commits.close();
  }
}

async function writeSnapshot(directory: string, snapshot: ServerSnapshot): Promise<void> {
  const path = join(directory, SNAPSHOT_FILE);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w');
  try {
    // Written a bundle per line: a 100,000-user roster is too large for one JSON.stringify call's string.
    await file.write(`{"revision":${snapshot.revision},"organization":${JSON.stringify(snapshot.organization)},"clients":${JSON.stringify(snapshot.clients)},"results":${JSON.stringify(snapshot.results)},"bundles":[\n`);
    const bundles = snapshot.bundles;
    const PAGE = 2_000;
    for (let i = 0; i < bundles.length; i += PAGE) {
      const page = bundles.slice(i, i + PAGE).map((b) => JSON.stringify(b)).join(',\n');
      await file.write(i + PAGE < bundles.length ? `${page},\n` : page);
    }
    await file.write('\n]}\n');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}
