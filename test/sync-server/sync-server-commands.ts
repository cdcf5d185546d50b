/**
 * Browser-test commands (they run in Vitest's Node process) that start a reference sync server on a
 * free loopback port and break it on demand: the tests in the browser push and pull over real HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand, BrowserCommandContext } from 'vitest/node';
import { startReferenceServer, type RunningReferenceServer } from '../../src/server/reference-sync-server.ts';
import type { SyncFaults } from '../../src/server/sync-http-handler.ts';
import { createRandom } from '../../src/core/seeded-random.ts';
import { DEFAULT_SYNC_LIMITS } from '../../src/core/sync/server-roster.ts';
import { SYNC_PROTOCOL_VERSION, type SyncLimits } from '../../src/core/sync/sync-protocol.ts';

interface RunningServer {
  server: RunningReferenceServer;
  directory: string;
  demoSize: number;
  /** Users per pull page, when a test asks for smaller pages than the default. */
  usersPerPull?: number;
  port: number;
  isReachable: boolean;
  /** Request counts of servers this test file already closed (a restart starts the handler's at zero). */
  closedCounts: RequestCounts;
}

/** One server per test file: files running in parallel (one per CPU) must not stop each other's. */
const running = new Map<string, RunningServer>();

function limitsOf(usersPerPull: number | undefined): SyncLimits | undefined {
  return usersPerPull === undefined ? undefined : { ...DEFAULT_SYNC_LIMITS, usersPerPull };
}

function fileOf(context: BrowserCommandContext): string {
  return context.testPath ?? context.sessionId;
}

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

type RequestCounts = { pushes: number; pulls: number; failed: number; dropped: number; refused: number; compressed: number };

function addCounts(into: RequestCounts, counts: RequestCounts): void {
  for (const key of Object.keys(into) as (keyof RequestCounts)[]) into[key] += counts[key];
}

async function stop(file: string): Promise<void> {
  const entry = running.get(file);
  if (!entry) return;
  running.delete(file);
  if (entry.isReachable) await entry.server.close();
  await rm(entry.directory, { recursive: true, force: true });
}

function current(context: BrowserCommandContext): RunningReferenceServer {
  const entry = running.get(fileOf(context));
  if (!entry) throw new Error('No sync server is running: call startSyncServer first.');
  return entry.server;
}

export const startSyncServer: BrowserCommand<[options: { demoSize: number; usersPerPull?: number }]> = async (context, options) => {
  const file = fileOf(context);
  await stop(file);
  const directory = await mkdtemp(join(tmpdir(), 'offboard-sync-test-'));
  const server = await startReferenceServer({ dataDirectory: directory, demoSize: options.demoSize, limits: limitsOf(options.usersPerPull) });
  running.set(file, { server, directory, demoSize: options.demoSize, usersPerPull: options.usersPerPull, port: server.port, isReachable: true, closedCounts: { pushes: 0, pulls: 0, failed: 0, dropped: 0, refused: 0, compressed: 0 } });
  return { url: server.url, revision: server.data.revision } satisfies SyncServerInfo;
};

export const stopSyncServer: BrowserCommand<[]> = async (context) => {
  await stop(fileOf(context));
};

/** Closes the listening socket (connection refused) or opens it again on the same port and data. */
export const setSyncServerReachable: BrowserCommand<[reachable: boolean]> = async (context, reachable) => {
  const file = fileOf(context);
  const entry = running.get(file);
  if (!entry) throw new Error('No sync server is running.');
  const { directory, demoSize, usersPerPull, port } = entry;
  if (reachable === entry.isReachable) return;
  if (!reachable) {
    // Faults and token changes live in the handler: carried over to the restarted one.
    addCounts(entry.closedCounts, entry.server.handler.counts);
    await entry.server.close();
    running.set(file, { ...entry, isReachable: false });
    return;
  }
  const previous = entry.server.handler;
  const server = await startReferenceServer({ dataDirectory: directory, demoSize, port, limits: limitsOf(usersPerPull) });
  server.handler.faults = previous.faults;
  server.handler.tokens = previous.tokens;
  running.set(file, { ...entry, server, isReachable: true });
};

/** Faults for the next requests; `seed` makes rate-based faults reproducible. */
export const setSyncFaults: BrowserCommand<[faults: Omit<SyncFaults, 'random'> & { seed?: number }]> = async (context, faults) => {
  const { seed, ...rest } = faults;
  current(context).handler.faults = { ...rest, ...(seed !== undefined ? { random: createRandom(seed).next } : {}) };
};

/** The server's revision, request counts and every user's status and manager. */
export const syncServerState: BrowserCommand<[]> = async (context) => {
  const server = current(context);
  const entry = running.get(fileOf(context))!;
  const snapshot = await server.data.snapshot();
  const counts = { ...entry.closedCounts };
  if (entry.isReachable) for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += server.handler.counts[key];
  return {
    revision: server.data.revision,
    counts,
    clients: snapshot.clients,
    users: snapshot.bundles.map((b): ServerUserState => ({ id: b.id, status: b.user?.status ?? null, managerId: b.user?.managerId ?? null, deleted: b.deleted })),
    communities: snapshot.organization.communities,
  };
};

/** Every bundle and the organization records, as the server holds them: its whole state. */
export const syncServerSnapshot: BrowserCommand<[]> = async (context) => {
  const { organization, bundles } = await current(context).data.snapshot();
  return { organization, bundles };
};

/** One user's bundle as the server holds it. */
export const syncServerBundle: BrowserCommand<[userId: string]> = async (context, userId) => (await current(context).data.bundle(userId)) ?? null;

/** Another admin's change, made straight on the server: a community admin role passes to `toUserId`. */
export const transferCommunityAdminOnServer: BrowserCommand<[args: { communityId: string; fromUserId: string; toUserId: string }]> = async (context, args) => {
  const server = current(context);
  const admin = server.data.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
  const outcome = await server.data.push(
    { protocol: SYNC_PROTOCOL_VERSION, clientId: 'another-admin', operations: [{ id: crypto.randomUUID(), seq: Date.now(), kind: 'transfer_community_admin', userIds: [args.fromUserId, args.toUserId], args, seen: {}, createdAt: new Date().toISOString() }] },
    admin,
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.results[0]!.status;
};

/** Revokes or grants what a token signs in as: the next push of that token meets the new permissions. */
export const setSyncTokenAdmin: BrowserCommand<[token: string, userId: string]> = async (context, token, userId) => {
  current(context).handler.tokens.set(token, userId);
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
  syncServerSnapshot,
};
