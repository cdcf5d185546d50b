/**
 * A user with every record that belongs to them: the unit the server versions and a pull carries. A
 * change to any of a user's records gives the whole bundle a new revision, so the device replaces the
 * user's records wholesale and never has to merge them one by one.
 */
import { PER_USER_RECORD_KINDS } from '../roster-types.ts';
import type { RetainedHistory, RosterChunk, User } from '../roster-types.ts';

/** A user and, list by list, their records in every per-user table (`BundleRecordKind`). */
export interface UserBundle extends Pick<RosterChunk, BundleRecordKind> {
  id: string;
  /** The server revision the bundle last changed at. */
  revision: number;
  /** A deleted user's tombstone: every record list is empty. */
  deleted: boolean;
  user: User | null;
  retainedHistory: RetainedHistory | null;
}

/** The per-user record lists of a bundle, by table: every per-user kind but the user and their history. */
export type BundleRecordKind = Exclude<(typeof PER_USER_RECORD_KINDS)[number], 'users' | 'retainedHistory'>;

export const BUNDLE_RECORD_KINDS: readonly BundleRecordKind[] = PER_USER_RECORD_KINDS.filter(
  (kind): kind is BundleRecordKind => kind !== 'users' && kind !== 'retainedHistory',
);

function emptyLists(): Record<BundleRecordKind, never[]> {
  return Object.fromEntries(BUNDLE_RECORD_KINDS.map((kind) => [kind, []])) as unknown as Record<BundleRecordKind, never[]>;
}

export function emptyBundle(id: string, revision: number, user: User | null): UserBundle {
  return { id, revision, deleted: user === null, user, ...emptyLists(), retainedHistory: null };
}

export function tombstoneOf(id: string, revision: number): UserBundle {
  return emptyBundle(id, revision, null);
}

/** Groups a chunk's records by user; records of users the chunk does not hold are ignored. */
export function bundlesFromRecords(records: Partial<RosterChunk> & { users: User[] }, revision: number): UserBundle[] {
  const byId = new Map<string, UserBundle>();
  for (const user of records.users) byId.set(user.id, emptyBundle(user.id, revision, user));
  for (const kind of BUNDLE_RECORD_KINDS) {
    for (const record of (records[kind] ?? []) as { userId: string }[]) {
      const bundle = byId.get(record.userId);
      if (bundle) (bundle[kind] as unknown[]).push(record);
    }
  }
  for (const history of records.retainedHistory ?? []) {
    const bundle = byId.get(history.userId);
    if (bundle) bundle.retainedHistory = history;
  }
  return [...byId.values()];
}

/**
 * A bundle with every record list, empty where it had none: bundles stored or sent before a kind existed
 * (the kept certificates and memberships came later) lack its list.
 */
export function withEveryRecordList(bundle: UserBundle): UserBundle {
  if (BUNDLE_RECORD_KINDS.every((kind) => Array.isArray(bundle[kind]))) return bundle;
  const filled = { ...bundle };
  const lists = filled as unknown as Record<BundleRecordKind, unknown[] | undefined>;
  for (const kind of BUNDLE_RECORD_KINDS) if (!Array.isArray(lists[kind])) lists[kind] = [];
  return filled;
}

/** The records of live bundles, by table: what a device writes. */
export function recordsOfBundles(bundles: readonly UserBundle[]): RosterChunk {
  const chunk: RosterChunk = { users: [], ...emptyLists(), retainedHistory: [] };
  for (const bundle of bundles) {
    if (bundle.deleted || !bundle.user) continue;
    chunk.users.push(bundle.user);
    // A server of an earlier version sends no list for the newer kinds.
    for (const kind of BUNDLE_RECORD_KINDS) for (const record of bundle[kind] ?? []) (chunk[kind] as unknown[]).push(record);
    if (bundle.retainedHistory) chunk.retainedHistory.push(bundle.retainedHistory);
  }
  return chunk;
}
