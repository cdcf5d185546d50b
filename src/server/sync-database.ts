/**
 * The reference server's storage in PostgreSQL (src/server/sql/): the organization, every user as a
 * bundle at the revision of its last change, each device's last applied sequence number and every
 * operation's result. A push's commits are written in one transaction, the effects, the results and the
 * device's sequence number together: a push is answered only once that transaction committed, so a crash
 * before it loses nothing acknowledged, and a replay after it is answered from the database, changing
 * nothing (the device's sequence number and the operation's id are there).
 *
 * A push writes the bundles it changed as a few rows of a change log (`user_changes`: up to a thousand
 * compressed bundles a row), not a row per user: what a push costs is the bytes the database takes, and
 * a row per user's JSON cost seconds per ten thousand users (measured: `sync_push_10k_ms` 2.1–3.0 s on
 * the file store, 10.5 s with a row per user). A background step folds the oldest log row into `users`
 * (a compressed bundle per user, at its last revision) in a transaction of its own, a second after a
 * push, a row at a time so that requests go in between.
 * Reading the state back takes `users`, then the log rows in order over them.
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
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ServerRoster, type ServerSnapshot, type SyncCommit } from '../core/sync/server-roster.ts';
import type { OperationResult, OrganizationState, SyncLimits } from '../core/sync/sync-protocol.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import type { SqlDatabase, SqlExecutor } from './sql/sql-database.ts';
import { migrate } from './sql/sync-migrations.ts';
import { LEGACY_COMMITS_FILE, LEGACY_SNAPSHOT_FILE, readLegacySnapshot } from './legacy-sync-files.ts';

/** Bundles per row of the change log, and per statement of a fold or a read. */
const BUNDLES_PER_ROW = 1_000;
/** Time after a push before its log rows are folded: a push that follows soon writes first. */
const FOLD_DELAY_MS = 1_000;
/** Results kept for replays, the newest: as many as the roster in memory keeps. */
const KEPT_RESULTS = 20_000;

export interface SyncDatabaseOptions {
  db: SqlDatabase;
  /** The first state of a database that holds none (the demo organization). */
  initial: () => ServerSnapshot;
  limits?: SyncLimits;
  /** Where a previous server's files may be, to import once. */
  legacyDirectory?: string;
  /** False: the change log is folded only when `fold` or `foldStep` is called (tests that drive it). */
  foldInBackground?: boolean;
}

export class SyncDatabase {
  private foldTimer: ReturnType<typeof setTimeout> | null = null;
  private folding: Promise<void> | null = null;
  private isFoldDueAfter = false;
  private closed = false;

  private constructor(
    readonly db: SqlDatabase,
    public roster: ServerRoster,
    private readonly limits: SyncLimits | undefined,
    private readonly foldInBackground: boolean,
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
    const data = new SyncDatabase(db, new ServerRoster(await readSnapshot(db), options.limits), options.limits, options.foldInBackground ?? true);
    data.scheduleFold();
    return data;
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
    this.scheduleFold();
  }

  /**
   * Folds the oldest row of the change log into `users`, in a transaction of its own; whether a row was
   * folded. A user's bundle is replaced only by a newer revision of it.
   */
  async foldStep(): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ position: number; bundles: string }>(`select position, bundles from user_changes order by position limit 1`);
      if (!row) return false;
      const latest = new Map<string, UserBundle>();
      for (const bundle of unpacked<UserBundle[]>(row.bundles)) latest.set(bundle.id, bundle);
      const bundles = [...latest.values()];
      const params: unknown[] = [];
      const values: string[] = [];
      for (const bundle of bundles) {
        params.push(bundle.id, bundle.revision, packed(bundle));
        values.push(`($${params.length - 2}, $${params.length - 1}::bigint, $${params.length})`);
      }
      await tx.query(
        `insert into users (id, revision, bundle) values ${values.join(',')}
         on conflict (id) do update set revision = excluded.revision, bundle = excluded.bundle where users.revision <= excluded.revision`,
        params,
      );
      await tx.query(`delete from user_changes where position = $1`, [row.position]);
      return true;
    });
  }

  /** Folds the whole change log now (what the background does step by step), for tests. */
  async fold(): Promise<void> {
    await this.folding;
    while (await this.foldStep()) {
      // A transaction per row: a push may go in between.
    }
  }

  /** How many rows of the change log wait to be folded. */
  async changeRows(): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(`select count(*)::int as count from user_changes`);
    return row?.count ?? 0;
  }

  private scheduleFold(): void {
    // A fold already due takes the new rows too: pushes that never pause never postpone it. One under way
    // may have found the log empty just before them: it schedules another when it ends.
    if (this.closed || !this.foldInBackground || this.foldTimer !== null) return;
    if (this.folding) {
      this.isFoldDueAfter = true;
      return;
    }
    this.foldTimer = setTimeout(() => {
      this.foldTimer = null;
      if (this.folding || this.closed) return;
      this.folding = (async () => {
        // A step at a time, each a transaction, the event loop free in between: requests go first.
        while (!this.closed && (await this.foldStep())) await new Promise((resolve) => setTimeout(resolve, 0));
      })()
        .catch(() => {
          // A database gone away: the log stays and is read whole; the next push schedules a fold again.
        })
        .finally(() => {
          this.folding = null;
          if (this.isFoldDueAfter) {
            this.isFoldDueAfter = false;
            this.scheduleFold();
          }
        });
    }, FOLD_DELAY_MS);
    // Only the fold's own timer: it never keeps the process alive.
    this.foldTimer.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.foldTimer !== null) clearTimeout(this.foldTimer);
    await this.folding;
    await this.db.close();
  }
}

/**
 * JSON compressed, as base64 text: what the tables hold of bundles. Text, not bytea: PGlite takes a
 * bytea parameter at about a fifteenth of the speed of text (measured: 27 MB in 11.1 s as bytea, 1.6 s
 * as base64 text; read back 3.0 s and 0.2 s).
 */
function packed(value: unknown): string {
  return deflateRawSync(JSON.stringify(value), { level: 1 }).toString('base64');
}

function unpacked<T>(text: string): T {
  return JSON.parse(inflateRawSync(Buffer.from(text, 'base64')).toString('utf8')) as T;
}

/** Bundles as rows of the change log, a thousand a row, in the order given. */
async function writeChanges(tx: SqlExecutor, bundles: readonly UserBundle[]): Promise<void> {
  if (bundles.length === 0) return;
  const params: unknown[] = [];
  const values: string[] = [];
  for (let start = 0; start < bundles.length; start += BUNDLES_PER_ROW) {
    const piece = bundles.slice(start, start + BUNDLES_PER_ROW);
    params.push(Math.max(...piece.map((b) => b.revision)), packed(piece));
    values.push(`($${params.length - 1}::bigint, $${params.length})`);
  }
  await tx.query(`insert into user_changes (revision, bundles) values ${values.join(',')}`, params);
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
  await writeChanges(tx, snapshot.bundles);
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
  await writeChanges(tx, [...users.values()]);
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
  const latest = new Map<string, UserBundle>();
  // Read by keyset in pages: one result of every user would be held twice (rows and bundles) at once.
  let after = '';
  for (;;) {
    const rows = await db.query<{ id: string; bundle: string }>(`select id, bundle from users where id > $1 order by id limit $2`, [after, BUNDLES_PER_ROW]);
    for (const row of rows) latest.set(row.id, unpacked<UserBundle>(row.bundle));
    if (rows.length < BUNDLES_PER_ROW) break;
    after = rows[rows.length - 1]!.id;
  }
  // Then the log not folded yet, oldest first, over them.
  let position = 0;
  for (;;) {
    const [row] = await db.query<{ position: number; bundles: string }>(`select position, bundles from user_changes where position > $1 order by position limit 1`, [position]);
    if (!row) break;
    for (const bundle of unpacked<UserBundle[]>(row.bundles)) {
      const held = latest.get(bundle.id);
      if (!held || held.revision <= bundle.revision) latest.set(bundle.id, bundle);
    }
    position = row.position;
  }
  const bundles = [...latest.values()];
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
