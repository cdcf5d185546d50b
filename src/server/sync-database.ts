/**
 * The reference server over its PostgreSQL database (src/server/sql/): the organization, every user as a
 * bundle at the revision of its last change, each device's last applied sequence number and every
 * operation's result. It holds no roster in memory: a push reads the users its operations look at
 * (push-working-set.ts), a pull reads its page by keyset on (revision, id), and what the rules count
 * across the roster (active users, licenses in use) is kept as running totals.
 *
 * A push is evaluated and written in one transaction, the effects, the results and the device's sequence
 * number together, and answered only once that committed: a crash before loses nothing acknowledged, and a
 * replay after is answered from the database, changing nothing. Pushes run one at a time, each against
 * the state the one before left.
 *
 * A push writes the bundles it changed as a few rows of a change log (`user_changes`: up to a thousand
 * compressed bundles a row), not a row per user: a row per user's JSON cost seconds per ten thousand users
 * (measured: `sync_push_10k_ms` 2.1–3.0 s on the earlier file store, 10.5 s with a row per user). The
 * server keeps the log's bundles in memory as a layer over `users` (bounded: a background step folds the
 * oldest row into `users` in a transaction of its own, a row at a time, once requests pause; see
 * FOLD_IDLE_MS). A fold waits for pushes and pulls under way, and they for it: each reads the
 * layer and the table as one state.
 *
 * A data directory written by the previous server (a snapshot file and a file of commits after it) is
 * imported once, in one transaction, then its files are renamed (`*.imported`) so that nothing reads
 * them again.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BundleLayer } from '../core/sync/bundle-layer.ts';
import { contributionOf, inUseMethodologies, refusalOfPush, replayedResult, type SyncCommit } from '../core/sync/evaluate-server-operation.ts';
import { DEFAULT_SYNC_LIMITS, isAfter, parseCursor, type PullCursor, type PushOutcome, type ServerSnapshot } from '../core/sync/server-roster.ts';
import type { Admin } from '../core/roster-types.ts';
import type { OperationResult, OrganizationState, PullResponse, PushRequest, SyncLimits } from '../core/sync/sync-protocol.ts';
import type { ServerSeed } from '../core/sync/server-snapshot-of-roster.ts';
import { withEveryRecordList, type UserBundle } from '../core/sync/user-bundle.ts';
import type { SqlDatabase, SqlExecutor } from './sql/sql-database.ts';
import { migrate, syncMigrations } from './sql/sync-migrations.ts';
import { LEGACY_COMMITS_FILE, LEGACY_SNAPSHOT_FILE, readLegacySnapshot } from './legacy-sync-files.ts';
import { PushWorkingSet, type StoredUsersReader } from './push-working-set.ts';
import { ReadWriteGate } from './read-write-gate.ts';

/** Bundles per row of the change log, and rows per statement of a fold, a seed or a read. */
const BUNDLES_PER_ROW = 1_000;
/**
 * The log is folded once no push or pull came for this long: a fold step takes the database for 0.1–0.3 s
 * (measured here), and folds run during a device's pulls made them take a third longer.
 */
const FOLD_IDLE_MS = 1_000;
/** …or, requests never pausing, once the oldest unfolded push waited this long, or the layer holds this many users. */
const FOLD_LONGEST_WAIT_MS = 30_000;
const FOLD_AT_USERS = 100_000;
/** Results read back for `snapshot`, the newest: as many as the roster in memory keeps. */
const KEPT_RESULTS = 20_000;

export interface SyncDatabaseOptions {
  db: SqlDatabase;
  /** The first state of a database that holds none (the demo organization). */
  initial: () => ServerSnapshot | ServerSeed;
  limits?: SyncLimits;
  /** Where a previous server's files may be, to import once. */
  legacyDirectory?: string;
  /** False: the change log is folded only when `fold` or `foldStep` is called (tests that drive it). */
  foldInBackground?: boolean;
  /**
   * Called at the points a crash tests the most (tests kill the process there): a push's writes sent and
   * not committed, and committed and not answered. A real deployment passes none.
   */
  faultPoint?: (point: 'before_commit' | 'after_commit') => void;
}

export class SyncDatabase {
  private revisionValue: number;
  private org: OrganizationState;
  private readonly clients: Map<string, number>;
  /** Committed bundles not folded into `users` yet: the change log's, newest per user. */
  private readonly unfolded: BundleLayer;
  private activeUsers: number;
  private readonly licensesInUse: Map<string, number>;
  private readonly gate = new ReadWriteGate();
  private pushes: Promise<unknown> = Promise.resolve();
  private foldTimer: ReturnType<typeof setTimeout> | null = null;
  private folding: Promise<void> | null = null;
  private isFoldDueAfter = false;
  /** When a push or pull last started or ended, and since when the log waits to be folded (null: it does not). */
  private lastActivityAt = 0;
  private foldDueSince: number | null = null;
  private closed = false;
  readonly limits: SyncLimits;

  private constructor(
    readonly db: SqlDatabase,
    state: LoadedState,
    limits: SyncLimits | undefined,
    private readonly foldInBackground: boolean,
    private readonly faultPoint: SyncDatabaseOptions['faultPoint'],
  ) {
    this.revisionValue = state.revision;
    this.org = state.organization;
    this.clients = state.clients;
    this.unfolded = state.unfolded;
    this.activeUsers = state.activeUsers;
    this.licensesInUse = state.licensesInUse;
    this.limits = limits ?? DEFAULT_SYNC_LIMITS;
  }

  static async open(options: SyncDatabaseOptions): Promise<SyncDatabase> {
    const { db } = options;
    await migrate(db, syncMigrations(backfillUserColumns));
    const [state] = await db.query<{ revision: number }>(`select revision from sync_state where id = 1`);
    if (!state) {
      const legacy = options.legacyDirectory && existsSync(join(options.legacyDirectory, LEGACY_SNAPSHOT_FILE)) ? options.legacyDirectory : null;
      const seed = legacy ? await readLegacySnapshot(legacy, options.limits) : options.initial();
      await db.transaction((tx) => writeSeed(tx, seed));
      if (legacy) {
        for (const file of [LEGACY_SNAPSHOT_FILE, LEGACY_COMMITS_FILE]) {
          const path = join(legacy, file);
          if (existsSync(path)) await rename(path, `${path}.imported`);
        }
      }
    }
    const data = new SyncDatabase(db, await loadState(db), options.limits, options.foldInBackground ?? true, options.faultPoint);
    data.scheduleFold();
    return data;
  }

  get revision(): number {
    return this.revisionValue;
  }

  get organizationState(): OrganizationState {
    return this.org;
  }

  adminOf(userId: string): Admin | undefined {
    return this.org.admins.find((a) => a.userId === userId);
  }

  /** The device's last applied sequence number, 0 for one never seen. */
  lastSeqOf(clientId: string): number {
    return this.clients.get(clientId) ?? 0;
  }

  /**
   * Applies a push: refused whole (nothing changes) when malformed or from an admin without manage_users;
   * otherwise every operation gets a result, in order, replays their first one again, and what the push
   * changed is committed before this resolves. If the commit fails, nothing of the push is stored or
   * kept, and this rejects.
   */
  push(request: PushRequest, admin: Admin): Promise<PushOutcome> {
    const refusal = refusalOfPush(request, admin, this.limits);
    if (refusal) return Promise.resolve(refusal);
    this.noteActivity();
    const run = this.pushes.then(() => this.gate.read(() => this.applyPush(request, admin))).finally(() => this.noteActivity());
    this.pushes = run.catch(() => undefined);
    return run;
  }

  private async applyPush(request: PushRequest, admin: Admin): Promise<PushOutcome> {
    const working = new PushWorkingSet(
      { revision: this.revisionValue, organization: this.org, unfolded: this.unfolded, activeUsers: this.activeUsers, licensesInUse: this.licensesInUse },
      this.reader(),
    );
    const earlier = await this.resultsOf(request.operations.map((op) => op.id));
    let lastSeq = this.lastSeqOf(request.clientId);
    const results: OperationResult[] = [];
    const commits: SyncCommit[] = [];
    for (const op of request.operations) {
      const first = earlier.get(op.id);
      if (first || op.seq <= lastSeq) {
        // A replay: the first answer again, nothing changed.
        results.push(first ?? replayedResult(op, working.revision));
        continue;
      }
      const commit = await working.evaluate(request.clientId, op, admin);
      working.apply(commit);
      earlier.set(op.id, commit.result);
      lastSeq = Math.max(lastSeq, op.seq);
      commits.push(commit);
      results.push(commit.result);
    }
    if (commits.length > 0) {
      try {
        await this.db.transaction(async (tx) => {
          await writeCommits(tx, commits);
          this.faultPoint?.('before_commit');
        });
      } catch (error) {
        // Whether it committed is not always known (a connection lost during COMMIT): the memory takes
        // what the database holds, and the push is answered with a failure its replay will resolve.
        await this.reload().catch(() => undefined);
        throw error;
      }
      this.faultPoint?.('after_commit');
      // Committed: the server's memory takes the push as the database now holds it.
      for (const commit of commits) for (const bundle of commit.bundles) this.unfolded.set(withEveryRecordList(bundle));
      this.revisionValue = working.revision;
      this.org = working.organization;
      this.activeUsers += working.activeDelta;
      for (const [id, delta] of working.licensesDelta) this.licensesInUse.set(id, (this.licensesInUse.get(id) ?? 0) + delta);
      this.clients.set(request.clientId, lastSeq);
      this.scheduleFold();
    }
    return { ok: true, results, commits };
  }

  /**
   * Changes since `cursorText`, at most `limit` users, oldest first: `users` by keyset on (revision, id),
   * merged with the unfolded layer (whose users' rows are older and skipped).
   */
  pull(cursorText: string | null, limit = this.limits.usersPerPull): Promise<PullResponse | 'bad_cursor'> {
    const cursor = parseCursor(cursorText);
    if (cursor === 'invalid' || (cursor && cursor.revision > this.revisionValue)) return Promise.resolve('bad_cursor');
    this.noteActivity();
    return this.gate.read(async () => {
      const layered = [...this.unfolded.values()].filter((b) => isAfter(b.revision, b.id, cursor)).sort(byKey);
      const users: UserBundle[] = [];
      let rows: StoredRow[] = [];
      let nextRow = 0;
      let rowKey: PullCursor | null = cursor;
      let isLastRowRead = false;
      let next = 0;
      // One user more than the page: whether more wait.
      while (users.length <= limit) {
        if (nextRow === rows.length && !isLastRowRead) {
          const read = await this.rowsAfter(rowKey, limit + 1);
          isLastRowRead = read.length < limit + 1;
          if (read.length > 0) rowKey = { revision: read.at(-1)!.revision, id: read.at(-1)!.id };
          rows = read.filter((row) => !this.unfolded.has(row.id));
          nextRow = 0;
          if (rows.length === 0 && !isLastRowRead) continue;
        }
        const row = rows[nextRow];
        const fromLayer = layered[next];
        if (!row && !fromLayer) break;
        if (row && (!fromLayer || compareKeys(row, fromLayer) < 0)) {
          users.push(unpackedBundle(row.bundle));
          nextRow++;
        } else {
          users.push(fromLayer!);
          next++;
        }
      }
      const hasMore = users.length > limit;
      if (hasMore) users.length = limit;
      // Counted on the first page of a pull, then carried by the cursor (pushes meanwhile may leave it a little off).
      const remaining = Math.max(cursor?.remaining ?? (await this.countAfter(cursor, layered.length)), users.length + (hasMore ? 1 : 0));
      const last = users.at(-1);
      const nextCursor = hasMore && last ? `${last.revision}~${remaining - users.length}:${last.id}` : String(this.revisionValue);
      const includesOrganization = !cursor || this.org.revision > cursor.revision || (cursor.id !== null && this.org.revision === cursor.revision);
      return { organization: includesOrganization ? this.org : null, users, cursor: nextCursor, hasMore, remaining: hasMore ? remaining : users.length };
    });
  }

  /** Reads again what the server keeps in memory, as the database holds it. */
  private async reload(): Promise<void> {
    const state = await loadState(this.db);
    this.revisionValue = state.revision;
    this.org = state.organization;
    this.clients.clear();
    for (const [id, seq] of state.clients) this.clients.set(id, seq);
    this.unfolded.replaceWith(state.unfolded);
    this.activeUsers = state.activeUsers;
    this.licensesInUse.clear();
    for (const [id, count] of state.licensesInUse) this.licensesInUse.set(id, count);
  }

  /** Users' bundles as they are now (tombstones for deleted ones), for tests and tools. */
  async bundles(ids: readonly string[]): Promise<Map<string, UserBundle>> {
    return this.gate.read(async () => {
      const found = new Map<string, UserBundle>();
      for (const bundle of await this.reader().bundlesOf(ids.filter((id) => !this.unfolded.has(id)))) found.set(bundle.id, bundle);
      for (const id of ids) {
        const layered = this.unfolded.get(id);
        if (layered) found.set(id, layered);
      }
      return found;
    });
  }

  async bundle(id: string): Promise<UserBundle | undefined> {
    return (await this.bundles([id])).get(id);
  }

  /** Everything the database holds, whole: for tests, which compare it with a roster in memory. */
  async snapshot(): Promise<ServerSnapshot> {
    return this.gate.read(async () => {
      const bundles = new Map<string, UserBundle>();
      let after = '';
      for (;;) {
        const rows = await this.db.query<{ id: string; bundle: string }>(`select id, bundle from users where id > $1 order by id limit $2`, [after, BUNDLES_PER_ROW]);
        for (const row of rows) bundles.set(row.id, unpackedBundle(row.bundle));
        if (rows.length < BUNDLES_PER_ROW) break;
        after = rows.at(-1)!.id;
      }
      for (const bundle of this.unfolded.values()) bundles.set(bundle.id, bundle);
      const results = await this.db.query<{ result: OperationResult }>(`select result from (select position, result from commits order by position desc limit $1) newest order by position`, [KEPT_RESULTS]);
      return {
        revision: this.revisionValue,
        organization: this.org,
        bundles: [...bundles.values()],
        clients: Object.fromEntries(this.clients),
        results: results.map((r) => r.result),
      };
    });
  }

  /** The roster-wide counts the rules read, as the server keeps them (tests compare them with a count). */
  counts(): { activeUsers: number; licensesInUse: Map<string, number> } {
    return { activeUsers: this.activeUsers, licensesInUse: new Map([...this.licensesInUse].filter(([, n]) => n !== 0)) };
  }

  /**
   * Folds the oldest row of the change log into `users`, in a transaction of its own; whether a row was
   * folded. A user's row is replaced only by a newer revision of it.
   */
  foldStep(): Promise<boolean> {
    return this.gate.write(async () => {
      const folded = await this.db.transaction(async (tx) => {
        const [row] = await tx.query<{ position: number; bundles: string }>(`select position, bundles from user_changes order by position limit 1`);
        if (!row) return null;
        const latest = new Map<string, UserBundle>();
        for (const bundle of unpacked<UserBundle[]>(row.bundles)) latest.set(bundle.id, bundle);
        await writeUsers(tx, [...latest.values()]);
        await tx.query(`delete from user_changes where position = $1`, [row.position]);
        return latest;
      });
      if (!folded) return false;
      // Their rows are now what the layer held, unless a later push changed them again.
      for (const bundle of folded.values()) if (this.unfolded.get(bundle.id)?.revision === bundle.revision) this.unfolded.delete(bundle.id);
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

  /** Users held in memory over the table, not folded yet. */
  get unfoldedUsers(): number {
    return this.unfolded.size;
  }

  private reader(): StoredUsersReader {
    const db = this.db;
    const read = async (where: string, values: readonly string[]) => {
      const rows = await db.query<{ bundle: string }>(`select bundle from users where ${where} = any($1::text[])`, [values]);
      return rows.map((row) => unpackedBundle(row.bundle));
    };
    return {
      bundlesOf: (ids) => read('id', ids),
      reportsOf: (managerIds) => read('manager_id', managerIds),
      holdersOf: (emails) => read('email_key', emails),
    };
  }

  private async resultsOf(operationIds: readonly string[]): Promise<Map<string, OperationResult>> {
    const rows = await this.db.query<{ result: OperationResult }>(`select result from commits where operation_id = any($1::text[])`, [operationIds]);
    return new Map(rows.map((row) => [row.result.id, row.result]));
  }

  private rowsAfter(cursor: PullCursor | null, limit: number): Promise<StoredRow[]> {
    if (!cursor) return this.db.query<StoredRow>(`select id, revision, bundle from users order by revision, id limit $1`, [limit]);
    if (cursor.id === null) return this.db.query<StoredRow>(`select id, revision, bundle from users where revision > $1 order by revision, id limit $2`, [cursor.revision, limit]);
    return this.db.query<StoredRow>(`select id, revision, bundle from users where (revision, id) > ($1, $2) order by revision, id limit $3`, [cursor.revision, cursor.id, limit]);
  }

  /**
   * Users changed after the cursor: the rows after it, less those the layer replaces (looked up by id,
   * not matched row by row against the layer's ids), plus the layer's own after it.
   */
  private async countAfter(cursor: PullCursor | null, layered: number): Promise<number> {
    const after = !cursor ? 'true' : cursor.id === null ? 'revision > $1' : '(revision, id) > ($1, $2)';
    const params = !cursor ? [] : cursor.id === null ? [cursor.revision] : [cursor.revision, cursor.id];
    const [rows] = await this.db.query<{ count: number }>(`select count(*)::int as count from users where ${after}`, params);
    let replaced = 0;
    if (this.unfolded.size > 0) {
      const [row] = await this.db.query<{ count: number }>(`select count(*)::int as count from users where id = any($${params.length + 1}::text[]) and ${after}`, [...params, [...this.unfolded.ids()]]);
      replaced = row?.count ?? 0;
    }
    return (rows?.count ?? 0) - replaced + layered;
  }

  private noteActivity(): void {
    this.lastActivityAt = performance.now();
  }

  /** Whether the fold should wait: requests came lately, and the log has not waited or grown too long. */
  private isFoldToWait(): boolean {
    const now = performance.now();
    const isBusy = now - this.lastActivityAt < FOLD_IDLE_MS;
    const hasWaitedLong = this.foldDueSince !== null && now - this.foldDueSince >= FOLD_LONGEST_WAIT_MS;
    return isBusy && !hasWaitedLong && this.unfolded.size < FOLD_AT_USERS;
  }

  private scheduleFold(): void {
    // One under way may have found the log empty just before new rows: it schedules another when it ends.
    if (this.closed || !this.foldInBackground || this.foldTimer !== null) return;
    this.foldDueSince ??= performance.now();
    if (this.folding) {
      this.isFoldDueAfter = true;
      return;
    }
    const wait = Math.max(0, FOLD_IDLE_MS - (performance.now() - this.lastActivityAt));
    this.foldTimer = setTimeout(() => {
      this.foldTimer = null;
      if (this.folding || this.closed) return;
      if (this.isFoldToWait()) return this.scheduleFold();
      this.folding = (async () => {
        // A step at a time, each a transaction, the event loop free in between: requests go first, and
        // once they come again the fold waits for the next pause.
        for (;;) {
          if (this.closed) return;
          if (this.isFoldToWait()) {
            this.isFoldDueAfter = true;
            return;
          }
          if (!(await this.foldStep())) break;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        this.foldDueSince = null;
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
    }, wait);
    // Only the fold's own timer: it never keeps the process alive.
    this.foldTimer.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.foldTimer !== null) clearTimeout(this.foldTimer);
    await this.folding;
    await this.pushes;
    await this.db.close();
  }
}

interface StoredRow {
  id: string;
  revision: number;
  bundle: string;
}

function compareKeys(a: { revision: number; id: string }, b: { revision: number; id: string }): number {
  return a.revision - b.revision || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function byKey(a: UserBundle, b: UserBundle): number {
  return compareKeys(a, b);
}

/**
 * JSON compressed, as base64 text: what the change log holds (a thousand bundles a row compress well).
 * Text, not bytea: PGlite takes a bytea parameter at about a fifteenth of the speed of text (measured:
 * 27 MB in 11.1 s as bytea, 1.6 s as base64 text; read back 3.0 s and 0.2 s). A user's row is plain JSON:
 * one bundle compresses poorly alone (about 2×), and inflating each took a pull page longer than reading
 * the larger text (measured at 100,000 users: a whole pull 2.8 s against 4.6 s, the seed 15 s against 19).
 */
function packed(value: unknown): string {
  return deflateRawSync(JSON.stringify(value), { level: 1 }).toString('base64');
}

function unpacked<T>(text: string): T {
  return JSON.parse(inflateRawSync(Buffer.from(text, 'base64')).toString('utf8')) as T;
}

/**
 * A user's row's bundle, with every record list (rows written before a kind existed lack its list). Rows
 * are JSON text; those of version 1 are compressed (base64, which never starts with a brace).
 */
function unpackedBundle(text: string): UserBundle {
  return withEveryRecordList(text.startsWith('{') ? (JSON.parse(text) as UserBundle) : unpacked<UserBundle>(text));
}

/** Users as rows of `users`, each with the columns the rules and pulls read; a newer revision wins. */
async function writeUsers(tx: SqlExecutor, bundles: readonly UserBundle[]): Promise<void> {
  for (let start = 0; start < bundles.length; start += BUNDLES_PER_ROW) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (const bundle of bundles.slice(start, start + BUNDLES_PER_ROW)) {
      const columns = userColumnsOf(bundle);
      params.push(bundle.id, bundle.revision, JSON.stringify(bundle), columns.managerId, columns.emailKey, columns.active, JSON.stringify(columns.licensesInUse));
      const n = params.length;
      values.push(`($${n - 6}, $${n - 5}::bigint, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::boolean, $${n}::jsonb)`);
    }
    await tx.query(
      `insert into users (id, revision, bundle, manager_id, email_key, active, licenses_in_use) values ${values.join(',')}
       on conflict (id) do update set revision = excluded.revision, bundle = excluded.bundle, manager_id = excluded.manager_id,
         email_key = excluded.email_key, active = excluded.active, licenses_in_use = excluded.licenses_in_use
       where users.revision <= excluded.revision`,
      params,
    );
  }
}

function userColumnsOf(bundle: UserBundle): { managerId: string | null; emailKey: string | null; active: boolean; licensesInUse: string[] } {
  const user = bundle.deleted ? null : bundle.user;
  if (!user) return { managerId: null, emailKey: null, active: false, licensesInUse: [] };
  return { managerId: user.managerId, emailKey: user.email.toLowerCase(), active: user.status === 'active', licensesInUse: inUseMethodologies(bundle.licenses ?? []) };
}

/** Migration 2: the new columns of rows folded before it, from their bundles, a thousand rows a statement. */
async function backfillUserColumns(tx: SqlExecutor): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await tx.query<{ id: string; bundle: string }>(`select id, bundle from users where id > $1 order by id limit $2`, [after, BUNDLES_PER_ROW]);
    if (rows.length === 0) return;
    const columns = rows.map((row) => ({ id: row.id, ...userColumnsOf(unpackedBundle(row.bundle)) }));
    await tx.query(
      `update users set manager_id = c.manager_id, email_key = c.email_key, active = c.active, licenses_in_use = c.licenses_in_use
       from json_to_recordset($1::json) as c(id text, manager_id text, email_key text, active boolean, licenses_in_use jsonb) where users.id = c.id`,
      [JSON.stringify(columns.map((c) => ({ id: c.id, manager_id: c.managerId, email_key: c.emailKey, active: c.active, licenses_in_use: c.licensesInUse })))],
    );
    after = rows.at(-1)!.id;
  }
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

/** A first state: its users straight into `users`, chunk by chunk. */
async function writeSeed(tx: SqlExecutor, seed: ServerSnapshot | ServerSeed): Promise<void> {
  await tx.query(`insert into sync_state (id, revision, organization) values (1, $1, $2)`, [seed.revision, JSON.stringify(seed.organization)]);
  const chunks = 'chunks' in seed ? seed.chunks : [seed.bundles];
  for (const chunk of chunks) await writeUsers(tx, chunk);
  await writeClients(tx, new Map(Object.entries(seed.clients)));
  await writeResults(
    tx,
    seed.results.map((result) => ({ revision: result.revision, clientId: '', result })),
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

interface LoadedState {
  revision: number;
  organization: OrganizationState;
  clients: Map<string, number>;
  unfolded: BundleLayer;
  activeUsers: number;
  licensesInUse: Map<string, number>;
}

/** What the server keeps in memory, read at start: no user's row, only counts and the unfolded log. */
async function loadState(db: SqlExecutor): Promise<LoadedState> {
  const [state] = await db.query<{ revision: number; organization: OrganizationState }>(`select revision, organization from sync_state where id = 1`);
  if (!state) throw new Error('The sync database holds no organization.');
  const unfolded = new BundleLayer();
  let position = 0;
  for (;;) {
    const [row] = await db.query<{ position: number; bundles: string }>(`select position, bundles from user_changes where position > $1 order by position limit 1`, [position]);
    if (!row) break;
    for (const bundle of unpacked<UserBundle[]>(row.bundles)) {
      const held = unfolded.get(bundle.id);
      if (!held || held.revision <= bundle.revision) unfolded.set(withEveryRecordList(bundle));
    }
    position = row.position;
  }
  // The counts over `users`, then the layer's users in place of their rows.
  const [active] = await db.query<{ count: number }>(`select count(*)::int as count from users where active`);
  const licenses = await db.query<{ id: string; count: number }>(`select m as id, count(*)::int as count from users, jsonb_array_elements_text(licenses_in_use) m group by m`);
  let activeUsers = active?.count ?? 0;
  const licensesInUse = new Map(licenses.map((l) => [l.id, l.count]));
  const replaced = await db.query<{ active: boolean; licenses_in_use: string[] }>(`select active, licenses_in_use from users where id = any($1::text[])`, [[...unfolded.ids()]]);
  const count = (contribution: { active: boolean | number; licenses: readonly string[] }, sign: 1 | -1) => {
    activeUsers += sign * Number(contribution.active);
    for (const id of contribution.licenses) licensesInUse.set(id, (licensesInUse.get(id) ?? 0) + sign);
  };
  for (const row of replaced) count({ active: row.active, licenses: row.licenses_in_use }, -1);
  for (const bundle of unfolded.values()) count(contributionOf(bundle), 1);
  const clients = await db.query<{ client_id: string; last_seq: number }>(`select client_id, last_seq from clients`);
  return {
    revision: state.revision,
    organization: state.organization,
    clients: new Map(clients.map((c) => [c.client_id, c.last_seq])),
    unfolded,
    activeUsers,
    licensesInUse,
  };
}
