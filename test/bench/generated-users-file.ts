/**
 * Users files of generate-users-csv.ts written to a temporary folder on disk, for the import scenarios: a
 * file chosen through a file input is read from disk by the browser, as an admin's file is, rather than
 * from a Blob the page built in memory. Made once per run and size, shared by the scenarios that need
 * it, and removed when the runner exits: 1,000,000 rows are about 125 MB, never to be committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateUsersCsv, generatedUserRow } from '../fixtures/generate-users-csv.ts';

export interface GeneratedUsersFile {
  path: string;
  rowCount: number;
  bytes: number;
  /** The email of the file's first user: valid, active, with no manager, so it can be the admin of an empty device. */
  firstUserEmail: string;
  /** How long writing it took, for the log. */
  ms: number;
}

let folder: string | null = null;
const made = new Map<number, Promise<GeneratedUsersFile>>();

function tempFolder(): string {
  if (folder === null) {
    const created = mkdtempSync(join(tmpdir(), 'offboard-bench-csv-'));
    folder = created;
    // Synchronous: 'exit' listeners cannot wait, and a failed run must not leave 125 MB behind either.
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
  }
  return folder;
}

async function write(rowCount: number): Promise<GeneratedUsersFile> {
  const startedAt = performance.now();
  const path = join(tempFolder(), `users-${rowCount}.csv`);
  const file = await open(path, 'w');
  let bytes = 0;
  try {
    for (const chunk of generateUsersCsv({ rowCount })) {
      const buffer = Buffer.from(chunk, 'utf8');
      await file.write(buffer);
      bytes += buffer.byteLength;
    }
  } finally {
    await file.close();
  }
  return { path, rowCount, bytes, firstUserEmail: generatedUserRow(0)[1]!, ms: performance.now() - startedAt };
}

/** The users file of `rowCount` rows (plus the header), written on first use in this run. */
export function generatedUsersFile(rowCount: number): Promise<GeneratedUsersFile> {
  let file = made.get(rowCount);
  if (!file) {
    file = write(rowCount);
    made.set(rowCount, file);
  }
  return file;
}
