/**
 * Browser-test commands (they run in Vitest's Node process) that start a reference sync server on a
 * free loopback port and break it on demand: the tests in the browser push and pull over real HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';
import { startReferenceServer, type RunningReferenceServer } from '../../src/server/reference-sync-server.ts';
import type { SyncFaults } from '../../src/server/sync-http-handler.ts';
import { createRandom } from '../../src/core/seeded-random.ts';

let running: { server: RunningReferenceServer; directory: string; demoSize: number; port: number; isReachable: boolean } | null = null;

export interface ServerUserState {
  id: string;
  status: string | null;
  managerId: string | null;
  deleted: boolean;
}

export interface SyncServerInfo {
  url: string;
  revision: number;
}

/** Request counts of servers this test already closed (a restart starts the handler's at zero). */
let closedCounts = { pushes: 0, pulls: 0, failed: 0, dropped: 0, refused: 0 };

function addCounts(counts: typeof closedCounts): void {
  for (const key of Object.keys(closedCounts) as (keyof typeof closedCounts)[]) closedCounts[key] += counts[key];
}

async function stop(): Promise<void> {
  if (!running) return;
  if (running.isReachable) await running.server.close();
  await rm(running.directory, { recursive: true, force: true });
  running = null;
}

function current(): RunningReferenceServer {
  if (!running) throw new Error('No sync server is running: call startSyncServer first.');
  return running.server;
}

export const startSyncServer: BrowserCommand<[options: { demoSize: number }]> = async (_context, options) => {
  await stop();
  closedCounts = { pushes: 0, pulls: 0, failed: 0, dropped: 0, refused: 0 };
  const directory = await mkdtemp(join(tmpdir(), 'offboard-sync-test-'));
  const server = await startReferenceServer({ dataDirectory: directory, demoSize: options.demoSize });
  running = { server, directory, demoSize: options.demoSize, port: server.port, isReachable: true };
  return { url: server.url, revision: server.data.roster.currentRevision } satisfies SyncServerInfo;
};

export const stopSyncServer: BrowserCommand<[]> = async () => {
  await stop();
};

/** Closes the listening socket (connection refused) or opens it again on the same port and data. */
export const setSyncServerReachable: BrowserCommand<[reachable: boolean]> = async (_context, reachable) => {
  if (!running) throw new Error('No sync server is running.');
  const { directory, demoSize, port } = running;
  if (reachable === running.isReachable) return;
  if (!reachable) {
    // Faults and token changes live in the handler: carried over to the restarted one.
    addCounts(running.server.handler.counts);
    await running.server.close();
    running = { ...running, isReachable: false };
    return;
  }
  const previous = running.server.handler;
  const server = await startReferenceServer({ dataDirectory: directory, demoSize, port });
  server.handler.faults = previous.faults;
  server.handler.tokens = previous.tokens;
  running = { server, directory, demoSize, port, isReachable: true };
};

/** Faults for the next requests; `seed` makes rate-based faults reproducible. */
export const setSyncFaults: BrowserCommand<[faults: Omit<SyncFaults, 'random'> & { seed?: number }]> = async (_context, faults) => {
  const { seed, ...rest } = faults;
  current().handler.faults = { ...rest, ...(seed !== undefined ? { random: createRandom(seed).next } : {}) };
};

/** The server's revision, request counts and every user's status and manager. */
export const syncServerState: BrowserCommand<[]> = async () => {
  const server = current();
  const snapshot = server.data.roster.snapshot();
  const counts = { ...closedCounts };
  if (running?.isReachable) for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += server.handler.counts[key];
  return {
    revision: server.data.roster.currentRevision,
    counts,
    clients: snapshot.clients,
    users: snapshot.bundles.map((b): ServerUserState => ({ id: b.id, status: b.user?.status ?? null, managerId: b.user?.managerId ?? null, deleted: b.deleted })),
    communities: snapshot.organization.communities,
  };
};

/** One user's bundle as the server holds it. */
export const syncServerBundle: BrowserCommand<[userId: string]> = async (_context, userId) => current().data.roster.bundle(userId) ?? null;

/** Another admin's change, made straight on the server: a community admin role passes to `toUserId`. */
export const transferCommunityAdminOnServer: BrowserCommand<[args: { communityId: string; fromUserId: string; toUserId: string }]> = async (_context, args) => {
  const server = current();
  const admin = server.data.roster.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
  const outcome = server.data.roster.push(
    { protocol: 1, clientId: 'another-admin', operations: [{ id: crypto.randomUUID(), seq: Date.now(), kind: 'transfer_community_admin', userIds: [args.fromUserId, args.toUserId], args, seen: {}, createdAt: new Date().toISOString() }] },
    admin,
  );
  if (!outcome.ok) throw new Error(outcome.message);
  await server.data.append(outcome.commits);
  return outcome.results[0]!.status;
};

/** Revokes or grants what a token signs in as: the next push of that token meets the new permissions. */
export const setSyncTokenAdmin: BrowserCommand<[token: string, userId: string]> = async (_context, token, userId) => {
  current().handler.tokens.set(token, userId);
};

export const syncServerCommands = {
  startSyncServer,
  stopSyncServer,
  setSyncServerReachable,
  setSyncFaults,
  syncServerState,
  transferCommunityAdminOnServer,
  setSyncTokenAdmin,
  syncServerBundle,
};
