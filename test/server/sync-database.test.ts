/**
 * The reference server's storage in PostgreSQL (PGlite here): what the database holds must always be what
 * the server answered. Seeded random runs of pushes from two devices, some of whose transactions fail
 * part way (a statement refused), checked after every step against the roster read afresh from the
 * database; replays after a failure apply once. Plus the import of a previous server's files, and a
 * database newer than the server.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ServerSnapshot, SyncCommit } from '../../src/core/sync/server-roster.ts';
import { SYNC_PROTOCOL_VERSION, type PushOperation } from '../../src/core/sync/sync-protocol.ts';
import { demoSnapshot } from '../../src/server/reference-sync-server.ts';
import { PgDatabase } from '../../src/server/sql/pg-database.ts';
import { PgliteDatabase } from '../../src/server/sql/pglite-database.ts';
import type { SqlDatabase, SqlExecutor } from '../../src/server/sql/sql-database.ts';
import { migrate, SYNC_MIGRATIONS } from '../../src/server/sql/sync-migrations.ts';
import { SyncDatabase } from '../../src/server/sync-database.ts';

const RUNS = 25;
const demo = demoSnapshot(120);

/** A database whose next transaction fails at its `failAt`-th statement (1 the first), once. */
class FailingDatabase implements SqlDatabase {
  failAt: number | null = null;

  constructor(private readonly inner: SqlDatabase) {}

  get description(): string {
    return this.inner.description;
  }

  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.inner.query<Row>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.inner.exec(script);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const failAt = this.failAt;
    this.failAt = null;
    let statements = 0;
    return this.inner.transaction((tx) =>
      work({
        query: async <Row extends object>(text: string, params?: readonly unknown[]) => {
          if (++statements === failAt) throw new Error('the database refused the statement (test)');
          return tx.query<Row>(text, params);
        },
        exec: (script) => tx.exec(script),
      }),
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** What a snapshot holds, in an order that does not depend on how it was gathered. */
function comparable(snapshot: ServerSnapshot): unknown {
  return {
    revision: snapshot.revision,
    organization: snapshot.organization,
    bundles: [...snapshot.bundles].sort((a, b) => (a.id < b.id ? -1 : 1)),
    clients: Object.entries(snapshot.clients).sort(),
    results: snapshot.results,
  };
}

const postgresUrl = inject('postgresUrl');
/** The same tests on both databases the server runs on (test/server/throwaway-postgres.ts starts PostgreSQL). */
const databases = [
  { name: 'PGlite', open: () => PgliteDatabase.open(null), isAvailable: true },
  { name: 'PostgreSQL', open: () => PgDatabase.open(postgresUrl!), isAvailable: postgresUrl !== null },
];

const operation = (kind: 'deactivate' | 'reactivate' | 'delete', id: string, seq: number, userIds: string[]): PushOperation =>
  (kind === 'reactivate'
    ? { id, seq, kind, args: { reportMoves: [], reassignPrevious: false }, userIds, seen: {}, createdAt: '2026-11-20T10:00:00.000Z' }
    : { id, seq, kind, args: { reportMoves: [] }, userIds, seen: {}, createdAt: '2026-11-20T10:00:00.000Z' }) as PushOperation;

describe.each(databases)('the sync server’s database on $name', ({ open, isAvailable }) => {
  let db: SqlDatabase;

  beforeAll(async () => {
    if (isAvailable) db = await open();
  });

  afterAll(async () => {
    await db?.close();
  });

  async function emptied(): Promise<void> {
    await db.exec('drop schema public cascade; create schema public;');
  }

  it.skipIf(!isAvailable)(`holds what the server answered after ${RUNS} random runs of pushes from two devices, some failing part way, the change log folded now and then`, async () => {
    let failures = 0;
    let folds = 0;
    let replays = 0;
    let applied = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            device: fc.integer({ min: 0, max: 1 }),
            kinds: fc.array(fc.constantFrom('deactivate' as const, 'reactivate' as const, 'delete' as const), { minLength: 1, maxLength: 4 }),
            picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
            failAt: fc.option(fc.integer({ min: 1, max: 6 }), { freq: 3 }),
            replay: fc.boolean(),
            // Then the change log folded into users: not at all, a row, or whole.
            fold: fc.constantFrom('none' as const, 'step' as const, 'all' as const),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        async (steps) => {
          await emptied();
          const failing = new FailingDatabase(db);
          const data = await SyncDatabase.open({ db: failing, initial: () => structuredClone(demo), foldInBackground: false });
          const ids = demo.bundles.filter((b) => b.user).map((b) => b.id);
          const admin = data.roster.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
          const seqs = [0, 0];
          let opCount = 0;
          let last: { clientId: string; operations: PushOperation[] } | null = null;
          for (const step of steps) {
            const clientId = `device-${step.device}`;
            const operations = step.kinds.map((kind, k) => {
              const userIds = [...new Set(step.picks.slice(k).map((n) => ids[n % ids.length]!))];
              return operation(kind, `op-${++opCount}`, ++seqs[step.device]!, userIds);
            });
            const push: { clientId: string; operations: PushOperation[] } = step.replay && last ? last : { clientId, operations };
            if (push === last) replays++;
            failing.failAt = step.failAt;
            const before = comparable(data.roster.snapshot());
            const outcome = data.roster.push({ protocol: SYNC_PROTOCOL_VERSION, ...push }, admin);
            if (!outcome.ok) throw new Error(outcome.message);
            let didFail = false;
            try {
              await data.append(outcome.commits);
            } catch {
              didFail = true;
              failures++;
            }
            // A push that wrote nothing (all replays) left the failure armed: not for the fold's transaction.
            failing.failAt = null;
            // A failed write stores nothing, and the server's memory is back as it was.
            if (didFail) expect(comparable(data.roster.snapshot())).toEqual(before);
            else applied += outcome.commits.length;
            if (step.fold === 'step' && (await data.foldStep())) folds++;
            if (step.fold === 'all') {
              await data.fold();
              expect(await data.changeRows()).toBe(0);
              folds++;
            }
            // The database, read afresh, holds what the server now answers from memory.
            const reread = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
            expect(comparable(reread.roster.snapshot())).toEqual(comparable(data.roster.snapshot()));
            last = push;
          }
        },
      ),
      { numRuns: RUNS, seed: 20261204 },
    );
    // The runs did fail part way, replay pushes, and apply operations.
    expect(failures).toBeGreaterThan(RUNS / 2);
    expect(replays).toBeGreaterThan(RUNS / 2);
    expect(applied).toBeGreaterThan(RUNS);
    expect(folds).toBeGreaterThan(RUNS / 2);
  }, 120_000);

  it.skipIf(!isAvailable)('a push replayed after its answer was lost gets its first answer again, from the database, and changes nothing', async () => {
    await emptied();
    const data = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
    const admin = data.roster.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
    const userId = demo.bundles.find((b) => b.user?.status === 'active' && !demo.organization.admins.some((a) => a.userId === b.id) && !demo.organization.communities.some((c) => c.adminIds.includes(b.id)))!.id;
    const request = { protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: [operation('deactivate', 'op-1', 1, [userId])] };
    const first = data.roster.push(request, admin);
    if (!first.ok) throw new Error(first.message);
    await data.append(first.commits);
    // The server restarts: everything it knows now comes from the database.
    const restarted = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
    const replay = restarted.roster.push(request, admin);
    if (!replay.ok) throw new Error(replay.message);
    expect(replay.commits).toEqual([]);
    expect(replay.results).toEqual(first.results);
    expect(restarted.roster.bundle(userId)!.user!.status).toBe('inactive');
  });

  it.skipIf(!isAvailable)('folds a push’s log rows into the users in the background, the state unchanged', async () => {
    await emptied();
    const data = await SyncDatabase.open({ db, initial: () => structuredClone(demo) });
    const admin = data.roster.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
    const userIds = demo.bundles.filter((b) => b.user?.status === 'active' && !demo.organization.admins.some((a) => a.userId === b.id) && !demo.organization.communities.some((c) => c.adminIds.includes(b.id))).slice(0, 5).map((b) => b.id);
    const outcome = data.roster.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: userIds.map((id, i) => operation('deactivate', `op-${i}`, i + 1, [id])) }, admin);
    if (!outcome.ok) throw new Error(outcome.message);
    await data.append(outcome.commits);
    // The demo's first rows and the push's: folded by themselves a second after the push.
    expect(await data.changeRows()).toBeGreaterThan(0);
    await expect.poll(() => data.changeRows(), { timeout: 20_000, interval: 200 }).toBe(0);
    const [{ count }] = (await db.query<{ count: number }>('select count(*)::int as count from users')) as [{ count: number }];
    expect(count).toBe(demo.bundles.length);
    const reread = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
    expect(comparable(reread.roster.snapshot())).toEqual(comparable(data.roster.snapshot()));
  });

  it.skipIf(!isAvailable)('imports a previous server’s files once, the commits after its snapshot replayed and a torn last line dropped', async () => {
    await emptied();
    const directory = await mkdtemp(join(tmpdir(), 'offboard-legacy-'));
    try {
      // The previous server's files: a snapshot, then a commit of one deactivation and a line cut short.
      const source = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
      const admin = source.roster.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
      const snapshot = source.roster.snapshot();
      const userId = demo.bundles.find((b) => b.user?.status === 'active' && !demo.organization.admins.some((a) => a.userId === b.id) && !demo.organization.communities.some((c) => c.adminIds.includes(b.id)))!.id;
      const outcome = source.roster.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: [operation('deactivate', 'op-1', 1, [userId])] }, admin);
      if (!outcome.ok) throw new Error(outcome.message);
      const commits: SyncCommit[] = outcome.commits;
      await writeFile(join(directory, 'snapshot.json'), JSON.stringify(snapshot));
      await writeFile(join(directory, 'commits.jsonl'), `${commits.map((c) => JSON.stringify(c)).join('\n')}\n{"revision":`);
      await emptied();

      const imported = await SyncDatabase.open({ db, initial: () => structuredClone(demoSnapshot(10)), legacyDirectory: directory, foldInBackground: false });
      expect(comparable(imported.roster.snapshot())).toEqual(comparable(source.roster.snapshot()));
      expect((await readdir(directory)).sort()).toEqual(['commits.jsonl.imported', 'snapshot.json.imported']);
      // Opened again, it reads the database, not the files (renamed, and not read twice).
      const reopened = await SyncDatabase.open({ db, initial: () => structuredClone(demoSnapshot(10)), legacyDirectory: directory, foldInBackground: false });
      expect(comparable(reopened.roster.snapshot())).toEqual(comparable(source.roster.snapshot()));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it.skipIf(!isAvailable)('refuses a database of a newer version than it knows, saying so, and changes nothing', async () => {
    await emptied();
    await migrate(db);
    const latest = SYNC_MIGRATIONS.at(-1)!.version;
    await db.query(`insert into schema_migrations (version, name) values ($1, 'from a newer server')`, [latest + 1]);
    await expect(SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false })).rejects.toThrow(`holds a sync database of version ${latest + 1}; this server knows versions up to ${latest}`);
    const [state] = await db.query<{ count: number }>('select count(*)::int as count from sync_state');
    expect(state!.count).toBe(0);
  });
});
