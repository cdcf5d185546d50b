/**
 * What the device stores of its users, read through the roster store (the one module that knows the
 * layout), in the shape tests compare: users as stored, and each per-user kind's records as a list in
 * its natural key order, as the table-per-kind layout of schema versions 1 to 6 held them.
 */
import type { IndexableType } from 'dexie';
import type { RosterChunk } from '../../src/core/roster-types.ts';
import type { StoredUser } from '../../src/core/stored-user.ts';
import { BUNDLE_RECORD_KINDS, type BundleRecordKind, type UserBundle } from '../../src/core/sync/user-bundle.ts';
import type { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { RosterStore } from '../../src/db/roster-store.ts';

/** Each kind's key, as the table-per-kind layout keyed it. */
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

const keyText = (key: IndexableType): string => (Array.isArray(key) ? key.join('\u0000') : String(key));

export type StoredTables = Omit<RosterChunk, 'users'> & { users: StoredUser[] };

/** Records of a per-user kind in the order its table of the table-per-kind layout kept them (by key). */
export function inKeyOrder(kind: BundleRecordKind | 'retainedHistory', records: readonly unknown[]): unknown[] {
  const keyOf = kind === 'retainedHistory' ? (r: unknown) => (r as { userId: string }).userId : (KEY_OF[kind] as (record: unknown) => IndexableType);
  return records
    .map((r) => [keyText(keyOf(r)), r] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, r]) => r);
}

/** Every user as stored, in id order. */
export async function storedUsers(db: OffboardDatabase): Promise<StoredUser[]> {
  const users: StoredUser[] = [];
  await new RosterStore(db).readStoredUsersInPages((page) => users.push(...page));
  return users;
}

export async function storedUserIds(db: OffboardDatabase): Promise<string[]> {
  return (await storedUsers(db)).map((u) => u.id);
}

/** Users as stored, by id (undefined where there is none). */
export function storedUsersById(db: OffboardDatabase, ids: readonly string[]): Promise<(StoredUser | undefined)[]> {
  return new RosterStore(db).readStoredUsers(ids);
}

export async function storedUser(db: OffboardDatabase, id: string): Promise<StoredUser | undefined> {
  return (await storedUsersById(db, [id]))[0];
}

/** Every user and every record of theirs, kind by kind. */
export async function storedTables(db: OffboardDatabase): Promise<StoredTables> {
  const users = await storedUsers(db);
  const bundles = await new RosterStore(db).readBundles(users.map((u) => u.id));
  const tables = { users, retainedHistory: [] } as unknown as StoredTables;
  for (const kind of BUNDLE_RECORD_KINDS) (tables[kind] as unknown[]) = inKeyOrder(kind, [...bundles.values()].flatMap((b) => b[kind] as readonly unknown[]));
  tables.retainedHistory = users.flatMap((u) => {
    const history = bundles.get(u.id)?.retainedHistory;
    return history ? [history] : [];
  });
  return tables;
}

/**
 * Changes a user's record behind the worker's back (as another device's pull or a stale tab would):
 * a commit through the store, the user's summary derived as any commit derives it.
 */
export async function changeStoredUser(db: OffboardDatabase, id: string, patch: Partial<StoredUser>): Promise<void> {
  await new RosterStore(db).write(async (tx) => {
    const bundle = (await tx.bundles([id])).get(id);
    if (!bundle?.user) throw new Error(`No user ${id} is stored.`);
    await tx.commit({ bundles: [{ ...bundle, user: { ...bundle.user, ...patch } }] });
  });
}
