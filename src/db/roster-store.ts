/**
 * The roster store: the one module that knows how user bundles are laid out in IndexedDB (today a table
 * per record kind, and each user's record summary on the user). Changes read the bundles they need and
 * commit the bundles they produce, with their audit entries, outbox operations and meta records, in one
 * transaction; the store writes only what differs from what it read, and derives every user's summary
 * from the bundle as it commits it.
 */
import type { IndexableType, Table } from 'dexie';
import type { OrganizationLists, OrganizationView } from '../core/changes/change-outcome.ts';
import { globalCommunityIdOf } from '../core/changes/change-outcome.ts';
import { sameRecord } from '../core/changes/import-chunk.ts';
import type { OutboxOperation } from '../core/changes/operation.ts';
import type { AuditEntry } from '../core/roster-types.ts';
import { storedUserOf, toStoredUser, toUser, type StoredUser } from '../core/stored-user.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { readInPages } from './read-in-pages.ts';
import type { OrganizationState } from '../core/sync/sync-protocol.ts';
import type { SyncRejectionRecord } from '../core/sync/sync-rejection.ts';
import { BUNDLE_RECORD_KINDS, emptyBundle, type BundleRecordKind, type UserBundle } from '../core/sync/user-bundle.ts';
import { PER_USER_RECORD_KINDS, type RosterChunk } from '../core/roster-types.ts';
import { ROSTER_TABLES, type OffboardDatabase } from './offboard-database.ts';
import { deleteMeta, readMeta, writeMeta, type MetaKey, type MetaValues } from './meta-records.ts';
import { codedError } from '../core/coded-error.ts';

/** Each per-user kind's primary key, as a string to compare by. */
const KEY_OF: { [K in BundleRecordKind]: (record: UserBundle[K][number]) => IndexableType } = {
  licenses: (r) => [r.userId, r.methodologyId],
  memberships: (r) => [r.userId, r.communityId],
  membershipRequests: (r) => [r.userId, r.communityId],
  assignments: (r) => r.id,
  removedAssignments: (r) => r.id,
  completions: (r) => [r.userId, r.courseId, r.communityId],
  certificates: (r) => r.id,
  removedCertificates: (r) => r.id,
  removedMemberships: (r) => [r.userId, r.communityId],
  tokens: (r) => r.id,
};

/** Whether a user's summary says a table holds anything of theirs (licenses are in the summary whole). */
const HOLDS: { [K in Exclude<BundleRecordKind, 'licenses'>]: (user: StoredUser) => boolean } = {
  memberships: (u) => u.communityIds.length > 0,
  membershipRequests: (u) => u.counts.requests > 0,
  assignments: (u) => u.counts.assignments > 0,
  removedAssignments: (u) => u.counts.removedAssignments > 0,
  completions: (u) => u.counts.completions > 0,
  certificates: (u) => u.counts.certificates > 0,
  removedCertificates: (u) => (u.counts.removedCertificates ?? 0) > 0,
  removedMemberships: (u) => (u.counts.removedMemberships ?? 0) > 0,
  tokens: (u) => Object.values(u.counts.tokens).some((n) => n > 0),
};

const keyText = (key: IndexableType): string => (Array.isArray(key) ? key.join('\u0000') : String(key));

/** Every table a change may write. */
function changeTables(db: OffboardDatabase): Table[] {
  return [
    db.meta,
    db.organization,
    db.admins,
    db.methodologies,
    db.communities,
    db.customFields,
    db.audit,
    db.outbox,
    db.syncRejections,
    ...PER_USER_RECORD_KINDS.map((kind) => db.table(kind)),
  ];
}

export interface CommittedUsers {
  /** Users as stored now (created or changed). */
  changed: StoredUser[];
  deletedIds: string[];
}

export interface BundleCommit {
  /** Bundles after the change: live ones are written, tombstones delete their user. */
  bundles: Iterable<UserBundle>;
  /** Users the change created: added, so that one created meanwhile (another tab) fails the change whole. */
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
  constructor(readonly db: OffboardDatabase) {}

  /** Runs `work` in one read-write transaction over everything a change writes: all of it, or none. */
  write<T>(work: (tx: RosterTransaction) => Promise<T>): Promise<T> {
    // An async scope function: Dexie follows native awaits in it (a plain one returning a promise loses the
    // transaction at the first await that issues no request).
    return this.db.transaction('rw', changeTables(this.db), async () => await work(new RosterTransaction(this.db)));
  }

  /** Removes every record of the roster, the meta records with it, in one transaction: all or nothing. */
  clear(): Promise<void> {
    const tables = [this.db.meta, ...ROSTER_TABLES.map((name) => this.db.table(name))];
    return this.db.transaction('rw', tables, async () => {
      await Promise.all(tables.map((table) => table.clear()));
    });
  }

  /** How many users the device holds. */
  userCount(): Promise<number> {
    return this.db.users.count();
  }

  /** Users as stored (with their record summaries), by id; undefined where there is none. */
  readStoredUsers(userIds: readonly string[]): Promise<(StoredUser | undefined)[]> {
    return this.db.users.bulkGet([...userIds]);
  }

  /**
   * Every user as stored, a page at a time in id order: what the cold start reads. The summaries users
   * carry are all the in-memory roster needs, so no other per-user table is read.
   */
  readStoredUsersInPages(onPage: (page: StoredUser[], totalUsers: number) => void): Promise<void> {
    return this.db.transaction('r', this.db.users, async () => {
      const total = await this.db.users.count();
      await readInPages(this.db.users, (u: StoredUser) => u.id, (page) => onPage(page, total));
    });
  }

  /**
   * The records of one per-user kind, for exports: of these users (a few: read user by user), or of every
   * user a page at a time in key order (`keep` filters them).
   */
  async readRecords<K extends BundleRecordKind>(kind: K, scope: { userIds: readonly string[] } | { keep: (userId: string) => boolean }, onPage: (records: UserBundle[K]) => void): Promise<void> {
    const table = this.db.table(kind) as Table<UserBundle[K][number], IndexableType>;
    if ('userIds' in scope) {
      onPage((await Promise.all(scope.userIds.map((id) => table.where('userId').equals(id).toArray()))).flat() as UserBundle[K]);
      return;
    }
    const keyOf = KEY_OF[kind] as (record: UserBundle[K][number]) => IndexableType;
    await readInPages(table, keyOf, (page) => onPage(page.filter((r) => scope.keep(r.userId)) as UserBundle[K]));
  }

  /**
   * A chunk of a whole organization written into an empty roster (a load): every record only added, the
   * users with summaries worked out from the chunk. One transaction per chunk.
   */
  async addChunk(chunk: RosterChunk, globalCommunityId: string | null): Promise<StoredUser[]> {
    const summaries = summarizeUserRecords(chunk, globalCommunityId);
    const stored = chunk.users.map((user) => toStoredUser(user, summaries.get(user.id)));
    const tables = PER_USER_RECORD_KINDS.map((name) => this.db.table(name));
    await this.db.transaction('rw', tables, async () => {
      // Every kind goes to the table of the same name; users carry their summaries.
      await Promise.all(PER_USER_RECORD_KINDS.map((kind) => (kind === 'users' ? this.db.users.bulkAdd(stored) : this.db.table(kind).bulkAdd(chunk[kind]))));
    });
    return stored;
  }

  /** Bundles of these users as stored (live ones only), in a read transaction of their own. */
  readBundles(userIds: readonly string[]): Promise<Map<string, UserBundle>> {
    const tables = [this.db.users, ...PER_USER_RECORD_KINDS.filter((k) => k !== 'users').map((k) => this.db.table(k))];
    return this.db.transaction('r', tables, async () => await readBundles(this.db, userIds));
  }
}

/** A change in progress: what it read, and what it writes. */
export class RosterTransaction {
  /** Bundles as stored when read, by id; null: no such user. Commits keep it current. */
  private readonly stored = new Map<string, StoredEntry | null>();
  private organizationRead: OrganizationView | null = null;

  constructor(readonly db: OffboardDatabase) {}

  /** The live bundles of these users, as stored now (a user not on the roster is absent). */
  async bundles(userIds: readonly string[]): Promise<Map<string, UserBundle>> {
    const missing = [...new Set(userIds)].filter((id) => !this.stored.has(id) || this.stored.get(id)?.isUserRecordOnly);
    if (missing.length > 0) {
      const read = await readStoredBundles(this.db, missing);
      for (const id of missing) this.stored.set(id, read.get(id) ?? null);
    }
    return this.bundlesRead(userIds);
  }

  /**
   * Bundles holding these users' own records alone (and their licenses, which the user record holds):
   * what a change that only edits the user record reads (an A8 report move changes a manager and
   * nothing else). A user read whole already is given whole.
   */
  async userRecordBundles(userIds: readonly string[]): Promise<Map<string, UserBundle>> {
    const missing = [...new Set(userIds)].filter((id) => !this.stored.has(id));
    if (missing.length > 0) {
      const users = await this.db.users.bulkGet(missing);
      users.forEach((user, i) => this.stored.set(missing[i]!, user ? { ...userRecordEntryOf(user), isUserRecordOnly: true } : null));
    }
    return this.bundlesRead(userIds);
  }

  /**
   * What a change reads, in two round trips to the database whatever its size: the users' records and
   * the organization's at once, then every other record of the users read whole. (Each await is a round
   * trip during which IndexedDB has nothing of this change to do: at 100 batches of 10,000 users they add
   * up.)
   */
  async read(request: { whole: readonly string[]; userRecordOnly: readonly string[] }): Promise<{ whole: Map<string, UserBundle>; userRecords: Map<string, UserBundle>; organization: OrganizationView }> {
    const wholeIds = [...new Set(request.whole)];
    const wholeSet = new Set(wholeIds);
    const headIds = [...new Set(request.userRecordOnly)].filter((id) => !wholeSet.has(id));
    const wholeMissing = wholeIds.filter((id) => !this.stored.has(id) || this.stored.get(id)?.isUserRecordOnly);
    const headMissing = headIds.filter((id) => !this.stored.has(id));
    const missing = [...wholeMissing, ...headMissing];
    const [users, organization] = await Promise.all([
      missing.length > 0 ? this.db.users.bulkGet(missing) : [],
      this.organizationRead ?? readOrganizationView(this.db),
    ]);
    this.organizationRead = organization;
    const entries = new Map<string, StoredEntry>();
    users.forEach((user, i) => {
      const id = missing[i]!;
      if (!user) this.stored.set(id, null);
      else if (i < wholeMissing.length) entries.set(id, { ...userRecordEntryOf(user), isUserRecordOnly: false });
      else this.stored.set(id, { ...userRecordEntryOf(user), isUserRecordOnly: true });
    });
    await readRecordsInto(this.db, entries);
    for (const [id, entry] of entries) this.stored.set(id, entry);
    return { whole: this.bundlesRead(wholeIds), userRecords: this.bundlesRead(headIds), organization };
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
   * Writes bundles (only what differs from what is stored) and the organization lists given, each
   * user's summary derived from their bundle. Bundles not read in this transaction are read first.
   */
  async commit(change: BundleCommit): Promise<CommittedUsers> {
    const bundles = [...change.bundles];
    const created = new Set(change.createdIds ?? []);
    const userRecordOnly = change.userRecordOnly ?? new Set<string>();
    if (change.organization) await this.replaceOrganizationLists(change.organization);
    await this.userRecordBundles(bundles.filter((b) => !created.has(b.id) && userRecordOnly.has(b.id)).map((b) => b.id));
    await this.bundles(bundles.filter((b) => !created.has(b.id) && !userRecordOnly.has(b.id)).map((b) => b.id));
    const globalId = this.organizationRead ? globalCommunityIdOf(this.organizationRead) : ((await this.db.communities.toArray()).find((c) => c.global)?.id ?? null);
    const deletes = new Map<BundleRecordKind | 'retainedHistory', IndexableType[]>();
    const puts = new Map<BundleRecordKind | 'retainedHistory', unknown[]>();
    const usersAdded: StoredUser[] = [];
    const usersPut: StoredUser[] = [];
    const changed: StoredUser[] = [];
    const deletedIds: string[] = [];
    for (const bundle of bundles) {
      const before = created.has(bundle.id) ? null : (this.stored.get(bundle.id) ?? null);
      if (before && (before.isUserRecordOnly || userRecordOnly.has(bundle.id))) {
        const user = this.commitUserRecord(before, bundle, globalId, puts, deletes);
        if (!sameRecord(before.user, user)) usersPut.push(user);
        changed.push(user);
        continue;
      }
      const beforeBundle = before?.bundle ?? emptyBundle(bundle.id, 0, null);
      const after = bundle.deleted || !bundle.user ? emptyBundle(bundle.id, 0, null) : bundle;
      for (const kind of BUNDLE_RECORD_KINDS) {
        const keyOf = KEY_OF[kind] as (record: unknown) => IndexableType;
        const was = new Map<string, unknown>();
        for (const record of beforeBundle[kind] ?? []) was.set(keyText(keyOf(record)), record);
        const now = new Set<string>();
        for (const record of after[kind] ?? []) {
          const key = keyText(keyOf(record));
          now.add(key);
          if (!sameRecord(was.get(key), record)) pushTo(puts, kind, record);
        }
        for (const [key, record] of was) if (!now.has(key)) pushTo(deletes, kind, keyOf(record));
      }
      if (beforeBundle.retainedHistory && !after.retainedHistory) pushTo(deletes, 'retainedHistory', bundle.id);
      else if (after.retainedHistory && !sameRecord(beforeBundle.retainedHistory, after.retainedHistory)) pushTo(puts, 'retainedHistory', after.retainedHistory);

      if (after.user) {
        const user = storedUserOf(after, globalId);
        if (!before) usersAdded.push(user);
        else if (!sameRecord(before.user, user)) usersPut.push(user);
        changed.push(user);
        this.stored.set(bundle.id, { bundle: after, user, isUserRecordOnly: false });
      } else {
        if (before) deletedIds.push(bundle.id);
        this.stored.set(bundle.id, null);
      }
    }
    // Deletes are sent before puts: a record that moved from one user to another is deleted, then written.
    const { db } = this;
    const writes: Promise<unknown>[] = [];
    for (const [kind, keys] of deletes) writes.push(db.table(kind).bulkDelete(keys));
    if (deletedIds.length > 0) writes.push(db.users.bulkDelete(deletedIds));
    for (const [kind, records] of puts) writes.push(db.table(kind).bulkPut(records));
    if (usersAdded.length > 0) writes.push(db.users.bulkAdd(usersAdded));
    if (usersPut.length > 0) writes.push(db.users.bulkPut(usersPut));
    if (change.audit && change.audit.length > 0) writes.push(db.audit.bulkAdd([...change.audit]));
    if (change.operation) writes.push(db.outbox.add(change.operation));
    await Promise.all(writes);
    return { changed, deletedIds };
  }

  /**
   * A bundle of which the change read the user record alone: that record and the licenses it holds are
   * written; the user's other records, and what the summary says of them, stay as stored.
   */
  private commitUserRecord(before: StoredEntry, after: UserBundle, globalId: string | null, puts: Map<string, unknown[]>, deletes: Map<string, IndexableType[]>): StoredUser {
    const touched = BUNDLE_RECORD_KINDS.filter((kind) => kind !== 'licenses' && (after[kind]?.length ?? 0) > 0);
    if (after.deleted || !after.user || touched.length > 0 || after.retainedHistory) {
      throw new Error(`A change read only the user record of ${after.id} but changed ${after.user ? touched.join(', ') || 'retained history' : 'the user whole'}.`);
    }
    const keyOf = KEY_OF.licenses;
    const was = new Map(before.bundle.licenses.map((l) => [keyText(keyOf(l)), l]));
    const now = new Set(after.licenses.map((l) => keyText(keyOf(l))));
    for (const license of after.licenses) if (!sameRecord(was.get(keyText(keyOf(license))), license)) pushTo(puts, 'licenses', license);
    for (const [key, license] of was) if (!now.has(key)) pushTo(deletes, 'licenses', keyOf(license));
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

  userCount(): Promise<number> {
    return this.db.users.count();
  }

  async addAudit(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length > 0) await this.db.audit.bulkAdd([...entries]);
  }

  async putOperations(operations: readonly OutboxOperation[]): Promise<void> {
    await this.db.outbox.bulkPut([...operations]);
  }

  async deleteOperations(seqs: readonly number[]): Promise<void> {
    await this.db.outbox.bulkDelete([...seqs]);
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

function pushTo<V>(into: Map<string, V[]>, kind: string, value: V): void {
  const list = into.get(kind);
  if (list) list.push(value);
  else into.set(kind, [value]);
}

/** The live bundles of these users and their stored user records; call inside a transaction. */
async function readStoredBundles(db: OffboardDatabase, userIds: readonly string[]): Promise<Map<string, StoredEntry>> {
  const users = (await db.users.bulkGet([...userIds])).filter((u): u is StoredUser => u !== undefined);
  const found = new Map<string, StoredEntry>();
  for (const user of users) found.set(user.id, { ...userRecordEntryOf(user), isUserRecordOnly: false });
  await readRecordsInto(db, found);
  return found;
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

/** Fills the bundles of users read whole with their other records. */
async function readRecordsInto(db: OffboardDatabase, found: Map<string, StoredEntry>): Promise<void> {
  const users = [...found.values()].map((entry) => entry.user);
  // One getAll per user and table, all sent at once, only where the user's summary says there is anything:
  // where('userId').anyOf(ids) walks a cursor instead, a round trip per record.
  const reads: Promise<void>[] = [];
  for (const kind of Object.keys(HOLDS) as (keyof typeof HOLDS)[]) {
    const table = db.table(kind);
    for (const user of users) {
      if (!HOLDS[kind](user)) continue;
      reads.push(
        table
          .where('userId')
          .equals(user.id)
          .toArray()
          .then((records) => {
            (found.get(user.id)!.bundle[kind] as unknown[]) = records;
          }),
      );
    }
  }
  const withHistory = users.filter((u) => u.counts.hasRetainedHistory).map((u) => u.id);
  if (withHistory.length > 0) {
    reads.push(
      db.retainedHistory.bulkGet(withHistory).then((histories) => {
        for (const history of histories) if (history) found.get(history.userId)!.bundle.retainedHistory = history;
      }),
    );
  }
  await Promise.all(reads);
}

async function readBundles(db: OffboardDatabase, userIds: readonly string[]): Promise<Map<string, UserBundle>> {
  const read = await readStoredBundles(db, userIds);
  return new Map([...read].map(([id, entry]) => [id, entry.bundle]));
}
