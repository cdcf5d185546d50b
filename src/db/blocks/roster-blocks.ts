/**
 * The roster as IndexedDB holds it: blocks of about a thousand users (a head with the users as stored, a
 * body with the rest of their bundles), a change log of what was committed since, and a directory of
 * the blocks' ranges (block-directory.ts). A commit writes one log entry, whatever its size, in the
 * transaction of its audit and outbox records (a transaction that commits several changes writes an
 * entry each); compaction later folds the log into new blocks, a few blocks per transaction. Blocks and
 * log entries are never changed once written (a fold writes new
 * blocks under new ids), so what this tab read of them stays true and is kept in memory. Only what a
 * committed transaction wrote is kept (`remember`, after the commit): an aborted one's log key may be
 * given again.
 *
 * One instance per database in a tab. Every transaction that reads or writes the roster calls `refresh`
 * first: the directory and the log may have moved in another tab.
 */
import { bundleOf, encodeBody, encodeHead, rowOf, userAt, type BlockBody, type BlockHead, type StoredUsersPage } from '../../core/blocks/user-block.ts';
import { BLOCK_USERS, encodePieces, numberPieces, piecesOf, type EncodedPiece } from './blocks-of-roster.ts';
import type { StoredUser } from '../../core/stored-user.ts';
import type { UserBundle } from '../../core/sync/user-bundle.ts';
import type { OffboardDatabase } from '../offboard-database.ts';
import { emptyDirectory, inRange, rangeIndexOf, type BlockDirectory, type BlockEntry, type ChangeLogEntry, type UserCountRecord } from './block-directory.ts';


/** Where a user's latest logged head and body are (0: in their block), or that they were deleted. */
interface Logged {
  head: number;
  body: number;
  deleted: boolean;
}

type Source = { kind: 'log'; seq: number } | { kind: 'block'; id: number };

/** A user as a transaction read them: as stored, and their whole bundle where it was asked for. */
export interface UserRead {
  user: StoredUser;
  bundle: UserBundle | null;
}

/** What a commit writes: users as stored now, whole bundles of those written whole, users deleted. */
export interface LoggedChange {
  users: { user: StoredUser; bundle: UserBundle | null }[];
  deletedIds: string[];
}

/** New users (ascending ids) with their bundles, row for row, encoded as blocks not yet written. */
export interface EncodedUsers {
  users: readonly StoredUser[];
  bundles: readonly UserBundle[];
  pieces: readonly EncodedPiece[];
}

function isAscending(users: readonly StoredUser[]): boolean {
  for (let i = 1; i < users.length; i++) if (!(users[i - 1]!.id < users[i]!.id)) return false;
  return true;
}

/** Blocks and log entries recently read, least recently used dropped first; sized in users. */
class RecentBlocks {
  private readonly entries = new Map<string, { value: BlockHead | BlockBody | ChangeLogEntry; users: number }>();
  private users = 0;

  constructor(private readonly capacityUsers: number) {}

  get<T extends BlockHead | BlockBody | ChangeLogEntry>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  set(key: string, value: BlockHead | BlockBody | ChangeLogEntry, users: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.users -= old.users;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, users });
    this.users += users;
    for (const [oldest, entry] of this.entries) {
      if (this.users <= this.capacityUsers || oldest === key) break;
      this.entries.delete(oldest);
      this.users -= entry.users;
    }
  }

  clear(): void {
    this.entries.clear();
    this.users = 0;
  }
}

/** Users whose heads (and log entries) this tab keeps in memory at most, and whose bodies. */
const HEAD_CACHE_USERS = 128_000;
const BODY_CACHE_USERS = 32_000;

/** For tests: users per block written (small, to exercise splits and partial folds), and a small memory. */
export interface BlockOptions {
  blockUsers?: number;
  /** Users whose heads and log entries, and again whose bodies, this tab keeps in memory at most. */
  cacheUsers?: number;
}

const headKey = (id: number): string => `h${id}`;
const bodyKey = (id: number): string => `b${id}`;
const logKey = (seq: number): string => `l${seq}`;

export class RosterBlocks {
  directory: BlockDirectory = emptyDirectory();
  userCount = 0;
  /** Users with log entries not folded into their block (and some that are: pruned as folds land). */
  private readonly logged = new Map<string, Logged>();
  private lastSeq = 0;
  private epoch: number | null = null;
  private prunedTo = 0;
  /**
   * Heads and log entries apart from bodies: a change reads the heads of users it moves (A8: the reports
   * of a deactivated manager sit anywhere in the roster) far more often than bodies, which a plan's
   * batches, in id order, read a block or two at a time; and a body costs several times a head to hold.
   */
  private readonly recentHeads: RecentBlocks;
  private readonly recentBodies: RecentBlocks;
  /** The background compaction's next step, when one is waiting (src/db/roster-store.ts). */
  compactionTimer: ReturnType<typeof setTimeout> | null = null;
  /** Writes of this tab under way, and when the last one ended: compaction steps aside for them. */
  writesUnderWay = 0;
  lastWriteEndedAt = 0;

  constructor(
    private readonly db: OffboardDatabase,
    private readonly blockUsers = BLOCK_USERS,
    cacheUsers?: number,
  ) {
    this.recentHeads = new RecentBlocks(cacheUsers ?? HEAD_CACHE_USERS);
    this.recentBodies = new RecentBlocks(cacheUsers ?? BODY_CACHE_USERS);
  }

  /** The latest log sequence number this tab has seen. */
  get latestSeq(): number {
    return this.lastSeq;
  }

  private cacheOf(key: string): RecentBlocks {
    return key.startsWith('b') ? this.recentBodies : this.recentHeads;
  }

  /** Brings the directory, the user count and the log's users up to date; first thing in a transaction. */
  async refresh(): Promise<void> {
    const { db } = this;
    const [records, seqs] = await Promise.all([db.blockDirectory.bulkGet(['directory', 'userCount']), db.changeLog.where(':id').above(this.lastSeq).primaryKeys()]);
    const directory = (records[0] as BlockDirectory | undefined) ?? emptyDirectory();
    let newSeqs = seqs as number[];
    if (directory.epoch !== this.epoch) {
      // Cleared (here or in another tab), or first read: nothing held in memory is known to be true.
      this.logged.clear();
      this.recentHeads.clear();
      this.recentBodies.clear();
      this.lastSeq = 0;
      this.prunedTo = 0;
      this.epoch = directory.epoch;
      newSeqs = (await db.changeLog.toCollection().primaryKeys()) as number[];
    }
    this.directory = directory;
    this.userCount = (records[1] as UserCountRecord | undefined)?.users ?? 0;
    if (newSeqs.length > 0) {
      const got = await this.fetch([], [], newSeqs);
      for (const seq of newSeqs) this.noteLogged(seq, got.get(logKey(seq)) as ChangeLogEntry);
      this.lastSeq = Math.max(this.lastSeq, newSeqs[newSeqs.length - 1]!);
    }
    if (directory.foldedSeq > this.prunedTo) {
      for (const [id, logged] of this.logged) if (Math.max(logged.head, logged.body) <= directory.foldedSeq) this.logged.delete(id);
      this.prunedTo = directory.foldedSeq;
    }
  }

  private noteLogged(seq: number, entry: ChangeLogEntry): void {
    const bodyIds = entry.body.userIds;
    let b = 0;
    for (const id of entry.head.userIds) {
      while (b < bodyIds.length && bodyIds[b]! < id) b++;
      const whole = bodyIds[b] === id;
      this.logged.set(id, { head: seq, body: whole ? seq : (this.logged.get(id)?.body ?? 0), deleted: false });
    }
    for (const id of entry.deletedIds) this.logged.set(id, { head: seq, body: seq, deleted: true });
  }

  /** Where a user's record and the rest of their bundle are; null: not on the roster. */
  private sourcesOf(userId: string): { head: Source; body: Source } | null {
    const block = this.directory.blocks[rangeIndexOf(this.directory.blocks, userId)]!;
    const logged = this.logged.get(userId);
    const blockSource: Source | null = block.id === null ? null : { kind: 'block', id: block.id };
    if (logged && logged.head > block.foldedSeq) {
      if (logged.deleted) return null;
      const body: Source | null = logged.body > block.foldedSeq ? { kind: 'log', seq: logged.body } : blockSource;
      return body ? { head: { kind: 'log', seq: logged.head }, body } : null;
    }
    return blockSource ? { head: blockSource, body: blockSource } : null;
  }

  /** Whether a user has changes in the log their block does not hold yet. */
  private isPending(userId: string, logged: Logged, blocks: readonly BlockEntry[]): boolean {
    const block = blocks[rangeIndexOf(blocks, userId)]!;
    return Math.max(logged.head, logged.body) > block.foldedSeq;
  }

  /**
   * These users as stored, and the whole bundles of those in `whole`; users not on the roster are
   * absent. Every block and log entry needed is asked for at once.
   */
  async read(userIds: readonly string[], whole: ReadonlySet<string>): Promise<Map<string, UserRead>> {
    const sources = new Map<string, { head: Source; body: Source }>();
    const heads = new Set<number>();
    const bodies = new Set<number>();
    const logs = new Set<number>();
    for (const id of userIds) {
      const source = this.sourcesOf(id);
      if (!source) continue;
      sources.set(id, source);
      if (source.head.kind === 'log') logs.add(source.head.seq);
      else heads.add(source.head.id);
      if (!whole.has(id)) continue;
      if (source.body.kind === 'log') logs.add(source.body.seq);
      else bodies.add(source.body.id);
    }
    const got = await this.fetch([...heads], [...bodies], [...logs]);
    const headOf = (source: Source): BlockHead => (source.kind === 'log' ? (got.get(logKey(source.seq)) as ChangeLogEntry).head : (got.get(headKey(source.id)) as BlockHead));
    const bodyOf = (source: Source): BlockBody => (source.kind === 'log' ? (got.get(logKey(source.seq)) as ChangeLogEntry).body : (got.get(bodyKey(source.id)) as BlockBody));
    const found = new Map<string, UserRead>();
    for (const [id, source] of sources) {
      const head = headOf(source.head);
      const row = rowOf(head, id);
      if (row < 0) continue;
      const user = userAt(head, row);
      let bundle: UserBundle | null = null;
      if (whole.has(id)) {
        const body = bodyOf(source.body);
        const bodyRow = rowOf(body, id);
        if (bodyRow < 0) throw new Error(`The stored roster holds user ${id} without the rest of their records.`);
        bundle = bundleOf(user, body, bodyRow);
      }
      found.set(id, { user, bundle });
    }
    return found;
  }

  /**
   * The heads, bodies and log entries asked for, from memory or read at once; what is read is kept in
   * memory for later transactions too, but the map given back holds everything asked for however much that is.
   */
  private async fetch(headIds: readonly number[], bodyIds: readonly number[], seqs: readonly number[]): Promise<Map<string, BlockHead | BlockBody | ChangeLogEntry>> {
    const { db } = this;
    const got = new Map<string, BlockHead | BlockBody | ChangeLogEntry>();
    const missing = (keys: readonly number[], keyOf: (n: number) => string): number[] =>
      keys.filter((n) => {
        const value = this.cacheOf(keyOf(n)).get(keyOf(n));
        if (value) got.set(keyOf(n), value);
        return !value;
      });
    const heads = missing(headIds, headKey);
    const bodies = missing(bodyIds, bodyKey);
    const logs = missing(seqs, logKey);
    if (heads.length + bodies.length + logs.length === 0) return got;
    const [readHeads, readBodies, readLogs] = await Promise.all([
      heads.length > 0 ? db.blockHeads.bulkGet(heads) : [],
      bodies.length > 0 ? db.blockBodies.bulkGet(bodies) : [],
      logs.length > 0 ? db.changeLog.bulkGet(logs) : [],
    ]);
    const lost = (what: string): Error => new Error(`The stored roster is missing ${what}; reload the page.`);
    const keep = (key: string, value: BlockHead | BlockBody | ChangeLogEntry, users: number): void => {
      got.set(key, value);
      this.cacheOf(key).set(key, value, users);
    };
    readHeads.forEach((record, i) => {
      if (!record) throw lost(`block ${heads[i]}`);
      keep(headKey(record.id), record.head, record.head.userIds.length);
    });
    readBodies.forEach((record, i) => {
      if (!record) throw lost(`block ${bodies[i]}`);
      keep(bodyKey(record.id), record.body, record.body.userIds.length);
    });
    readLogs.forEach((entry, i) => {
      if (!entry) throw lost(`change ${logs[i]}`);
      keep(logKey(logs[i]!), entry, entry.head.userIds.length);
    });
    return got;
  }

  /**
   * A change as one log entry, and the requests that write it (with the user count, when given):
   * sent now, for the caller to await with its other writes. The entry is remembered once its
   * transaction commits (`remember`).
   */
  logWrites(change: LoggedChange, userCount: number | null): { entry: ChangeLogEntry | null; writes: Promise<unknown>[] } {
    const writes: Promise<unknown>[] = [];
    if (userCount !== null) writes.push(this.db.blockDirectory.put({ key: 'userCount', users: userCount }));
    if (change.users.length === 0 && change.deletedIds.length === 0) return { entry: null, writes };
    const users = [...change.users].sort((a, b) => (a.user.id < b.user.id ? -1 : 1));
    const entry: ChangeLogEntry = {
      head: encodeHead(users.map((u) => u.user)),
      body: encodeBody(users.flatMap((u) => (u.bundle ? [u.bundle] : []))),
      deletedIds: [...change.deletedIds].sort(),
    };
    writes.push(this.db.changeLog.add(entry).then((seq) => (entry.seq = seq)));
    return { entry, writes };
  }

  /** Keeps a committed transaction's log entries in memory, so that the next refresh need not read them. */
  remember(entries: readonly ChangeLogEntry[]): void {
    for (const entry of entries) if (entry.seq !== undefined) this.recentHeads.set(logKey(entry.seq), entry, entry.head.userIds.length);
  }

  /**
   * Every user as stored, block by block in id order, the log's changes laid over them; `onPage` is
   * called once per block (a block of nobody is skipped).
   */
  async forEachUserPage(onPage: (page: StoredUsersPage) => void, blocksAhead = 8): Promise<void> {
    const { blocks } = this.directory;
    const pendingByRange = this.pendingUsersByRange();
    // The users the log holds newer are read before the blocks, all at once: a read of them while the next
    // blocks are being fetched would be two requests' chains at once, which loses Dexie's transaction
    // (it commits early) when one of them has to go to the database.
    const pendingRead = pendingByRange.size === 0 ? new Map<string, UserRead>() : await this.read([...pendingByRange.values()].flat(), new Set());
    const fetchRange = (start: number): Promise<Map<string, BlockHead | BlockBody | ChangeLogEntry>> => {
      const ids = blocks.slice(start, start + blocksAhead).flatMap((b) => (b.id === null ? [] : [b.id]));
      const fetching = this.fetch(ids, [], []);
      // Awaited on the next turn of the loop; a caller that stops before then must not see it as unhandled.
      fetching.catch(() => undefined);
      return fetching;
    };
    let next = fetchRange(0);
    for (let start = 0; start < blocks.length; start += blocksAhead) {
      const range = blocks.slice(start, start + blocksAhead);
      const got = await next;
      // The next blocks are read while these are handed over: the database works while the reader does.
      if (start + blocksAhead < blocks.length) next = fetchRange(start + blocksAhead);
      for (let i = 0; i < range.length; i++) {
        const index = start + i;
        const pending = pendingByRange.get(index) ?? [];
        const block = blocks[index]!;
        const head = block.id === null ? null : (got.get(headKey(block.id)) as BlockHead);
        if (pending.length === 0) {
          // The head's rows as they are: a reader that keeps columns takes them without making objects.
          const rows = head ? this.rowsOfRange(head, index) : [];
          if (rows.length > 0) onPage({ head: head!, rows });
          continue;
        }
        const users = head ? this.rowsOfRange(head, index).map((row) => userAt(head, row)) : [];
        const pendingSet = new Set(pending);
        const merged = users.filter((u) => !pendingSet.has(u.id));
        for (const id of pending) {
          const user = pendingRead.get(id)?.user;
          if (user) merged.push(user);
        }
        merged.sort((a, b) => (a.id < b.id ? -1 : 1));
        if (merged.length > 0) onPage({ users: merged });
      }
    }
  }

  /**
   * The whole bundles of the users `keep` keeps, block by block in id order, the log's changes laid over
   * them.
   */
  async forEachBundlePage(keep: (userId: string) => boolean, onPage: (bundles: UserBundle[]) => void): Promise<void> {
    const { blocks } = this.directory;
    const pendingByRange = this.pendingUsersByRange();
    for (let index = 0; index < blocks.length; index++) {
      const block = blocks[index]!;
      const kept = block.id === null ? [] : await this.keptIds(block.id, blocks, index);
      const ids = mergeSorted(kept, pendingByRange.get(index) ?? []).filter(keep);
      if (ids.length === 0) continue;
      const read = await this.read(ids, new Set(ids));
      const bundles: UserBundle[] = [];
      for (const id of ids) {
        const bundle = read.get(id)?.bundle;
        if (bundle) bundles.push(bundle);
      }
      if (bundles.length > 0) onPage(bundles);
    }
  }

  /** The users a block's head holds in the block's range. */
  /** Rows of a head whose users belong to range `index` (a partly folded block holds others too). */
  private rowsOfRange(head: BlockHead, index: number): number[] {
    const { blocks } = this.directory;
    const rows: number[] = [];
    for (let row = 0; row < head.userIds.length; row++) if (inRange(blocks, index, head.userIds[row]!)) rows.push(row);
    return rows;
  }

  /** Users with logged changes their block does not hold, by the index of their range, ids ascending. */
  private pendingUsersByRange(): Map<number, string[]> {
    const { blocks } = this.directory;
    const byRange = new Map<number, string[]>();
    for (const [id, logged] of this.logged) {
      if (!this.isPending(id, logged, blocks)) continue;
      const index = rangeIndexOf(blocks, id);
      const list = byRange.get(index);
      if (list) list.push(id);
      else byRange.set(index, [id]);
    }
    for (const list of byRange.values()) list.sort();
    return byRange;
  }

  /** Users this tab knows of in the log (some of them may be folded already): cheap, for scheduling. */
  get loggedUsers(): number {
    return this.logged.size;
  }

  /** How many users have changes waiting to be folded into blocks. */
  pendingUserCount(): number {
    let n = 0;
    for (const [id, logged] of this.logged) if (this.isPending(id, logged, this.directory.blocks)) n++;
    return n;
  }

  /** The last id the stored roster holds, or null when it holds nobody (head of the last block read). */
  private async lastStoredId(): Promise<string | null> {
    const { blocks } = this.directory;
    for (let index = blocks.length - 1; index >= 0; index--) {
      const block = blocks[index]!;
      if (block.id === null || block.count === 0) continue;
      const head = (await this.fetch([block.id], [], [])).get(headKey(block.id)) as BlockHead;
      for (let row = head.userIds.length - 1; row >= 0; row--) if (inRange(blocks, index, head.userIds[row]!)) return head.userIds[row]!;
    }
    return null;
  }

  /**
   * Writes users that come after everyone stored (a load, in id order) straight into new blocks;
   * returns false, writing nothing, when they do not (the caller then logs them as a change).
   */
  async append(users: readonly StoredUser[], bundles: readonly UserBundle[]): Promise<boolean> {
    if (users.length === 0) return true;
    if (!isAscending(users) || !(await this.isAfterEveryone(users[0]!.id))) return false;
    await this.writeAppended(encodePieces(users, bundles, this.pieceCountOf(users.length)), users.length);
    return true;
  }

  /**
   * New users encoded as blocks ahead of the transaction that appends them (`appendEncoded`): the
   * encoding, most of an append's work, is done while an earlier transaction commits. Null when they
   * are not in ascending id order (they cannot be appended as they are).
   */
  encodeNewUsers(users: readonly StoredUser[], bundles: readonly UserBundle[]): EncodedUsers | null {
    if (users.length === 0 || !isAscending(users)) return null;
    return { users, bundles, pieces: encodePieces(users, bundles, this.pieceCountOf(users.length)) };
  }

  /**
   * `append` of users encoded before: the ids of the blocks written, row for row with `encoded.pieces`;
   * null, writing nothing, when they do not come after everyone stored now.
   */
  async appendEncoded(encoded: EncodedUsers): Promise<number[] | null> {
    if (!(await this.isAfterEveryone(encoded.users[0]!.id))) return null;
    return await this.writeAppended(encoded.pieces, encoded.users.length);
  }

  /** The ids of the blocks that hold the roster now (log entries aside). */
  blockIds(): number[] {
    return this.directory.blocks.flatMap((b) => (b.id === null ? [] : [b.id]));
  }

  private pieceCountOf(users: number): number {
    return Math.max(1, Math.round(users / this.blockUsers));
  }

  /** Whether a user of this id would come after everyone stored, nothing waiting in the log. */
  private async isAfterEveryone(firstId: string): Promise<boolean> {
    if (this.pendingUserCount() > 0) return false;
    const last = await this.lastStoredId();
    return last === null || last < firstId;
  }

  /** Writes new blocks after everyone stored; their ids, in order. */
  private async writeAppended(encoded: readonly EncodedPiece[], users: number): Promise<number[]> {
    const directory: BlockDirectory = { ...this.directory, blocks: [...this.directory.blocks] };
    const writes = numberPieces(directory, encoded, this.lastSeq);
    // The new users fall in range `at` or after it. Every range after it holds nobody now (everyone stored
    // comes before the first new id): those go, and the new blocks follow range `at` — or take its place,
    // keeping its low, when it holds nobody either.
    const at = rangeIndexOf(directory.blocks, encoded[0]!.low);
    const dropped = directory.blocks.splice(at + 1);
    const host = directory.blocks[at]!;
    if (host.count === 0) {
      dropped.unshift(host);
      directory.blocks.splice(at, 1, ...writes.entries.map((e, i) => (i === 0 ? { ...e, low: host.low } : e)));
    } else directory.blocks.push(...writes.entries);
    const droppedIds = dropped.flatMap((b) => (b.id === null ? [] : [b.id]));
    await Promise.all([
      this.db.blockHeads.bulkAdd(writes.heads),
      this.db.blockBodies.bulkAdd(writes.bodies),
      this.db.blockHeads.bulkDelete(droppedIds),
      this.db.blockBodies.bulkDelete(droppedIds),
      this.db.blockDirectory.bulkPut([directory, { key: 'userCount', users: this.userCount + users }]),
    ]);
    // What the rest of the transaction reads goes by the new directory; should the transaction fail, the
    // next one's refresh reads the directory as stored again.
    this.directory = directory;
    this.userCount += users;
    return writes.entries.map((e) => e.id!);
  }

  /**
   * One step of compaction, in the caller's read-write transaction over the block tables: folds the log
   * into the blocks of the first ranges with changes, about `budgetUsers` users re-encoded at most, and
   * deletes the log entries every block holds. Returns whether anything is left to fold.
   */
  async foldStep(budgetUsers = 20 * this.blockUsers): Promise<boolean> {
    await this.refresh();
    const { db } = this;
    const directory: BlockDirectory = { ...this.directory, blocks: [...this.directory.blocks] };
    const seq = this.lastSeq;
    const pendingByRange = this.pendingUsersByRange();
    // Ranges holding the oldest waiting change first: the log is deleted from its oldest entry on, and a
    // range that keeps getting changes (a long pull) must not keep the others waiting.
    const oldestOf = new Map<number, number>();
    for (const [index, ids] of pendingByRange) {
      const block = directory.blocks[index]!;
      let oldest = Infinity;
      for (const id of ids) {
        const logged = this.logged.get(id)!;
        for (const part of [logged.head, logged.body]) if (part > block.foldedSeq && part < oldest) oldest = part;
      }
      oldestOf.set(index, oldest);
    }
    const ranges = [...pendingByRange.keys()].sort((a, b) => oldestOf.get(a)! - oldestOf.get(b)! || a - b);
    let budget = budgetUsers;
    const replaced = new Map<number, BlockEntry[]>();
    const heads: { id: number; head: BlockHead }[] = [];
    const bodies: { id: number; body: BlockBody }[] = [];
    const dropped: number[] = [];
    for (const index of ranges) {
      if (budget <= 0) break;
      const block = directory.blocks[index]!;
      const pending = pendingByRange.get(index)!;
      const kept = block.id === null ? [] : await this.keptIds(block.id, directory.blocks, index);
      const ids = mergeSorted(kept, pending);
      // A range too large for what is left of this step is folded from its start, up to a cut.
      const take = ids.length > budget + this.blockUsers ? Math.max(this.blockUsers, budget) : ids.length;
      const taken = ids.slice(0, take);
      const reads = await this.read(taken, new Set(taken));
      const users: StoredUser[] = [];
      const bundles: UserBundle[] = [];
      for (const id of taken) {
        const read = reads.get(id);
        if (!read) continue;
        users.push(read.user);
        bundles.push(read.bundle!);
      }
      budget -= take;
      // A whole range that stayed under twice a block's size stays one block.
      const pieceCount = take === ids.length && users.length <= 2 * this.blockUsers ? 1 : Math.max(1, Math.round(users.length / this.blockUsers));
      const pieces = users.length === 0 ? { heads: [], bodies: [], entries: [] } : piecesOf(directory, users, bundles, seq, pieceCount);
      heads.push(...pieces.heads);
      bodies.push(...pieces.bodies);
      const entries: BlockEntry[] = pieces.entries.length > 0 ? pieces.entries.map((e, i) => (i === 0 ? { ...e, low: block.low } : e)) : [{ id: null, low: block.low, count: 0, foldedSeq: seq }];
      if (take < ids.length) {
        // The rest of the range stays as it is, starting at the first id not folded.
        const cut = ids[take]!;
        const count = kept.filter((id) => id >= cut).length;
        entries.push({ ...block, low: cut, count });
      } else if (block.id !== null) dropped.push(block.id);
      replaced.set(index, entries);
    }
    directory.blocks = directory.blocks.flatMap((block, index) => replaced.get(index) ?? [block]);
    // A log entry goes once no range waits for it: below the oldest change still waiting anywhere.
    let oldestWaiting = seq + 1;
    for (const [id, logged] of this.logged) {
      const block = directory.blocks[rangeIndexOf(directory.blocks, id)]!;
      for (const part of [logged.head, logged.body]) if (part > block.foldedSeq && part < oldestWaiting) oldestWaiting = part;
    }
    const deleteTo = oldestWaiting - 1;
    const writes: Promise<unknown>[] = [];
    if (deleteTo > directory.foldedSeq) {
      writes.push(db.changeLog.where(':id').between(directory.foldedSeq, deleteTo, false, true).delete());
      directory.foldedSeq = deleteTo;
    }
    if (dropped.length > 0) writes.push(db.blockHeads.bulkDelete(dropped), db.blockBodies.bulkDelete(dropped));
    if (heads.length > 0) writes.push(db.blockHeads.bulkAdd(heads), db.blockBodies.bulkAdd(bodies));
    if (writes.length > 0 || replaced.size > 0) writes.push(db.blockDirectory.put(directory));
    await Promise.all(writes);
    return oldestWaiting <= seq;
  }

  /** Ids a block holds in its range. */
  private async keptIds(blockId: number, blocks: readonly BlockEntry[], index: number): Promise<string[]> {
    const head = (await this.fetch([blockId], [], [])).get(headKey(blockId)) as BlockHead;
    return head.userIds.filter((id) => inRange(blocks, index, id));
  }
}

/** Two ascending lists of ids as one, each id once. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) merged.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) merged.push(b[j++]!);
    else {
      merged.push(a[i++]!);
      j++;
    }
  }
  return merged;
}
