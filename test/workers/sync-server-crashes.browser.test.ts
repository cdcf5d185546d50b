/**
 * The reference server on a real PostgreSQL, broken the ways a deployment breaks: its process killed
 * (SIGKILL) with a push's writes sent and not committed, or committed and not answered, and started
 * again; its database connections cut mid-run; PostgreSQL itself restarted. Through all of it a device
 * pushes 1,000 operations and pulls: nothing acknowledged is lost, nothing is applied twice (one revision
 * per operation), and the device ends holding exactly what the database holds, every field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import Dexie from 'dexie';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import type { UserBundle } from '../../src/core/sync/user-bundle.ts';
import type { OrganizationState } from '../../src/core/sync/sync-protocol.ts';
import { expectDeviceEqualsServer } from './compare-device-with-server.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startSyncServerProcess(options: { demoSize: number; crashRate: number; seed: number; operationsPerPush?: number }): Promise<{ url: string }>;
    setSyncServerProcessCrashRate(rate: number): Promise<void>;
    stopSyncServerProcess(): Promise<void>;
    cutSyncServerDatabaseConnections(): Promise<number>;
    restartSyncServerPostgres(): Promise<void>;
    syncServerProcessState(): Promise<{ revision: number; crashes: number; organization: OrganizationState; bundles: UserBundle[]; clients: Record<string, number> }>;
  }
}

const ADMIN_TOKEN = 'offboard-demo-admin';
const SETTINGS = { plan: 'plus', seatLimit: 2_040, batchLimit: 1, policyPreset: 'ascender', policyOverrides: {} } as const;
const OPERATIONS = 1_000;

const databaseName = `sync-crashes-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);
let url: string;

beforeAll(async () => {
  ({ url } = await commands.startSyncServerProcess({ demoSize: 2_000, crashRate: 0, seed: 20261204, operationsPerPush: 10 }));
  await worker.open();
}, 120_000);

afterAll(async () => {
  await commands.stopSyncServerProcess();
  await Dexie.delete(databaseName);
});

async function expectSameAsServer(): Promise<void> {
  await expectDeviceEqualsServer(databaseName, await commands.syncServerProcessState());
}

describe('sync with a server that crashes, on PostgreSQL', () => {
  it(`${OPERATIONS.toLocaleString('en')} operations through SIGKILLs before and after commit, cut connections and a PostgreSQL restart: each applied once, nothing lost`, async () => {
    expect(await worker.signInToServer(url, ADMIN_TOKEN, false)).toMatchObject({ ok: true, report: { usersPulled: 2_000 } });
    await worker.saveSettings(SETTINGS);
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
    const active = (await worker.matchingIds(queryId))!;
    const probe = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: active } });
    const blocked = new Set(probe.blocked.map((b) => b.userId));
    const ids = active.filter((id) => !blocked.has(id)).slice(-OPERATIONS);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(plan.batchCount).toBe(OPERATIONS);
    expect((await worker.applyPlan(plan.planId)).batchesApplied).toBe(OPERATIONS);
    const before = await commands.syncServerProcessState();

    // Three pushes in ten kill the server (half before its commit, half after); it is started again at once.
    await commands.setSyncServerProcessCrashRate(0.1);
    const failures: string[] = [];
    let cuts = 0;
    for (let run = 1; run <= 1_000; run++) {
      if (run % 9 === 0) cuts += await commands.cutSyncServerDatabaseConnections();
      if (run === 25) await commands.restartSyncServerPostgres();
      try {
        await worker.syncNow();
        if ((await worker.syncState()).pendingOperations === 0 && run > 25) break;
      } catch (error) {
        failures.push((error as { code?: string }).code ?? String(error));
        // The server is being started again: the app's backoff would wait; a moment does here.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await commands.setSyncServerProcessCrashRate(0);
    await worker.syncNow();

    const after = await commands.syncServerProcessState();
    // The faults did happen: crashes (which the device met as a server gone), cut connections, a restart.
    expect(after.crashes).toBeGreaterThan(5);
    expect(cuts).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(5);
    // Exactly once: one revision per operation, however many times each was sent.
    expect(after.revision - before.revision).toBe(OPERATIONS);
    const inactive = new Set(after.bundles.filter((b) => b.user?.status === 'inactive').map((b) => b.id));
    expect(ids.filter((id) => !inactive.has(id))).toEqual([]);
    expect(await worker.syncState()).toMatchObject({ pendingOperations: 0, rejections: 0, outcome: { lastError: null } });
    await expectSameAsServer();
  }, 600_000);
});
