/**
 * Sync against the reference server over real HTTP on loopback, the worker in a real Worker and
 * IndexedDB in Chromium. The server runs in Vitest's Node process (test/sync-server/) and is broken
 * on purpose: lost answers after the commit, 500s, slow answers, refused connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import Dexie from 'dexie';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import type { ServerUserState, SyncServerInfo } from '../sync-server/sync-server-commands.ts';
import type { UserBundle } from '../../src/core/sync/user-bundle.ts';
import type { OrganizationState } from '../../src/core/sync/sync-protocol.ts';
import { storedUsers } from '../db/stored-roster.ts';
import { expectDeviceEqualsServer } from './compare-device-with-server.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startSyncServer(options: { demoSize: number }): Promise<SyncServerInfo>;
    stopSyncServer(): Promise<void>;
    setSyncServerReachable(reachable: boolean): Promise<void>;
    setSyncFaults(faults: { failNext?: number; dropAfterCommitNext?: number; refuseNext?: number; delayMs?: number; failRate?: number; dropRate?: number; seed?: number; refuseCompressedBodies?: boolean }): Promise<void>;
    syncServerState(): Promise<{ revision: number; counts: { pushes: number; pulls: number; failed: number; dropped: number; refused: number; compressed: number }; clients: Record<string, number>; users: ServerUserState[]; communities: { id: string; adminIds: string[] }[] }>;
    transferCommunityAdminOnServer(args: { communityId: string; fromUserId: string; toUserId: string }): Promise<string>;
    setSyncTokenAdmin(token: string, userId: string): Promise<void>;
    syncServerBundle(userId: string): Promise<UserBundle | null>;
    syncServerSnapshot(): Promise<{ organization: OrganizationState; bundles: UserBundle[] }>;
  }
}

const ADMIN_TOKEN = 'offboard-demo-admin';
const SETTINGS = { plan: 'plus', seatLimit: 2_040, batchLimit: 100, policyPreset: 'ascender', policyOverrides: {} } as const;

const databaseName = `sync-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);
let server: SyncServerInfo;

beforeAll(async () => {
  server = await commands.startSyncServer({ demoSize: 2_000 });
  await worker.open();
});

afterAll(async () => {
  await commands.stopSyncServer();
  await Dexie.delete(databaseName);
});

async function localUsers(): Promise<Map<string, { status: string; managerId: string | null }>> {
  const db = new OffboardDatabase(databaseName);
  try {
    const users = await storedUsers(db);
    return new Map(users.map((u) => [u.id, { status: u.status, managerId: u.managerId }]));
  } finally {
    db.close();
  }
}

/** Plain active users: no admin role anywhere, not the signed-in admin. */
async function plainActiveIds(count: number): Promise<string[]> {
  const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
  const ids = (await worker.matchingIds(queryId))!;
  const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
  const blocked = new Set(plan.blocked.map((b) => b.userId));
  return ids.filter((id) => !blocked.has(id)).slice(-count);
}

/** The device holds what the server holds: every field of every record of every user, and the organization. */
async function expectSameAsServer(): Promise<void> {
  await expectDeviceEqualsServer(databaseName, await commands.syncServerSnapshot());
}

/** Syncs until the outbox is empty, retrying failed runs as the app's backoff would (without the waiting). */
async function syncUntilSettled(maxRuns: number, between?: (run: number) => Promise<void>): Promise<{ runs: number; failures: string[] }> {
  const failures: string[] = [];
  for (let run = 1; run <= maxRuns; run++) {
    await between?.(run);
    try {
      await worker.syncNow();
      if ((await worker.syncState()).pendingOperations === 0) return { runs: run, failures };
    } catch (error) {
      failures.push((error as { code?: string }).code ?? String(error));
    }
  }
  throw new Error(`The outbox did not empty in ${maxRuns} runs; failures: ${failures.slice(-5).join(', ')}`);
}

describe('sync over HTTP with the reference server', () => {
  it('signs in, pulls the whole roster onto an empty device and remembers the server', async () => {
    const result = await worker.signInToServer(server.url, ADMIN_TOKEN, false);
    expect(result).toMatchObject({ ok: true, report: { usersPulled: 2_000 } });
    // The bytes as they came over the network (brotli, as Chromium asks): tens of bytes a user, not the
    // several hundred the columns take uncompressed.
    const { bytesPulled } = (result as { report: { bytesPulled: number } }).report;
    expect(bytesPulled).toBeGreaterThan(2_000 * 20);
    expect(bytesPulled).toBeLessThan(2_000 * 250);
    const state = await worker.syncState();
    expect(state).toMatchObject({ server: { url: server.url, permissions: expect.arrayContaining(['manage_users']) }, pendingOperations: 0, rejections: 0, outcome: { lastError: null } });
    expect((await worker.summary()).userCount).toBe(2_000);
    await expectSameAsServer();
  });

  it('a wrong token or an unreachable server gets a clear refusal, and nothing changes', async () => {
    const result = (await worker.signInToServer(server.url, ADMIN_TOKEN, false)) as { ok: true; session: { admin: { userId: string } } };
    expect(result.ok).toBe(true);
    // A code for the page to word, and what the server said as a detail.
    expect(await worker.signInToServer(server.url, 'not-a-token', false)).toMatchObject({ ok: false, code: 'unauthorized', detail: expect.stringMatching(/^HTTP 401/) });
    expect(await worker.signInToServer('http://127.0.0.1:9/api', ADMIN_TOKEN, false)).toMatchObject({ ok: false, code: 'offline' });
    expect(await worker.signInToServer('ftp://example.com', ADMIN_TOKEN, false)).toMatchObject({ ok: false, code: 'bad_url' });
    expect((await worker.syncState()).server?.url).toBe(server.url);
    // Signed in to a server, the token decides who acts: no switching admins on the device.
    const other = (await worker.summary()).admins.find((a) => a.id !== result.session.admin.userId)!;
    await expect(worker.signIn(other.id)).rejects.toMatchObject({ code: 'signed_in_to_server' });
    expect((await worker.summary()).signedInAdminId).toBe(result.session.admin.userId);
  });

  it('1,000 operations through lost answers, 500s, slow answers and refused connections: each applied once, nothing lost', async () => {
    await worker.saveSettings({ ...SETTINGS, batchLimit: 1 });
    const ids = await plainActiveIds(1_000);
    expect(ids.length).toBe(1_000);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(plan.batchCount).toBe(1_000);
    const applied = await worker.applyPlan(plan.planId);
    expect(applied.batchesApplied).toBe(1_000);
    expect((await worker.syncState()).pendingOperations).toBe(1_000);

    const before = await commands.syncServerState();
    await commands.setSyncFaults({ failRate: 0.3, dropRate: 0.3, seed: 42 });
    const { failures } = await syncUntilSettled(400, async (run) => {
      // Every few runs the connection goes, and comes back; now and then answers are slow.
      if (run % 7 === 0) await commands.setSyncServerReachable(false);
      if (run % 7 === 1 && run > 1) await commands.setSyncServerReachable(true);
      if (run % 11 === 0) await commands.setSyncFaults({ failRate: 0.3, dropRate: 0.3, seed: run, delayMs: 300 });
      if (run % 11 === 1) await commands.setSyncFaults({ failRate: 0.3, dropRate: 0.3, seed: run });
    });
    await commands.setSyncServerReachable(true);
    await commands.setSyncFaults({});
    await worker.syncNow();

    const after = await commands.syncServerState();
    // The faults did happen: answers lost after the commit, 500s, and runs that found no server.
    expect(after.counts.dropped).toBeGreaterThan(0);
    expect(after.counts.failed).toBeGreaterThan(0);
    expect(failures).toContain('offline');
    // Exactly once: one revision per operation, however many times each was sent.
    expect(after.revision - before.revision).toBe(1_000);
    const inactive = new Set(after.users.filter((u) => u.status === 'inactive').map((u) => u.id));
    expect(ids.filter((id) => !inactive.has(id))).toEqual([]);
    const state = await worker.syncState();
    expect(state).toMatchObject({ pendingOperations: 0, rejections: 0, outcome: { lastError: null } });
    await expectSameAsServer();
    await worker.saveSettings(SETTINGS);
  });

  it('F3: a change the server refuses (the user became a community admin meanwhile) puts the user back and lists why', async () => {
    const [target] = await plainActiveIds(1);
    const state = await commands.syncServerState();
    const community = state.communities.find((c) => c.adminIds.length > 0)!;
    expect(await commands.transferCommunityAdminOnServer({ communityId: community.id, fromUserId: community.adminIds[0]!, toUserId: target! })).toBe('applied');

    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [target!] } });
    expect(plan.eligibleCount).toBe(1);
    await worker.applyPlan(plan.planId);
    expect((await localUsers()).get(target!)?.status).toBe('inactive');

    const report = await worker.syncNow();
    expect(report).toMatchObject({ usersRejected: 1 });
    expect((await localUsers()).get(target!)?.status).toBe('active');
    const [rejection] = await worker.syncRejections();
    expect(rejection).toMatchObject({ userId: target, kind: 'deactivate', code: 'community_admin', rule: 'F3', isRetryable: true, changedSinceSeen: true });
    expect(rejection!.message).toContain(community.id);
    // After the pull the device knows the new admin too: planning again shows the blocker.
    const again = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [target!] } });
    expect(again.blocked.map((b) => b.reasons[0]!.rule)).toEqual(['F3']);
    await worker.discardSyncRejections([rejection!.id]);
    expect((await worker.syncState()).rejections).toBe(0);
    await expectSameAsServer();
  });

  it('A13: imported users, their memberships and a change via upload reach the server as the device holds them', async () => {
    const csv = (name: string, lines: string[]) => new File([lines.join('\r\n') + '\r\n'], name, { type: 'text/csv' });
    const users = csv('hires.csv', ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at', 'H0000001,hire.one@northwind.example,Hire,One,active,U0000002,,2026-11-01', 'H0000002,hire.two@northwind.example,Hire,Two,active,H0000001,,2026-11-01']);
    const memberships = csv('hire-communities.csv', ['user_id,community_id', 'H0000001,C-2']);
    const tags = csv('wave.csv', ['id,custom.offboard', 'U0000010,wave-9']);
    for (const files of [[users, memberships], [tags]]) {
      const views = await worker.inspectImportFiles(files);
      const check = await worker.checkImport(crypto.randomUUID(), views.map((v) => ({ fileId: v.fileId, mapping: v.mapping ?? v.guess, remember: false })));
      expect(check.files.every((f) => f.counts.rejected === 0)).toBe(true);
      await worker.writeImport(crypto.randomUUID(), check.importId, {});
    }
    expect((await worker.syncState()).pendingOperations).toBe(3);
    const report = await worker.syncNow();
    expect(report).toMatchObject({ operationsPushed: 3, usersRejected: 0 });
    const state = await commands.syncServerState();
    const byId = new Map(state.users.map((u) => [u.id, u]));
    expect(byId.get('H0000001')).toMatchObject({ status: 'active', managerId: 'U0000002' });
    expect(byId.get('H0000002')).toMatchObject({ managerId: 'H0000001' });
    expect(await commands.syncServerBundle('H0000001')).toMatchObject({ memberships: [expect.objectContaining({ communityId: 'C-2' })] });
    expect(await commands.syncServerBundle('U0000010')).toMatchObject({ user: { customFields: expect.objectContaining({ offboard: 'wave-9' }) } });
    await expectSameAsServer();
  });

  it('A13: a large push (an import of 400 users) goes gzip-compressed; to a server that takes no compressed bodies it goes as it is, and the device remembers', async () => {
    const csv = (name: string, lines: string[]) => new File([lines.join('\r\n') + '\r\n'], name, { type: 'text/csv' });
    const importUsers = async (prefix: string) => {
      const rows = Array.from({ length: 400 }, (_, i) => `${prefix}${String(i).padStart(5, '0')},${prefix.toLowerCase()}.${i}@northwind.example,Wave,Hire ${i},active,U0000002,,2026-11-01`);
      const views = await worker.inspectImportFiles([csv(`${prefix}.csv`, ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at', ...rows])]);
      const check = await worker.checkImport(crypto.randomUUID(), views.map((v) => ({ fileId: v.fileId, mapping: v.mapping ?? v.guess, remember: false })));
      expect(check.files.every((f) => f.counts.rejected === 0)).toBe(true);
      await worker.writeImport(crypto.randomUUID(), check.importId, {});
    };
    await importUsers('ZA');
    const before = (await commands.syncServerState()).counts;
    expect(await worker.syncNow()).toMatchObject({ operationsRefused: 0, usersRejected: 0 });
    const compressed = (await commands.syncServerState()).counts;
    expect(compressed.compressed - before.compressed).toBe(compressed.pushes - before.pushes);
    expect(compressed.pushes - before.pushes).toBeGreaterThan(0);

    await commands.setSyncFaults({ refuseCompressedBodies: true });
    await importUsers('ZB');
    expect(await worker.syncNow()).toMatchObject({ operationsRefused: 0, usersRejected: 0 });
    await importUsers('ZC');
    expect(await worker.syncNow()).toMatchObject({ operationsRefused: 0, usersRejected: 0 });
    const after = (await commands.syncServerState()).counts;
    // One compressed push refused (415), then every push as it is.
    expect(after.compressed - compressed.compressed).toBe(1);
    expect(after.pushes - compressed.pushes).toBeGreaterThan(2);
    await commands.setSyncFaults({});
    const state = await commands.syncServerState();
    expect(state.users.filter((u) => /^Z[ABC]/.test(u.id))).toHaveLength(1_200);
    await expectSameAsServer();
  });

  it('A7, A10, F9: a user imported and then deactivated before any sync reaches the server as imported, and the deactivation takes effect there', async () => {
    const csv = (name: string, lines: string[]) => new File([lines.join('\r\n') + '\r\n'], name, { type: 'text/csv' });
    const users = csv('late-hire.csv', ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at', 'H0000009,late.hire@northwind.example,Late,Hire,active,U0000002,,2026-11-01']);
    const memberships = csv('late-hire-communities.csv', ['user_id,community_id', 'H0000009,C-2']);
    const licenses = csv('late-hire-licenses.csv', ['user_id,methodology_id,state', 'H0000009,M-COM,reserved']);
    const views = await worker.inspectImportFiles([users, memberships, licenses]);
    const check = await worker.checkImport(crypto.randomUUID(), views.map((v) => ({ fileId: v.fileId, mapping: v.mapping ?? v.guess, remember: false })));
    expect(check.files.every((f) => f.counts.rejected === 0)).toBe(true);
    await worker.writeImport(crypto.randomUUID(), check.importId, {});
    // Offline, before the import is pushed: the new hire leaves again.
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: ['H0000009'] } });
    expect(plan.canApply).toBe(true);
    await worker.applyPlan(plan.planId);

    const report = await worker.syncNow();
    expect(report).toMatchObject({ operationsRefused: 0, usersRejected: 0 });
    const bundle = await commands.syncServerBundle('H0000009');
    // The deactivation was applied on the server, not skipped as "already inactive" (X3).
    expect(bundle).toMatchObject({ user: { status: 'inactive' }, memberships: [], licenses: [] });
    expect(bundle!.user!.deactivatedAt).not.toBeNull();
    await expectSameAsServer();
  });

  it('A1: when the server takes manage_users away, the push gets 403 and the changes are rolled back on the device', async () => {
    const ids = await plainActiveIds(3);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    await worker.applyPlan(plan.planId);
    const state = await commands.syncServerState();
    const reportsOnly = (await worker.summary()).admins.find((a) => !a.permissions.includes('manage_users'))!;
    await commands.setSyncTokenAdmin(ADMIN_TOKEN, reportsOnly.id);
    const report = await worker.syncNow();
    expect(report.operationsRefused).toBe(1);
    const local = await localUsers();
    expect(ids.map((id) => local.get(id)?.status)).toEqual(['active', 'active', 'active']);
    const rejections = await worker.syncRejections();
    expect(rejections[0]).toMatchObject({ code: 'forbidden', userId: null, isRetryable: false });
    expect((await commands.syncServerState()).revision).toBe(state.revision);
    await commands.setSyncTokenAdmin(ADMIN_TOKEN, (await worker.summary()).signedInAdminId!);
  });
});
