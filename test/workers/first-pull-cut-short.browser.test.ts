/**
 * A first sign-in on an empty device whose pull is cut short (the server goes away after some pages):
 * the pages written are on the device and in the worker's roster alike, and the next sync pulls the
 * rest. An empty device's pages go into the worker's roster once, when the pull ends however it ends,
 * not page by page; this checks the roster is read then too. Real Worker, IndexedDB and HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import Dexie from 'dexie';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import type { SyncServerInfo } from '../sync-server/sync-server-commands.ts';
import { storedUserIds } from '../db/stored-roster.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startSyncServer(options: { demoSize: number; usersPerPull?: number }): Promise<SyncServerInfo>;
    stopSyncServer(): Promise<void>;
    setSyncServerReachable(reachable: boolean): Promise<void>;
    setSyncFaults(faults: { delayMs?: number }): Promise<void>;
    syncServerState(): Promise<{ counts: { pulls: number } }>;
  }
}

const databaseName = `first-pull-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);
let server: SyncServerInfo;

beforeAll(async () => {
  // 2,000 users in pages of 250: eight pages, slowed so that the server can go away between them.
  server = await commands.startSyncServer({ demoSize: 2_000, usersPerPull: 250 });
  await worker.open();
});

afterAll(async () => {
  await commands.stopSyncServer();
  await Dexie.delete(databaseName);
});

async function storedCount(): Promise<number> {
  const db = new OffboardDatabase(databaseName);
  try {
    return (await storedUserIds(db)).length;
  } finally {
    db.close();
  }
}

describe('a first pull cut short', () => {
  it('leaves the worker holding exactly the pages written, and the next sync brings the rest', async () => {
    await commands.setSyncFaults({ delayMs: 150 });
    const signingIn = worker.signInToServer(server.url, 'offboard-demo-admin', false);
    const outcome = signingIn.then(
      (result) => ({ result, error: null }),
      (error: unknown) => ({ result: null, error: error as { code?: string } }),
    );
    // The session and a few pages, then the server goes away.
    for (let waited = 0; (await commands.syncServerState()).counts.pulls < 3; waited += 50) {
      if (waited > 20_000) throw new Error('the pull never reached its third page');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await commands.setSyncServerReachable(false);
    const { result, error } = await outcome;
    expect(result).toBeNull();
    expect(error?.code).toBe('offline');

    const stored = await storedCount();
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(2_000);
    expect(stored % 250).toBe(0);
    expect((await worker.summary()).userCount).toBe(stored);

    await commands.setSyncServerReachable(true);
    await commands.setSyncFaults({});
    await worker.syncNow();
    expect(await storedCount()).toBe(2_000);
    expect((await worker.summary()).userCount).toBe(2_000);
  });
});
