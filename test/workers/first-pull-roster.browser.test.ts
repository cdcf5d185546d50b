/**
 * An empty device's first pull builds the worker's roster from the blocks it writes, as they commit,
 * instead of reading every user back at its end; it may only where the storage then holds exactly those
 * blocks. Either way the roster in memory must equal the one a fresh worker reads from IndexedDB: after
 * a pull alone, and after a pull during which another tab changed a user it had just received. Real
 * IndexedDB and HTTP (the reference server, pages of 250 users).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { commands } from 'vitest/browser';
import Dexie from 'dexie';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import { RosterEngine } from '../../workers/roster-engine.ts';
import { PulledRoster } from '../../workers/roster-sync.ts';
import { prepareNewUsers, writeUserBundles } from '../../src/db/write-user-bundles.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { bundlesFromRecords } from '../../src/core/sync/user-bundle.ts';
import type { SyncServerInfo } from '../sync-server/sync-server-commands.ts';
import { allRows } from './random-roster-writes.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startSyncServer(options: { demoSize: number; usersPerPull?: number }): Promise<SyncServerInfo>;
    stopSyncServer(): Promise<void>;
    setSyncFaults(faults: { delayMs?: number }): Promise<void>;
    syncServerState(): Promise<{ counts: { pulls: number } }>;
  }
}

const DEMO_SIZE = 2_000;
let server: SyncServerInfo;
const names: string[] = [];
const engines: RosterEngine[] = [];

beforeAll(async () => {
  server = await commands.startSyncServer({ demoSize: DEMO_SIZE, usersPerPull: 250 });
});

afterAll(async () => {
  await commands.stopSyncServer();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await commands.setSyncFaults({});
  for (const engine of engines.splice(0)) engine.close();
  for (const name of names.splice(0)) await Dexie.delete(name);
});

async function openEngine(name: string): Promise<RosterEngine> {
  const engine = new RosterEngine(name);
  engines.push(engine);
  await engine.open();
  return engine;
}

/** Every row the list shows and the roster's summary: what a fresh worker must read the same. */
async function memoryOf(engine: RosterEngine) {
  return { rows: await allRows(engine), summary: engine.summary(), facets: engine.facets() };
}

describe('an empty device’s first pull', () => {
  it('builds the roster from the blocks it writes, reading nothing back, and equals a fresh read', async () => {
    const name = `first-pull-roster-${crypto.randomUUID()}`;
    names.push(name);
    const engine = await openEngine(name);
    const readBack = vi.spyOn(RosterStore.prototype, 'readUserPages');
    const result = await engine.signInToServer(server.url, 'offboard-demo-admin', false);
    expect(result.ok).toBe(true);
    expect(readBack).not.toHaveBeenCalled();
    expect(engine.query(EMPTY_FILTER).count).toBe(DEMO_SIZE);
    readBack.mockRestore();
    expect(await memoryOf(engine)).toEqual(await memoryOf(await openEngine(name)));
  });

  it('reads the roster back when another tab changed a user during the pull, and shows that change', async () => {
    const name = `first-pull-roster-${crypto.randomUUID()}`;
    names.push(name);
    const engine = await openEngine(name);
    // Slowed, so that the rename lands while pages are still to come, even on a loaded machine.
    await commands.setSyncFaults({ delayMs: 300 });
    const before = (await commands.syncServerState()).counts.pulls;
    const readBack = vi.spyOn(RosterStore.prototype, 'readUserPages');
    const signingIn = engine.signInToServer(server.url, 'offboard-demo-admin', false);
    // Another tab renames the first user as soon as it is stored, while the pull goes on.
    const otherDb = new OffboardDatabase(name);
    const other = new RosterStore(otherDb);
    let renamed: string | null = null;
    for (let waited = 0; renamed === null; waited += 25) {
      if (waited > 20_000) throw new Error('the first page was never written');
      await new Promise((resolve) => setTimeout(resolve, 25));
      await other.write(async (tx) => {
        const first = (await tx.bundles(['U0000001'])).get('U0000001');
        if (!first) return;
        renamed = first.id;
        await tx.commit({ bundles: [{ ...first, user: { ...first.user!, firstName: 'Renamed' } }] });
      });
    }
    otherDb.close();
    expect((await commands.syncServerState()).counts.pulls - before).toBeLessThan(DEMO_SIZE / 250);
    expect(renamed).not.toBeNull();
    const result = await signingIn;
    expect(result.ok).toBe(true);
    expect(readBack).toHaveBeenCalledTimes(1);
    readBack.mockRestore();
    const memory = await memoryOf(engine);
    expect(memory.rows.find((row) => row.id === renamed)?.name).toMatch(/^Renamed /);
    expect(memory).toEqual(await memoryOf(await openEngine(name)));
  });

  it('is taken as the roster only while the storage holds exactly its blocks: not after a change, folded or not', async () => {
    const name = `first-pull-roster-${crypto.randomUUID()}`;
    names.push(name);
    const db = new OffboardDatabase(name);
    const store = new RosterStore(db);
    const bundles = [...generateDemoOrganization({ size: 600 }).chunks(300)].map((chunk) => bundlesFromRecords(chunk, 1));
    try {
      const pulled = new PulledRoster();
      for (const page of bundles) {
        const prepared = prepareNewUsers(store, page, null);
        pulled.add(await store.write((tx) => writeUserBundles(tx, page, null, { isRosterEmpty: true, prepared })));
      }
      expect(pulled.isWhatIsStored(await store.storedBlocks())).toBe(true);
      const index = pulled.users.finish({ methodologies: [], communities: [], customFields: [] });
      expect(index.size).toBe(600);

      // A change of one of its users: waiting in the log, then folded into a new block.
      const [user] = bundles[0]!;
      await store.write(async (tx) => {
        await tx.bundles([user!.id]);
        await tx.commit({ bundles: [{ ...user!, user: { ...user!.user!, firstName: 'Renamed' } }] });
      });
      expect(pulled.isWhatIsStored(await store.storedBlocks())).toBe(false);
      await store.compact();
      expect((await store.storedBlocks()).pendingUsers).toBe(0);
      expect(pulled.isWhatIsStored(await store.storedBlocks())).toBe(false);
    } finally {
      db.close();
    }
  });
});
