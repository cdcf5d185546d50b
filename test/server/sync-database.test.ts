/**
 * The reference server on PostgreSQL (PGlite and a real server): it holds no roster in memory, and must
 * answer every push and pull as the roster held whole in memory (src/core/sync/server-roster.ts, the
 * model) does. Seeded random runs of pushes from two devices (lifecycle batches, imports that move users
 * between managers and take or free emails), some of whose transactions fail part way (a statement
 * refused), the change log folded now and then: after every step the results, a whole pull in pages,
 * the roster-wide counts and the database read afresh by a restarted server equal the model's. Plus
 * replays after a restart, the background fold, the import of a previous server's files, the columns
 * of rows written before they existed, and a database newer than the server.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ServerRoster, type ServerSnapshot, type SyncCommit } from '../../src/core/sync/server-roster.ts';
import { SYNC_PROTOCOL_VERSION, type PullResponse, type PushOperation } from '../../src/core/sync/sync-protocol.ts';
import type { Admin } from '../../src/core/roster-types.ts';
import { inUseMethodologies } from '../../src/core/sync/evaluate-server-operation.ts';
import { demoSnapshot } from '../../src/server/reference-sync-server.ts';
import { PgDatabase } from '../../src/server/sql/pg-database.ts';
import { PgliteDatabase } from '../../src/server/sql/pglite-database.ts';
import type { SqlDatabase, SqlExecutor } from '../../src/server/sql/sql-database.ts';
import { migrate, syncMigrations } from '../../src/server/sql/sync-migrations.ts';
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

const USER_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'status', 'manager_id', 'last_login_at', 'created_at'];

/** What the rules count across the roster, counted afresh from the model's bundles. */
function countsOf(snapshot: ServerSnapshot): { activeUsers: number; licensesInUse: Map<string, number> } {
  let activeUsers = 0;
  const licensesInUse = new Map<string, number>();
  for (const bundle of snapshot.bundles) {
    if (bundle.deleted || !bundle.user) continue;
    if (bundle.user.status === 'active') activeUsers++;
    for (const id of inUseMethodologies(bundle.licenses)) licensesInUse.set(id, (licensesInUse.get(id) ?? 0) + 1);
  }
  return { activeUsers, licensesInUse };
}

interface Pulls {
  pull(cursor: string | null, limit: number): Promise<PullResponse | 'bad_cursor'> | PullResponse | 'bad_cursor';
}

/** Every page from `cursor` on, `limit` users a page: the users in order, and each page's count of what was left. */
async function pullAll(source: Pulls, cursor: string | null, limit: number): Promise<{ users: unknown[]; remaining: number[]; cursor: string }> {
  const users: unknown[] = [];
  const remaining: number[] = [];
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await source.pull(cursor, limit);
    if (page === 'bad_cursor') throw new Error(`bad cursor ${cursor}`);
    users.push(...page.users);
    remaining.push(page.remaining);
    cursor = page.cursor;
    if (!page.hasMore) return { users, remaining, cursor };
  }
  throw new Error('the pull never ended');
}

describe.each(databases)('the sync server on $name', ({ open, isAvailable }) => {
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

  const adminOf = (data: SyncDatabase): Admin => data.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
  const plainIds = (count: number) =>
    demo.bundles
      .filter((b) => b.user?.status === 'active' && !demo.organization.admins.some((a) => a.userId === b.id) && !demo.organization.communities.some((c) => c.adminIds.includes(b.id)))
      .slice(0, count)
      .map((b) => b.id);

  it.skipIf(!isAvailable)(`answers as the roster in memory does over ${RUNS} random runs of pushes from two devices, some failing part way, the change log folded now and then`, async () => {
    let failures = 0;
    let folds = 0;
    let replays = 0;
    let applied = 0;
    let imports = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            device: fc.integer({ min: 0, max: 1 }),
            kinds: fc.array(fc.constantFrom('deactivate' as const, 'reactivate' as const, 'delete' as const, 'import' as const), { minLength: 1, maxLength: 4 }),
            picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
            // A push's transaction has four statements: a quarter of pushes fail at one of them.
            failAt: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 2 }),
            replay: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
            // Then the change log folded into users: not at all (most often: later pushes meet it), a row, or whole.
            fold: fc.constantFrom('none' as const, 'none' as const, 'step' as const, 'all' as const),
            pageSize: fc.integer({ min: 1, max: 60 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        async (steps) => {
          await emptied();
          const failing = new FailingDatabase(db);
          const data = await SyncDatabase.open({ db: failing, initial: () => structuredClone(demo), foldInBackground: false });
          let model = new ServerRoster(structuredClone(demo));
          // A few users, each picked often: operations meet the users earlier ones changed, folded or not.
          const ids = demo.bundles.filter((b) => b.user).map((b) => b.id).slice(0, 30);
          const admin = adminOf(data);
          const seqs = [0, 0];
          let opCount = 0;
          let last: { clientId: string; operations: PushOperation[] } | null = null;
          const userRow = (id: string, n: number, pickedIds: string[]) => {
            // An existing user moved under another (or no) manager, given a new email or one another holds; or a new user.
            const held = model.bundle(id)?.user;
            const other = model.bundle(pickedIds[(n + 1) % pickedIds.length]!)?.user;
            const email = n % 3 === 0 && other ? other.email.toUpperCase() : `user-${opCount}-${n}@example.com`;
            const managerId = n % 4 === 3 ? null : (pickedIds[(n + 2) % pickedIds.length] ?? null);
            const base = held ?? { id: `NEW-${opCount}-${n}`, firstName: 'N', lastName: 'New', status: 'active' as const, customFields: {}, lastLoginAt: null, createdAt: '2026-11-01T00:00:00.000Z', deactivatedAt: null, deactivatedBy: null };
            return { ...base, email, managerId: managerId === base.id ? null : managerId };
          };
          for (const step of steps) {
            const clientId = `device-${step.device}`;
            const operations = step.kinds.map((kind, k) => {
              const picked = [...new Set(step.picks.slice(k).map((n) => ids[n % ids.length]!))];
              const id = `op-${++opCount}`;
              const seq = ++seqs[step.device]!;
              if (kind !== 'import') return operation(kind, id, seq, picked);
              imports++;
              const rows = picked.map((userId, n) => userRow(n % 2 === 1 ? `NEW-${userId}` : userId, n, picked));
              return { id, seq, kind, userIds: rows.map((r) => r.id), seen: {}, createdAt: '2026-11-20T10:00:00.000Z', args: { recordKind: 'users', rows, presentColumns: USER_COLUMNS, importId: id, fileName: 'users.csv', lastRow: rows.length + 1, newCustomFields: [] } } as PushOperation;
            });
            const push: { clientId: string; operations: PushOperation[] } = step.replay && last ? last : { clientId, operations };
            if (push === last) replays++;
            const request = { protocol: SYNC_PROTOCOL_VERSION, ...push };
            const revisionBefore = model.revision;
            const modelBefore = model.snapshot();
            const expected = model.push(request, admin);
            if (!expected.ok) throw new Error(expected.message);
            failing.failAt = step.failAt;
            let didFail = false;
            try {
              const outcome = await data.push(request, admin);
              if (!outcome.ok) throw new Error(outcome.message);
              // Every result as the model gives it: statuses, rejections, the users sent back.
              expect(outcome.results).toEqual(expected.results);
              applied += outcome.commits.length;
            } catch (error) {
              if (!String(error).includes('(test)')) throw error;
              didFail = true;
              failures++;
              // A failed write stores nothing, and the server keeps nothing of it: the model neither.
              model = new ServerRoster(structuredClone(modelBefore));
            }
            // A push that wrote nothing (all replays) left the failure armed: not for the fold's transaction.
            failing.failAt = null;
            if (step.fold === 'step' && (await data.foldStep())) folds++;
            if (step.fold === 'all') {
              await data.fold();
              expect(await data.changeRows()).toBe(0);
              expect(data.unfoldedUsers).toBe(0);
              folds++;
            }
            const expectedState = comparable(model.snapshot());
            expect(comparable(await data.snapshot())).toEqual(expectedState);
            expect(data.counts()).toEqual(countsOf(model.snapshot()));
            // A whole pull in pages, and a pull of what this step changed, user for user as the model's.
            const whole = await pullAll(data, null, step.pageSize);
            const modelWhole = await pullAll(model, null, step.pageSize);
            expect(whole.users).toEqual(modelWhole.users);
            expect(whole.remaining[0]).toBe(modelWhole.remaining[0]);
            expect(whole.cursor).toBe(modelWhole.cursor);
            if (!didFail) expect(await pullAll(data, String(revisionBefore), step.pageSize)).toEqual(await pullAll(model, String(revisionBefore), step.pageSize));
            // A restarted server reads the same state and counts from the database.
            const reread = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
            expect(comparable(await reread.snapshot())).toEqual(expectedState);
            expect(reread.counts()).toEqual(data.counts());
            last = push;
          }
        },
      ),
      { numRuns: RUNS, seed: 20261204 },
    );
    // The runs did fail part way, replay pushes, import, and apply operations.
    expect(failures).toBeGreaterThan(RUNS / 4);
    expect(replays).toBeGreaterThan(RUNS / 4);
    expect(imports).toBeGreaterThan(RUNS);
    expect(applied).toBeGreaterThan(RUNS);
    expect(folds).toBeGreaterThan(RUNS / 2);
  }, 300_000);

  it.skipIf(!isAvailable)('a push replayed after its answer was lost gets its first answer again, from the database, and changes nothing', async () => {
    await emptied();
    const data = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
    const [userId] = plainIds(1);
    const request = { protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: [operation('deactivate', 'op-1', 1, [userId!])] };
    const first = await data.push(request, adminOf(data));
    if (!first.ok) throw new Error(first.message);
    // The server restarts: everything it knows now comes from the database.
    const restarted = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
    const replay = await restarted.push(request, adminOf(restarted));
    if (!replay.ok) throw new Error(replay.message);
    expect(replay.commits).toEqual([]);
    expect(replay.results).toEqual(first.results);
    expect((await restarted.bundle(userId!))!.user!.status).toBe('inactive');
    expect(restarted.revision).toBe(data.revision);
  });

  it.skipIf(!isAvailable)('folds a push’s log rows into the users in the background, the state unchanged', async () => {
    await emptied();
    const data = await SyncDatabase.open({ db, initial: () => structuredClone(demo) });
    const userIds = plainIds(5);
    const outcome = await data.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: userIds.map((id, i) => operation('deactivate', `op-${i}`, i + 1, [id])) }, adminOf(data));
    if (!outcome.ok) throw new Error(outcome.message);
    expect(await data.changeRows()).toBeGreaterThan(0);
    expect(data.unfoldedUsers).toBe(new Set(outcome.commits.flatMap((c) => c.bundles.map((b) => b.id))).size);
    // Folded by itself a second after the push; the layer in memory empties with it.
    await expect.poll(() => data.changeRows(), { timeout: 20_000, interval: 200 }).toBe(0);
    expect(data.unfoldedUsers).toBe(0);
    const [{ count }] = (await db.query<{ count: number }>('select count(*)::int as count from users')) as [{ count: number }];
    expect(count).toBe(demo.bundles.length);
    const reread = await SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false });
    expect(comparable(await reread.snapshot())).toEqual(comparable(await data.snapshot()));
  });

  it.skipIf(!isAvailable)('imports a previous server’s files once, the commits after its snapshot replayed and a torn last line dropped', async () => {
    await emptied();
    const directory = await mkdtemp(join(tmpdir(), 'offboard-legacy-'));
    try {
      // The previous server's files: a snapshot, then a commit of one deactivation and a line cut short.
      const source = new ServerRoster(structuredClone(demo));
      const admin = source.organizationState.admins.find((a) => a.permissions.includes('manage_users'))!;
      const snapshot = source.snapshot();
      const [userId] = plainIds(1);
      const outcome = source.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: [operation('deactivate', 'op-1', 1, [userId!])] }, admin);
      if (!outcome.ok) throw new Error(outcome.message);
      const commits: SyncCommit[] = outcome.commits;
      await writeFile(join(directory, 'snapshot.json'), JSON.stringify(snapshot));
      await writeFile(join(directory, 'commits.jsonl'), `${commits.map((c) => JSON.stringify(c)).join('\n')}\n{"revision":`);

      const imported = await SyncDatabase.open({ db, initial: () => structuredClone(demoSnapshot(10)), legacyDirectory: directory, foldInBackground: false });
      expect(comparable(await imported.snapshot())).toEqual(comparable(source.snapshot()));
      expect(imported.counts()).toEqual(countsOf(source.snapshot()));
      expect((await readdir(directory)).sort()).toEqual(['commits.jsonl.imported', 'snapshot.json.imported']);
      // Opened again, it reads the database, not the files (renamed, and not read twice).
      const reopened = await SyncDatabase.open({ db, initial: () => structuredClone(demoSnapshot(10)), legacyDirectory: directory, foldInBackground: false });
      expect(comparable(await reopened.snapshot())).toEqual(comparable(source.snapshot()));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it.skipIf(!isAvailable)('gives rows written before version 2 their manager, email, status and licenses from their bundles', async () => {
    await emptied();
    // A database of version 1 with the demo folded into users, as the previous release left it.
    const [first] = syncMigrations(async () => {});
    await migrate(db, [first!]);
    await db.query(`insert into sync_state (id, revision, organization) values (1, 1, $1)`, [JSON.stringify(demo.organization)]);
    const { deflateRawSync } = await import('node:zlib');
    for (const bundle of demo.bundles) {
      await db.query(`insert into users (id, revision, bundle) values ($1, $2, $3)`, [bundle.id, bundle.revision, deflateRawSync(JSON.stringify(bundle)).toString('base64')]);
    }
    const data = await SyncDatabase.open({ db, initial: () => structuredClone(demoSnapshot(10)), foldInBackground: false });
    expect(data.counts()).toEqual(countsOf(demo));
    // A manager's reports and an email's holder come from the new columns: a push that needs them decides as the model does.
    const model = new ServerRoster(structuredClone(demo));
    const manager = demo.bundles.find((b) => b.user?.status === 'active' && demo.bundles.some((r) => r.user?.managerId === b.id) && !demo.organization.admins.some((a) => a.userId === b.id))!;
    const request = { protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations: [operation('deactivate', 'op-1', 1, [manager.id])] };
    const outcome = await data.push(request, adminOf(data));
    const expected = model.push(request, adminOf(data));
    if (!outcome.ok || !expected.ok) throw new Error('refused');
    expect(outcome.results).toEqual(expected.results);
    expect(comparable(await data.snapshot())).toEqual(comparable(model.snapshot()));
  });

  it.skipIf(!isAvailable)('refuses a database of a newer version than it knows, saying so, and changes nothing', async () => {
    await emptied();
    const migrations = syncMigrations(async () => {});
    await migrate(db, migrations);
    const latest = migrations.at(-1)!.version;
    await db.query(`insert into schema_migrations (version, name) values ($1, 'from a newer server')`, [latest + 1]);
    await expect(SyncDatabase.open({ db, initial: () => structuredClone(demo), foldInBackground: false })).rejects.toThrow(`holds a sync database of version ${latest + 1}; this server knows versions up to ${latest}`);
    const [state] = await db.query<{ count: number }>('select count(*)::int as count from sync_state');
    expect(state!.count).toBe(0);
  });
});
