/**
 * Browser-test commands (run in Vitest's Node process) for a reference sync server in a process of its
 * own (sync-server-process.ts), its data in a database of its own in the throwaway PostgreSQL
 * (test/server/throwaway-postgres.ts): the process kills itself with SIGKILL around a push's commit at a
 * given rate and is started again on the same port, as a supervisor would; PostgreSQL is restarted and
 * the server's connections cut on demand. The server's state is read from the database by a reader of
 * its own, so that it is what survived, not what a process held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BrowserCommand, BrowserCommandContext } from 'vitest/node';
import { PgDatabase } from '../../src/server/sql/pg-database.ts';
import { SyncDatabase } from '../../src/server/sync-database.ts';
import { restartThrowawayPostgres } from '../server/throwaway-postgres.ts';

const SERVER_SCRIPT = new URL('./sync-server-process.ts', import.meta.url).pathname;

interface SupervisedServer {
  child: ChildProcess | null;
  databaseUrl: string;
  databaseName: string;
  directory: string;
  demoSize: number;
  port: number;
  crashRate: number;
  seed: number;
  operationsPerPush: number;
  /** Times the process died by itself and was started again. */
  crashes: number;
  isStopping: boolean;
  /** The start under way, if any: requests meanwhile find no server. */
  starting: Promise<void> | null;
}

const supervised = new Map<string, SupervisedServer>();

function fileOf(context: BrowserCommandContext): string {
  return context.testPath ?? context.sessionId;
}

function adminUrl(): string {
  const url = process.env.OFFBOARD_TEST_POSTGRES_URL;
  if (!url) throw new Error('No PostgreSQL for the crash tests: the browser project’s global setup starts one (test/server/throwaway-postgres.ts).');
  return url;
}

async function withAdmin<T>(work: (db: PgDatabase) => Promise<T>): Promise<T> {
  const db = await PgDatabase.open(adminUrl());
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Starts the process; resolves once it serves. A process that dies later is started again. */
function launch(entry: SupervisedServer): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT, entry.directory, String(entry.demoSize), String(entry.port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      OFFBOARD_SYNC_DATABASE_URL: entry.databaseUrl,
      OFFBOARD_TEST_CRASH_RATE: String(entry.crashRate),
      OFFBOARD_TEST_OPERATIONS_PER_PUSH: String(entry.operationsPerPush),
      // A new seed each start: the same pushes do not crash at the same point again and again.
      OFFBOARD_TEST_CRASH_SEED: String(entry.seed + entry.crashes * 7_919),
    },
  });
  entry.child = child;
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const { url } = JSON.parse(line) as { url: string };
      entry.port = Number(new URL(url).port);
      resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`the sync server process ended (${code ?? signal}) before it served`)));
  });
  child.once('exit', () => {
    if (entry.child !== child) return;
    entry.child = null;
    if (entry.isStopping) return;
    // Killed by itself: started again on the same port, as a supervisor would.
    entry.crashes++;
    entry.starting = launch(entry).finally(() => (entry.starting = null));
    entry.starting.catch(() => undefined);
  });
  return ready;
}

async function stopProcess(entry: SupervisedServer): Promise<void> {
  entry.isStopping = true;
  await entry.starting?.catch(() => undefined);
  const child = entry.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

function current(context: BrowserCommandContext): SupervisedServer {
  const entry = supervised.get(fileOf(context));
  if (!entry) throw new Error('No sync server process is running: call startSyncServerProcess first.');
  return entry;
}

export const startSyncServerProcess: BrowserCommand<[options: { demoSize: number; crashRate: number; seed: number; operationsPerPush?: number }]> = async (context, options) => {
  const file = fileOf(context);
  const databaseName = `offboard_crash_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin((db) => db.query(`create database ${databaseName}`));
  const databaseUrl = Object.assign(new URL(adminUrl()), { pathname: `/${databaseName}` }).href;
  const entry: SupervisedServer = {
    child: null,
    databaseUrl,
    databaseName,
    directory: await mkdtemp(join(tmpdir(), 'offboard-sync-process-')),
    demoSize: options.demoSize,
    port: 0,
    crashRate: options.crashRate,
    seed: options.seed,
    operationsPerPush: options.operationsPerPush ?? 0,
    crashes: 0,
    isStopping: false,
    starting: null,
  };
  supervised.set(file, entry);
  await launch(entry);
  return { url: `http://127.0.0.1:${entry.port}/api` };
};

/** Stops the process and starts it again with another crash rate (0: it no longer crashes). */
export const setSyncServerProcessCrashRate: BrowserCommand<[rate: number]> = async (context, rate) => {
  const entry = current(context);
  await stopProcess(entry);
  entry.isStopping = false;
  entry.crashRate = rate;
  await launch(entry);
};

export const stopSyncServerProcess: BrowserCommand<[]> = async (context) => {
  const file = fileOf(context);
  const entry = supervised.get(file);
  if (!entry) return;
  supervised.delete(file);
  await stopProcess(entry);
  await rm(entry.directory, { recursive: true, force: true });
  await withAdmin((db) => db.query(`drop database if exists ${entry.databaseName} with (force)`));
};

/** Cuts every connection the server holds to its database, as a network or a failover does. */
export const cutSyncServerDatabaseConnections: BrowserCommand<[]> = async (context) => {
  const entry = current(context);
  return withAdmin(async (db) => {
    const rows = await db.query<{ cut: boolean }>(`select pg_terminate_backend(pid) as cut from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [entry.databaseName]);
    return rows.length;
  });
};

/** Restarts PostgreSQL itself (immediate: no connection is closed cleanly). */
export const restartSyncServerPostgres: BrowserCommand<[]> = async () => {
  restartThrowawayPostgres();
};

/** What the database holds, read afresh: revision, each user's status and manager, every bundle; and the crashes so far. */
export const syncServerProcessState: BrowserCommand<[]> = async (context) => {
  const entry = current(context);
  const db = await PgDatabase.open(entry.databaseUrl);
  try {
    const data = await SyncDatabase.open({ db, initial: () => { throw new Error('the server’s database holds no organization'); }, foldInBackground: false });
    const snapshot = await data.snapshot();
    return { revision: snapshot.revision, crashes: entry.crashes, organization: snapshot.organization, bundles: snapshot.bundles, clients: snapshot.clients };
  } finally {
    await db.close();
  }
};

export const syncServerProcessCommands = {
  startSyncServerProcess,
  setSyncServerProcessCrashRate,
  stopSyncServerProcess,
  cutSyncServerDatabaseConnections,
  restartSyncServerPostgres,
  syncServerProcessState,
};
