/**
 * The roster store: the one module that knows how user bundles are laid out in IndexedDB (blocks of
 * users and a change log: src/db/blocks/). Changes read the bundles they need and commit the bundles they
 * produce, with their audit entries, outbox operations and meta records, in one transaction; a commit
 * writes one change log entry holding what differs from what it read, every user's summary derived from
 * their bundle as it commits it. Compaction folds the log into blocks in the background.
 */
import type { Table } from 'dexie';
import type { OrganizationLists, OrganizationView } from '../core/changes/change-outcome.ts';
import { globalCommunityIdOf } from '../core/changes/change-outcome.ts';
import { sameRecord } from '../core/changes/import-chunk.ts';
import type { OutboxOperation } from '../core/changes/operation.ts';
import type { AuditEntry } from '../core/roster-types.ts';
import { storedUserOf, toStoredUser, toUser, type StoredUser } from '../core/stored-user.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import type { OrganizationState } from '../core/sync/sync-protocol.ts';
import type { SyncRejectionRecord } from '../core/sync/sync-rejection.ts';
import { BUNDLE_RECORD_KINDS, bundlesFromRecords, emptyBundle, type BundleRecordKind, type UserBundle } from '../core/sync/user-bundle.ts';
import type { RosterChunk } from '../core/roster-types.ts';
import { ROSTER_TABLES, type OffboardDatabase } from './offboard-database.ts';
import { deleteMeta, readMeta, writeMeta, type MetaKey, type MetaValues } from './meta-records.ts';
import { codedError } from '../core/coded-error.ts';
import { RosterBlocks, type BlockOptions, type EncodedUsers, type LoggedChange } from './blocks/roster-blocks.ts';
import { usersOfPage, type StoredUsersPage } from '../core/blocks/user-block.ts';
import { emptyDirectory, type ChangeLogEntry } from './blocks/block-directory.ts';
import { appendAudit } from './audit-log.ts';
import { addOperation, deleteOperations, putOperations } from './outbox-records.ts';

/** What this tab holds of each database's blocks: shared by every store over the same database. */
const blocksByDatabase = new WeakMap<OffboardDatabase, RosterBlocks>();

function rosterBlocksOf(db: OffboardDatabase, options: BlockOptions): RosterBlocks {
  let blocks = blocksByDatabase.get(db);
  if (!blocks) {
    blocks = new RosterBlocks(db, options.blockUsers, options.cacheUsers);
    blocksByDatabase.set(db, blocks);
  }
  return blocks;
}

/** The tables that hold users and their records. */
function blockTables(db: OffboardDatabase): Table[] {
  return [db.blockHeads, db.blockBodies, db.changeLog, db.blockDirectory];
}

/** Every table a change may write. */
function changeTables(db: OffboardDatabase): Table[] {
  return [db.meta, db.organization, db.admins, db.methodologies, db.communities, db.customFields, db.auditLog, db.outbox, db.syncRejections, ...blockTables(db)];
}

/** Users read per page by the cold start (pages are whole blocks, gathered up to about this many). */
const USERS_PER_PAGE = 10_000;

/**
 * Quiet time after the last write before a compaction step starts. A plan's batches follow each other
 * closely: a step between two of them would hold up the next.
 */
const COMPACTION_DELAY_MS = 1_000;
/** Users a background compaction step re-encodes at most (a few blocks: a step in the way costs little). */
const BACKGROUND_STEP_USERS = 4_000;
/**
 * Users waiting in the log past which compaction does not wait for writes to pause (a long import or
 * pull writes without pause): its steps then go between their transactions, and the log, with what this
 * tab holds of it in memory, stays bounded.
 */
const COMPACT_WITHOUT_PAUSE_USERS = 50_000;

export interface CommittedUsers {
  /** Users as stored now (created or changed). */
  changed: StoredUser[];
  deletedIds: string[];
}

export interface BundleCommit {
  /** Bundles after the change: live ones are written, tombstones delete their user. */
  bundles: Iterable<UserBundle>;
  /** Users the change created: a user created meanwhile (another tab) fails the change whole. */
  createdIds?: Iterable<string>;
  organization?: OrganizationLists | null;
  /**
   * Users of whom the change read (and changed) the user record alone: only that record and their
   * licenses (which it holds) are written, their other records and the summary of those stay as stored.
   */
  userRecordOnly?: ReadonlySet<string>;
  /** The change's audit entries and its outbox operation, sent with the bundles' writes. */
  audit?: readonly AuditEntry[];
  operation?: OutboxOperation;
}

/** What a transaction read of a user: the whole bundle, or the user record alone (its licenses with it). */
interface StoredEntry {
  bundle: UserBundle;
  user: StoredUser;
  isUserRecordOnly: boolean;
}

export class RosterStore {
  private readonly blocks: RosterBlocks;

  /** `options`: for tests, set by the first store over a database (src/db/blocks/roster-blocks.ts). */
  constructor(
    readonly db: OffboardDatabase,
    options: BlockOptions = {},
  ) {
    this.blocks = rosterBlocksOf(db, options);
  }

  /** Runs `work` in one read-write transaction over everything a change writes: all of it, or none. */
  async write<T>(work: (tx: RosterTransaction) => Promise<T>): Promise<T> {
    const logged: ChangeLogEntry[] = [];
    const { blocks } = this;
    blocks.writesUnderWay++;
    let result: T;
    try {
      // An async scope function: Dexie follows native awaits in it (a plain one returning a promise loses
      // the transaction at the first await that issues no request).
      result = await this.db.transaction('rw', changeTables(this.db), async () => {
        await blocks.refresh();
        return await work(new RosterTransaction(this.db, blocks, logged));
      });
    } finally {
      blocks.writesUnderWay--;
      blocks.lastWriteEndedAt = performance.now();
    }
    this.committed(logged);
    return result;
  }

  /** After a transaction that logged changes committed: its entries kept in memory, compaction due. */
  private committed(logged: readonly ChangeLogEntry[]): void {
    if (logged.length === 0) return;
    this.blocks.remember(logged);
    this.scheduleCompaction();
  }

  /**
   * Runs `work` in a read transaction over the roster's blocks, brought up to date first. A log found
   * waiting (a tab closed before compaction, another tab's writes) gets compacted here too.
   */
  private async read<T>(work: () => Promise<T>): Promise<T> {
    const result = await this.db.transaction('r', blockTables(this.db), async () => {
      await this.blocks.refresh();
      return await work();
    });
    if (this.blocks.loggedUsers > 0 && this.blocks.compactionTimer === null) this.scheduleCompaction();
    return result;
  }

  /** Removes every record of the roster, the meta records with it, in one transaction: all or nothing. */
  clear(): Promise<void> {
    const tables = [this.db.meta, ...ROSTER_TABLES.map((name) => this.db.table(name))];
    return this.db.transaction('rw', tables, async () => {
      await this.blocks.refresh();
      const { epoch, nextBlockId } = this.blocks.directory;
      await Promise.all(tables.map((table) => table.clear()));
      // A new epoch: every tab drops what it holds of the roster; block ids go on, never reused.
      await this.db.blockDirectory.bulkPut([emptyDirectory(epoch + 1, nextBlockId), { key: 'userCount', users: 0 }]);
    });
  }

  /** How many users the device holds. */
  async userCount(): Promise<number> {
    const record = await this.db.blockDirectory.get('userCount');
    return record?.key === 'userCount' ? record.users : 0;
  }

  /** Users as stored (with their record summaries), by id; undefined where there is none. */
  readStoredUsers(userIds: readonly string[]): Promise<(StoredUser | undefined)[]> {
    return this.read(async () => {
      const found = await this.blocks.read(userIds, new Set());
      return userIds.map((id) => found.get(id)?.user);
    });
  }

  /**
   * Every user as stored, a page at a time in id order: what the cold start reads. The summaries users
   * carry are all the in-memory roster needs, so only the blocks' heads are read.
   */
  readStoredUsersInPages(onPage: (page: StoredUser[], totalUsers: number) => void): Promise<void> {
    let page: StoredUser[] = [];
    let total = 0;
    return this.readUserPages((read, totalUsers) => {
      total = totalUsers;
      const users = usersOfPage(read);
      page = page.length === 0 ? users : page.concat(users);
      if (page.length >= USERS_PER_PAGE) {
        onPage(page, total);
        page = [];
      }
    }).then(() => {
      if (page.length > 0) onPage(page, total);
    });
  }

  /**
   * Every user as stored, in id order, as the storage holds them: rows of a block's head where the block
   * is current (a reader that keeps columns takes them as they are), objects where the change log holds
   * newer users. What the cold start reads.
   */
  readUserPages(onPage: (page: StoredUsersPage, totalUsers: number) => void): Promise<void> {
    return this.read(async () => {
      const total = this.blocks.userCount;
      await this.blocks.forEachUserPage((page) => onPage(page, total));
    });
  }

  /**
   * The records of one per-user kind, for exports: of these users, or of every user a block at a time in
   * id order (`keep` filters them).
   */
  async readRecords<K extends BundleRecordKind>(kind: K, scope: { userIds: readonly string[] } | { keep: (userId: string) => boolean }, onPage: (records: UserBundle[K]) => void): Promise<void> {
    if ('userIds' in scope) {
      const bundles = await this.readBundles(scope.userIds);
      onPage(scope.userIds.flatMap((id) => (bundles.get(id)?.[kind] ?? []) as readonly unknown[]) as UserBundle[K]);
      return;
    }
    await this.read(() =>
      this.blocks.forEachBundlePage(scope.keep, (bundles) => {
        const records = bundles.flatMap((b) => b[kind] as readonly unknown[]) as UserBundle[K];
        if (records.length > 0) onPage(records);
      }),
    );
  }

  /**
   * A chunk of a whole organization written into an empty roster (a load): the users with summaries
   * worked out from the chunk. One transaction per chunk; users in id order after everyone stored go
   * straight into blocks, others into the change log.
   */
  async addChunk(chunk: RosterChunk, globalCommunityId: string | null): Promise<StoredUser[]> {
    const summaries = summarizeUserRecords(chunk, globalCommunityId);
    const stored = chunk.users.map((user) => toStoredUser(user, summaries.get(user.id)));
    const bundleOf = new Map(bundlesFromRecords(chunk, 0).map((b) => [b.id, b]));
    const rows = stored.map((user) => ({ user, bundle: bundleOf.get(user.id)! })).sort((a, b) => (a.user.id < b.user.id ? -1 : 1));
    const logged: ChangeLogEntry[] = [];
    await this.db.transaction('rw', blockTables(this.db), async () => {
      await this.blocks.refresh();
      const appended = await this.blocks.append(
        rows.map((r) => r.user),
        rows.map((r) => r.bundle),
      );
      if (appended) return;
      const existing = await this.blocks.read(
        rows.map((r) => r.user.id),
        new Set(),
      );
      if (existing.size > 0) throw codedError('roster_not_empty', `The roster already holds ${[...existing.keys()].slice(0, 3).join(', ')}; clear it before loading another organization.`);
      const { entry, writes } = this.blocks.logWrites({ users: rows, deletedIds: [] }, this.blocks.userCount + rows.length);
      await Promise.all(writes);
      if (entry) logged.push(entry);
    });
    this.committed(logged);
    return stored;
  }

  /**
   * New users, in ascending id order, encoded as blocks before the transaction that appends them
   * (`RosterTransaction.appendEncoded`): no database work. Null when they are not in id order.
   */
  encodeNewUsers(users: readonly StoredUser[], bundles: readonly UserBundle[]): EncodedUsers | null {
    return this.blocks.encodeNewUsers(users, bundles);
  }

  /** Bundles of these users as stored (live ones only), in a read transaction of their own. */
  readBundles(userIds: readonly string[]): Promise<Map<string, UserBundle>> {
    return this.read(async () => {
      const found = await this.blocks.read(userIds, new Set(userIds));
      return new Map([...found].map(([id, read]) => [id, read.bundle!]));
    });
  }

  /**
   * Folds the whole change log into blocks now, step by step, a transaction each (what the background
   * compaction does, for tests and benchmarks that need it done).
   */
  async compact(budgetUsers?: number): Promise<void> {
    while (await this.compactStep(budgetUsers)) {
      // Each step is a transaction of its own: writes queued meanwhile go between steps.
    }
  }

  /** One step of compaction, a transaction of its own; whether anything is left to fold. */
  compactStep(budgetUsers?: number): Promise<boolean> {
    return this.db.transaction('rw', blockTables(this.db), async () => await this.blocks.foldStep(budgetUsers));
  }

  /** The blocks that hold the roster now, and how many users have changes the blocks do not hold yet. */
  storedBlocks(): Promise<{ blockIds: number[]; pendingUsers: number }> {
    return this.read(async () => ({ blockIds: this.blocks.blockIds(), pendingUsers: this.blocks.pendingUserCount() }));
  }

  /** How many users have changes the blocks do not hold yet. */
  pendingUsers(): Promise<number> {
    return this.read(async () => this.blocks.pendingUserCount());
  }

  /**
   * Compaction after this tab's writes have paused, a small step at a time; without waiting for a pause
   * once the log holds many users (a long import or pull writes without one).
   */
  private scheduleCompaction(): void {
    const blocks = this.blocks;
    if (blocks.compactionTimer !== null) clearTimeout(blocks.compactionTimer);
    const isUrgent = (): boolean => blocks.loggedUsers > COMPACT_WITHOUT_PAUSE_USERS;
    blocks.compactionTimer = setTimeout(
      () => {
        blocks.compactionTimer = null;
        // A closed database stays closed: a transaction would open it again (and block its deletion).
        if (!this.db.isOpen()) return;
        const quietFor = performance.now() - blocks.lastWriteEndedAt;
        if (!isUrgent() && (blocks.writesUnderWay > 0 || quietFor < COMPACTION_DELAY_MS)) {
          this.scheduleCompaction();
          return;
        }
        void this.compactStep(isUrgent() ? undefined : BACKGROUND_STEP_USERS)
          .then((more) => {
            if (more && blocks.compactionTimer === null) this.scheduleCompaction();
          })
          .catch(() => {
            // A closed database or a full disk: the log stays as it is and every read still sees it whole;
            // the next write tries again.
          });
      },
      isUrgent() ? 0 : Math.max(0, COMPACTION_DELAY_MS - (performance.now() - blocks.lastWriteEndedAt)),
    );
  }
}

/** A change in progress: what it read, and what it writes. */
export class RosterTransaction {
  /** Bundles as stored when read, by id; null: no such user. Commits keep it current. */
  private readonly stored = new Map<string, StoredEntry | null>();
  private organizationRead: OrganizationView | null = null;
  /** How many users the roster holds, this transaction's commits included, and the count last stored. */
  private users: number;
  private storedUsers: number;

  constructor(
    readonly db: OffboardDatabase,
    private readonly blocks: RosterBlocks,
    private readonly logged: ChangeLogEntry[],
  ) {
    this.users = blocks.userCount;
    this.storedUsers = blocks.userCount;
  }

  /** Reads what this transaction has not read yet: the whole bundles of `wholeIds`, the user records of `headIds`. */
  private async readUsers(wholeIds: readonly string[], headIds: readonly string[]): Promise<void> {
    const wholeMissing = [...new Set(wholeIds)].filter((id) => !this.stored.has(id) || this.stored.get(id)?.isUserRecordOnly);
    const wholeSet = new Set(wholeMissing);
    const headMissing = [...new Set(headIds)].filter((id) => !this.stored.has(id) && !wholeSet.has(id));
    if (wholeMissing.length + headMissing.length === 0) return;
    const found = await this.blocks.read([...wholeMissing, ...headMissing], wholeSet);
    for (const id of wholeMissing) {
      const read = found.get(id);
      const held = this.stored.get(id);
      if (read && held) {
        // Read by its user record before, which a commit of this transaction may have changed since: that
        // record stays; the rest of the bundle, which no commit here touched, comes from storage.
        this.stored.set(id, { bundle: { ...read.bundle!, user: held.bundle.user, licenses: held.bundle.licenses }, user: held.user, isUserRecordOnly: false });
      } else this.stored.set(id, read ? { bundle: read.bundle!, user: read.user, isUserRecordOnly: false } : null);
    }
    for (const id of headMissing) {
      const read = found.get(id);
      this.stored.set(id, read ? { ...userRecordEntryOf(read.user), isUserRecordOnly: true } : null);
    }
  }

  /** The live bundles of these users, as stored now (a user not on the roster is absent). */
  async bundles(userIds: readonly string[]): Promise<Map<string, UserBundle>> {
    await this.readUsers(userIds, []);
    return this.bundlesRead(userIds);
  }

  /**
   * Bundles holding these users' own records alone (and their licenses, which the user record holds):
   * what a change that only edits the user record reads (an A8 report move changes a manager and
   * nothing else). A user read whole already is given whole.
   */
  async userRecordBundles(userIds: readonly string[]): Promise<Map<string, UserBundle>> {
    await this.readUsers([], userIds);
    return this.bundlesRead(userIds);
  }

  /**
   * What a change reads, in one round trip to the database whatever its size: the blocks and log entries
   * of its users, and the organization's records.
   */
  async read(request: { whole: readonly string[]; userRecordOnly: readonly string[] }): Promise<{ whole: Map<string, UserBundle>; userRecords: Map<string, UserBundle>; organization: OrganizationView }> {
    // The organization's requests go out first; the users' go out with them before either is awaited.
    const organization = this.organizationRead ? Promise.resolve(this.organizationRead) : readOrganizationView(this.db);
    organization.catch(() => undefined); // awaited below; handled there
    await this.readUsers(request.whole, request.userRecordOnly);
    this.organizationRead = await organization;
    const wholeSet = new Set(request.whole);
    return { whole: this.bundlesRead(request.whole), userRecords: this.bundlesRead(request.userRecordOnly.filter((id) => !wholeSet.has(id))), organization: this.organizationRead };
  }

  /** The bundles this transaction holds of these users (those on the roster). */
  private bundlesRead(userIds: readonly string[]): Map<string, UserBundle> {
    const found = new Map<string, UserBundle>();
    for (const id of userIds) {
      const entry = this.stored.get(id);
      if (entry) found.set(id, entry.bundle);
    }
    return found;
  }

  /**
   * Writes bundles (those that differ from what is stored) and the organization lists given, each
   * user's summary derived from their bundle, as one change log entry. Bundles not read in this
   * transaction are read first.
   */
  async commit(change: BundleCommit): Promise<CommittedUsers> {
    // A user given twice is written as the last bundle given.
    const bundles = [...new Map([...change.bundles].map((b) => [b.id, b])).values()];
    const created = new Set(change.createdIds ?? []);
    const userRecordOnly = change.userRecordOnly ?? new Set<string>();
    if (change.organization) await this.replaceOrganizationLists(change.organization);
    // Users it creates are looked for by their user record alone: enough to refuse one created meanwhile.
    await this.readUsers(
      bundles.filter((b) => !userRecordOnly.has(b.id) && !created.has(b.id)).map((b) => b.id),
      bundles.filter((b) => userRecordOnly.has(b.id) || created.has(b.id)).map((b) => b.id),
    );
    const taken = [...created].filter((id) => this.stored.get(id));
    if (taken.length > 0) throw new Error(`Users ${taken.slice(0, 3).join(', ')} were created meanwhile; the change was not made.`);
    const globalId = await this.globalCommunityId();
    const written: LoggedChange['users'] = [];
    const changed: StoredUser[] = [];
    const deletedIds: string[] = [];
    let isOnlyNewUsers = true;
    for (const bundle of bundles) {
      const before = this.stored.get(bundle.id) ?? null;
      if (before) isOnlyNewUsers = false;
      if (before && (before.isUserRecordOnly || userRecordOnly.has(bundle.id))) {
        const user = this.commitUserRecord(before, bundle, globalId);
        if (!sameRecord(before.user, user)) written.push({ user, bundle: null });
        changed.push(user);
        continue;
      }
      const after = bundle.deleted || !bundle.user ? null : bundle;
      if (after) {
        const user = storedUserOf(after, globalId);
        const bodyChanged = !before || !sameBody(before.bundle, after);
        if (bodyChanged) written.push({ user, bundle: after });
        else if (!sameRecord(before.user, user)) written.push({ user, bundle: null });
        if (!before) this.users++;
        changed.push(user);
        this.stored.set(bundle.id, { bundle: after, user, isUserRecordOnly: false });
      } else {
        isOnlyNewUsers = false;
        if (before) {
          deletedIds.push(bundle.id);
          this.users--;
        }
        this.stored.set(bundle.id, null);
      }
    }
    const { db } = this;
    let writes: Promise<unknown>[] = [];
    if (isOnlyNewUsers && (await this.appendToBlocks(written))) this.storedUsers = this.users;
    else {
      const logged = this.blocks.logWrites({ users: written, deletedIds }, this.users !== this.storedUsers ? this.users : null);
      writes = logged.writes;
      this.storedUsers = this.users;
      if (logged.entry) this.logged.push(logged.entry);
    }
    if (change.audit && change.audit.length > 0) writes.push(appendAudit(db, change.audit));
    if (change.operation) writes.push(addOperation(db, change.operation));
    await Promise.all(writes);
    return { changed, deletedIds };
  }

  /**
   * New users encoded ahead (`RosterStore.encodeNewUsers`, their summaries worked out with the global
   * community `globalId`) written as they are, when they all come after everyone stored and the global
   * community is still that one, as this transaction's first write. Null, writing nothing, otherwise:
   * the caller then commits their bundles.
   */
  async appendEncoded(encoded: EncodedUsers, globalId: string | null): Promise<(CommittedUsers & { blockIds: number[] }) | null> {
    if (this.logged.length > 0 || this.storedUsers !== this.blocks.userCount || (await this.globalCommunityId()) !== globalId) return null;
    const blockIds = await this.blocks.appendEncoded(encoded);
    if (!blockIds) return null;
    this.users += encoded.users.length;
    this.storedUsers = this.users;
    for (let i = 0; i < encoded.users.length; i++) {
      const user = encoded.users[i]!;
      this.stored.set(user.id, { bundle: encoded.bundles[i]!, user, isUserRecordOnly: false });
    }
    return { changed: [...encoded.users], deletedIds: [], blockIds };
  }

  /** The organization's global community, as this transaction sees it (summaries count completions in it apart). */
  private async globalCommunityId(): Promise<string | null> {
    return this.organizationRead ? globalCommunityIdOf(this.organizationRead) : ((await this.db.communities.toArray()).find((c) => c.global)?.id ?? null);
  }

  /**
   * New users who all come after everyone stored (a first pull or an import of a file in id order, page
   * after page) go straight into new blocks: no log entry to write now and to fold again later. Only as
   * the transaction's first write, the log holding nothing: otherwise they are logged like any change.
   */
  private async appendToBlocks(written: LoggedChange['users']): Promise<boolean> {
    if (written.length === 0 || this.logged.length > 0 || this.storedUsers !== this.blocks.userCount) return false;
    const rows = [...written].sort((a, b) => (a.user.id < b.user.id ? -1 : 1));
    return this.blocks.append(
      rows.map((r) => r.user),
      rows.map((r) => r.bundle!),
    );
  }

  /**
   * A bundle of which the change read the user record alone: that record and the licenses it holds are
   * written; the user's other records, and what the summary says of them, stay as stored.
   */
  private commitUserRecord(before: StoredEntry, after: UserBundle, globalId: string | null): StoredUser {
    const touched = BUNDLE_RECORD_KINDS.filter((kind) => kind !== 'licenses' && (after[kind]?.length ?? 0) > 0);
    if (after.deleted || !after.user || touched.length > 0 || after.retainedHistory) {
      throw new Error(`A change read only the user record of ${after.id} but changed ${after.user ? touched.join(', ') || 'retained history' : 'the user whole'}.`);
    }
    const derived = storedUserOf({ ...emptyBundle(after.id, 0, after.user), licenses: after.licenses }, globalId);
    const user: StoredUser = { ...derived, communityIds: before.user.communityIds, counts: before.user.counts };
    this.stored.set(after.id, before.isUserRecordOnly ? { ...userRecordEntryOf(user), isUserRecordOnly: true } : { ...before, bundle: { ...before.bundle, user: after.user, licenses: after.licenses }, user });
    return user;
  }

  /** Replaces the organization-wide records whole: what a pull brings when any of them changed. */
  async replaceOrganization(state: Pick<OrganizationState, 'organization' | 'admins' | 'methodologies' | 'communities' | 'customFields'>): Promise<void> {
    const { db } = this;
    await Promise.all([db.organization.clear(), db.admins.clear()]);
    await Promise.all([db.organization.put(state.organization), db.admins.bulkPut(state.admins)]);
    await this.replaceOrganizationLists(state);
    this.organizationRead = { organization: state.organization, admins: state.admins, methodologies: state.methodologies, communities: state.communities, customFields: state.customFields };
  }

  /** An import onto an empty device: the organization and its first admin. */
  async setUpOrganization(organization: OrganizationView['organization'], admin: OrganizationView['admins'][number]): Promise<void> {
    await Promise.all([this.db.organization.put(organization), this.db.admins.put(admin)]);
    this.organizationRead = null;
  }

  private async replaceOrganizationLists(lists: OrganizationLists): Promise<void> {
    const { db } = this;
    // One await after another: Promise.all over native async functions would leave Dexie's transaction zone.
    if (lists.communities) await replaceTable(db.communities, lists.communities);
    if (lists.methodologies) await replaceTable(db.methodologies, lists.methodologies);
    if (lists.customFields) await replaceTable(db.customFields, lists.customFields);
    if (this.organizationRead) this.organizationRead = { ...this.organizationRead, ...lists };
  }

  /** How many users the roster holds, this transaction's changes included. */
  async userCount(): Promise<number> {
    return this.users;
  }

  async addAudit(entries: readonly AuditEntry[]): Promise<void> {
    await appendAudit(this.db, entries);
  }

  async putOperations(operations: readonly OutboxOperation[]): Promise<void> {
    await putOperations(this.db, operations);
  }

  async deleteOperations(seqs: readonly number[]): Promise<void> {
    await deleteOperations(this.db, seqs);
  }

  async addRejections(records: readonly SyncRejectionRecord[]): Promise<void> {
    if (records.length > 0) await this.db.syncRejections.bulkAdd([...records]);
  }

  meta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
    return readMeta(this.db, key);
  }

  putMeta<K extends MetaKey>(key: K, value: MetaValues[K]): Promise<void> {
    return writeMeta(this.db, key, value);
  }

  deleteMeta(keys: readonly MetaKey[]): Promise<void> {
    return deleteMeta(this.db, keys);
  }
}

/** Whether two bundles of a user hold the same records besides the user record and licenses. */
function sameBody(before: UserBundle, after: UserBundle): boolean {
  for (const kind of BUNDLE_RECORD_KINDS) if (kind !== 'licenses' && !sameRecord(before[kind] ?? [], after[kind] ?? [])) return false;
  return sameRecord(before.retainedHistory, after.retainedHistory);
}

/** A small table's records replaced whole. */
async function replaceTable<T>(table: Table<T, string>, records: readonly T[]): Promise<void> {
  await table.clear();
  await table.bulkPut([...records]);
}

/** A user's bundle as the user record alone gives it: the record, and the licenses it holds. */
function userRecordEntryOf(user: StoredUser): Omit<StoredEntry, 'isUserRecordOnly'> {
  const bundle = emptyBundle(user.id, user.revision ?? 0, toUser(user));
  bundle.licenses = user.licenses.map((l) => ({ ...l }));
  return { bundle, user };
}

/** The organization-wide records a change may read; the promise of Dexie's requests, sent at once. */
function readOrganizationView(db: OffboardDatabase): Promise<OrganizationView> {
  return Promise.all([db.organization.toCollection().first(), db.admins.toArray(), db.methodologies.toArray(), db.communities.toArray(), db.customFields.toArray()]).then(
    ([organization, admins, methodologies, communities, customFields]) => {
      if (!organization) throw codedError('roster_not_open', 'There is no organization on this device.');
      return { organization, admins, methodologies, communities, customFields };
    },
  );
}
