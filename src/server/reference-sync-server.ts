/**
 * The reference sync server: the protocol handler over a PostgreSQL database (sync-database.ts), with
 * the demo organization (or a dataset) as its first state and two known admin tokens. The database is
 * PGlite in the data directory unless a PostgreSQL server's URL is given. `npm start` and `npm run dev` mount it
 * under /api beside the app (see sync-api-plugin.ts); tests and benchmarks start their own on a free
 * port. A deployment points the app at its platform's endpoint instead, which speaks the same protocol.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_DEMO_SIZE, generateDemoOrganization } from '../core/generate-demo-organization.ts';
import type { ServerSnapshot } from '../core/sync/server-roster.ts';
import { serverSeedOfRoster, serverSnapshotOfRoster, type ServerSeed } from '../core/sync/server-snapshot-of-roster.ts';
import type { SyncLimits } from '../core/sync/sync-protocol.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncDatabase, type SyncDatabaseOptions } from './sync-database.ts';
import { PgDatabase } from './sql/pg-database.ts';
import { PgliteDatabase } from './sql/pglite-database.ts';
import { createSyncHandler, type SyncFaults, type SyncHandler } from './sync-http-handler.ts';

/** Signs in as the demo's admin with every permission. */
export const DEMO_ADMIN_TOKEN = 'offboard-demo-admin';
/** Signs in as the demo's admin with `reports` only: every push is refused (403). */
export const DEMO_REPORTS_TOKEN = 'offboard-demo-reports';

export interface ReferenceServerOptions {
  /** Where PGlite keeps the database (its `pglite` folder), and where a previous server's files are imported from. */
  dataDirectory: string;
  /** A PostgreSQL server to keep the data in instead (postgres://user:password@host:port/database). */
  databaseUrl?: string;
  /** Users of the demo organization created when the directory holds no data yet. */
  demoSize?: number;
  /** Any first state instead of the demo. */
  initial?: () => ServerSnapshot | ServerSeed;
  /** token → admin user id; by default the two demo tokens. */
  tokens?: ReadonlyMap<string, string>;
  basePath?: string;
  limits?: SyncLimits;
  faults?: SyncFaults;
  /** Largest push body accepted, in bytes, after decompression. */
  maxBodyBytes?: number;
  /** Tests: called where a crash tests the most (see SyncDatabaseOptions). */
  faultPoint?: SyncDatabaseOptions['faultPoint'];
}

export interface ReferenceSyncApi {
  data: SyncDatabase;
  handler: SyncHandler;
  close(): Promise<void>;
}

/** The demo's admins by token: the first with manage_users, and the first without it. */
export function demoTokens(snapshot: Pick<ServerSnapshot, 'organization'>): Map<string, string> {
  const admins = snapshot.organization.admins;
  const full = admins.find((a) => a.permissions.includes('manage_users'));
  const reportsOnly = admins.find((a) => !a.permissions.includes('manage_users'));
  const tokens = new Map<string, string>();
  if (full) tokens.set(DEMO_ADMIN_TOKEN, full.userId);
  if (reportsOnly) tokens.set(DEMO_REPORTS_TOKEN, reportsOnly.userId);
  return tokens;
}

/** Tokens from `OFFBOARD_SYNC_TOKENS` ("token=userId,token2=userId2"), if set. */
export function tokensFromEnvironment(value: string | undefined): Map<string, string> | undefined {
  if (!value) return undefined;
  return new Map(
    value
      .split(',')
      .map((pair) => pair.split('=').map((s) => s.trim()))
      .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== '' && pair[1] !== ''),
  );
}

export function demoSnapshot(size: number = DEFAULT_DEMO_SIZE): ServerSnapshot {
  const demo = generateDemoOrganization({ size });
  return serverSnapshotOfRoster(demo.header, demo.chunks(5_000));
}

/** The demo as the server seeds it, a chunk at a time: a million users are never held at once. */
export function demoSeed(size: number = DEFAULT_DEMO_SIZE): ServerSeed {
  const demo = generateDemoOrganization({ size });
  return serverSeedOfRoster(demo.header, demo.chunks(1_000));
}

export async function openReferenceSyncApi(options: ReferenceServerOptions): Promise<ReferenceSyncApi> {
  // The data directory is made if missing (the first `npm start` has none): PGlite makes only its own folder.
  await mkdir(options.dataDirectory, { recursive: true });
  const db = options.databaseUrl ? await PgDatabase.open(options.databaseUrl) : await PgliteDatabase.open(join(options.dataDirectory, 'pglite'));
  let data: SyncDatabase;
  try {
    data = await SyncDatabase.open({ db, initial: options.initial ?? (() => demoSeed(options.demoSize)), limits: options.limits, legacyDirectory: options.dataDirectory, faultPoint: options.faultPoint });
  } catch (error) {
    await db.close();
    throw error;
  }
  const tokens = options.tokens ?? demoTokens({ organization: data.organizationState });
  const handler = createSyncHandler({ data, tokens, basePath: options.basePath ?? '/api', faults: options.faults, maxBodyBytes: options.maxBodyBytes });
  return { data, handler, close: () => data.close() };
}

export interface RunningReferenceServer extends ReferenceSyncApi {
  server: Server;
  /** e.g. http://127.0.0.1:41234/api */
  url: string;
  port: number;
}

/** A standalone server on `port` (0: any free one), serving only the protocol. */
export async function startReferenceServer(options: ReferenceServerOptions & { port?: number; host?: string }): Promise<RunningReferenceServer> {
  const api = await openReferenceSyncApi(options);
  const server = createServer((request, response) => api.handler(request, response));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    ...api,
    server,
    port,
    url: `http://${host}:${port}${options.basePath ?? '/api'}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}
