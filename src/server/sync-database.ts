/**
 * The reference server's storage in PostgreSQL (src/server/sql/): the organization, every user as a
 * bundle at the revision of its last change, each device's last applied sequence number and every
 * operation's result. A push's commits are written in one transaction, the effects, the results and the
 * device's sequence number together: a push is answered only once that transaction committed, so a crash
 * before it loses nothing acknowledged, and a replay after it is answered from the database, changing
 * nothing (the device's sequence number and the operation's id are there).
 *
 * The rules still run on the roster held in memory (src/core/sync/server-roster.ts), read from the
 * database at start; a commit that fails to write puts the memory back as the database holds it.
 *
 * A data directory written by the previous server (a snapshot file and a file of commits after it) is
 * imported once, in one transaction, then its files are renamed (`*.imported`) so that nothing reads
 * them again.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerRoster, type ServerSnapshot, type SyncCommit } from '../core/sync/server-roster.ts';
import type { OperationResult, OrganizationState, SyncLimits } from '../core/sync/sync-protocol.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import type { SqlDatabase, SqlExecutor } from './sql/sql-database.ts';
import { migrate } from './sql/sync-migrations.ts';
import { LEGACY_COMMITS_FILE, LEGACY_SNAPSHOT_FILE, readLegacySnapshot } from './legacy-sync-files.ts';

/** Users written per statement: one statement of arrays (`unnest`) costs about what one row does. */
const USERS_PER_STATEMENT = 5_000;
/** Results kept for replays, the newest: as many as the roster in memory keeps. */
const KEPT_RESULTS = 20_000;

export interface SyncDatabaseOptions {
  db: SqlDatabase;
  /** The first state of a database that holds none (the demo organization). */
  initial: () => ServerSnapshot;
  limits?: SyncLimits;
  /** Where a previous server's files may be, to import once. */
  legacyDirectory?: string;
}

export class SyncDatabase {
  private constructor(
    readonly db: SqlDatabase,
    public roster: ServerRoster,
    private readonly limits: SyncLimits | undefined,
  ) {}

  static async open(options: SyncDatabaseOptions): Promise<SyncDatabase> {
    const { db } = options;
    await migrate(db);
    const [state] = await db.query<{ revision: number }>(`select revision from sync_state where id = 1`);
    if (!state) {
      const legacy = options.legacyDirectory && existsSync(join(options.legacyDirectory, LEGACY_SNAPSHOT_FILE)) ? options.legacyDirectory : null;
      const snapshot = legacy ? await readLegacySnapshot(legacy, options.limits) : options.initial();
      await db.transaction((tx) => writeSnapshot(tx, snapshot));
      if (legacy) {
        for (const file of [LEGACY_SNAPSHOT_FILE, LEGACY_COMMITS_FILE]) {
          const path = join(legacy, file);
          if (existsSync(path)) await rename(path, `${path}.imported`);
        }
      }
    }
    return new SyncDatabase(db, new ServerRoster(await readSnapshot(db), options.limits), options.limits);
  }

  /**
   * Writes a push's commits in one transaction. If it fails, nothing of them is stored and the roster in
   * memory, which took them already, is read again from the database.
   */
  async append(commits: readonly SyncCommit[]): Promise<void> {
    if (commits.length === 0) return;
    try {
      await this.db.transaction((tx) => writeCommits(tx, commits));
    } catch (error) {
      this.roster = new ServerRoster(await readSnapshot(this.db), this.limits);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

async function writeUsers(tx: SqlExecutor, bundles: readonly UserBundle[]): Promise<void> {
  for (let start = 0; start < bundles.length; start += USERS_PER_STATEMENT) {
    const page = bundles.slice(start, start + USERS_PER_STATEMENT);
    await tx.query(
      `insert into users (id, revision, bundle)
       select * from unnest($1::text[], $2::bigint[], $3::jsonb[])
       on conflict (id) do update set revision = excluded.revision, bundle = excluded.bundle`,
      [page.map((b) => b.id), page.map((b) => b.revision), page.map((b) => JSON.stringify(b))],
    );
  }
}

async function writeResults(tx: SqlExecutor, rows: readonly { revision: number; clientId: string; result: OperationResult }[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into commits (revision, client_id, seq, operation_id, result)
     select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[])`,
    [rows.map((r) => r.revision), rows.map((r) => r.clientId), rows.map((r) => r.result.seq), rows.map((r) => r.result.id), rows.map((r) => JSON.stringify(r.result))],
  );
}

async function writeClients(tx: SqlExecutor, clients: ReadonlyMap<string, number>): Promise<void> {
  if (clients.size === 0) return;
  await tx.query(
    `insert into clients (client_id, last_seq) select * from unnest($1::text[], $2::bigint[])
     on conflict (client_id) do update set last_seq = greatest(clients.last_seq, excluded.last_seq)`,
    [[...clients.keys()], [...clients.values()]],
  );
}

async function writeSnapshot(tx: SqlExecutor, snapshot: ServerSnapshot): Promise<void> {
  await tx.query(`insert into sync_state (id, revision, organization) values (1, $1, $2)`, [snapshot.revision, JSON.stringify(snapshot.organization)]);
  await writeUsers(tx, snapshot.bundles);
  await writeClients(tx, new Map(Object.entries(snapshot.clients)));
  await writeResults(
    tx,
    snapshot.results.map((result) => ({ revision: result.revision, clientId: '', result })),
  );
}

async function writeCommits(tx: SqlExecutor, commits: readonly SyncCommit[]): Promise<void> {
  // A user changed by two operations of the push is written as the last one left them.
  const users = new Map<string, UserBundle>();
  for (const commit of commits) for (const bundle of commit.bundles) users.set(bundle.id, bundle);
  await writeUsers(tx, [...users.values()]);
  const organization = commits.findLast((c) => c.organization !== null)?.organization ?? null;
  const revision = Math.max(...commits.map((c) => c.revision));
  await tx.query(
    `update sync_state set revision = greatest(revision, $1), organization = coalesce($2::jsonb, organization) where id = 1`,
    [revision, organization === null ? null : JSON.stringify(organization)],
  );
  const clients = new Map<string, number>();
  for (const commit of commits) if (commit.clientId) clients.set(commit.clientId, Math.max(clients.get(commit.clientId) ?? 0, commit.seq));
  await writeClients(tx, clients);
  await writeResults(
    tx,
    commits.map((c) => ({ revision: c.revision, clientId: c.clientId, result: c.result })),
  );
}

/** Everything the roster in memory starts from. */
async function readSnapshot(db: SqlExecutor): Promise<ServerSnapshot> {
  const [state] = await db.query<{ revision: number; organization: OrganizationState }>(`select revision, organization from sync_state where id = 1`);
  if (!state) throw new Error('The sync database holds no organization.');
  const bundles: UserBundle[] = [];
  // Read by keyset in pages: one result of every user would be held twice (rows and bundles) at once.
  let after = '';
  for (;;) {
    const rows = await db.query<{ id: string; bundle: UserBundle }>(`select id, bundle from users where id > $1 order by id limit $2`, [after, USERS_PER_STATEMENT]);
    for (const row of rows) bundles.push(row.bundle);
    if (rows.length < USERS_PER_STATEMENT) break;
    after = rows[rows.length - 1]!.id;
  }
  const clients = await db.query<{ client_id: string; last_seq: number }>(`select client_id, last_seq from clients`);
  const results = await db.query<{ result: OperationResult }>(`select result from (select position, result from commits order by position desc limit $1) newest order by position`, [KEPT_RESULTS]);
  return {
    revision: state.revision,
    organization: state.organization,
    bundles,
    clients: Object.fromEntries(clients.map((c) => [c.client_id, c.last_seq])),
    results: results.map((r) => r.result),
  };
}
