/**
 * A block of the roster: the users of one range of ids, in id order, each with every record of theirs, as
 * two values. The head holds the users as stored (with their record summaries): all that opening the app
 * reads. The body holds, row for row, the rest of each user's bundle: their record lists and retained
 * history. Both are columns (record-columns.ts), so a block of a thousand users is a handful of values
 * for IndexedDB to clone, not nine thousand records; one user is read out of a block without decoding
 * the others.
 */
import type { RetainedHistory } from '../roster-types.ts';
import type { StoredUser } from '../stored-user.ts';
import { BUNDLE_RECORD_KINDS, type BundleRecordKind, type UserBundle } from '../sync/user-bundle.ts';
import { decodeRecord, decodeRecords, encodeRecords, StringTable, type RecordColumns } from './record-columns.ts';

/** The users of a block as stored, with their summaries. */
export interface BlockHead {
  /** Users' ids, in order: which block holds a user, and at which row. */
  userIds: string[];
  strings: string[];
  users: RecordColumns;
}

/** The rest of each user's bundle, row for row with the head (licenses are in the head's summaries). */
export interface BlockBody {
  /** Users' ids, in order (a change log entry's body holds fewer users than its head). */
  userIds: string[];
  strings: string[];
  /** A row per user: a list per record kind, and the retained history (null where there is none). */
  bundles: RecordColumns;
}

type BodyKind = Exclude<BundleRecordKind, 'licenses'>;
type BodyRow = Pick<UserBundle, BodyKind | 'retainedHistory'>;
const BODY_KINDS = BUNDLE_RECORD_KINDS.filter((kind): kind is BodyKind => kind !== 'licenses');

/**
 * A block of live bundles with their users as stored (same ids, same order: ascending ids). The body
 * keeps no licenses: the users' summaries in the head hold them whole.
 */
export function encodeBlock(users: readonly StoredUser[], bundles: readonly UserBundle[]): { head: BlockHead; body: BlockBody } {
  if (users.length !== bundles.length) throw new Error(`A block of ${users.length} users was given ${bundles.length} bundles.`);
  for (let i = 0; i < users.length; i++) {
    if (users[i]!.id !== bundles[i]!.id) throw new Error(`Row ${i} of a block holds user ${users[i]!.id} and the bundle of ${bundles[i]!.id}.`);
  }
  return { head: encodeHead(users), body: encodeBody(bundles) };
}

/** Users as stored, in ascending id order, as a block's head. */
export function encodeHead(users: readonly StoredUser[]): BlockHead {
  for (let i = 1; i < users.length; i++) {
    if (!(users[i - 1]!.id < users[i]!.id)) throw new Error(`A block's users must be in ascending id order (${users[i - 1]!.id}, ${users[i]!.id}).`);
  }
  // A user brings about three strings of their own (id, email, a time not as toISOString writes it…).
  const strings = new StringTable(users.length * 3);
  return { userIds: users.map((u) => u.id), strings: strings.strings, users: encodeRecords(users, strings) };
}

/** Every list of each bundle but licenses, and its history, a row per bundle in the order given. */
export function encodeBody(bundles: readonly UserBundle[]): BlockBody {
  for (let i = 1; i < bundles.length; i++) {
    if (!(bundles[i - 1]!.id < bundles[i]!.id)) throw new Error(`A block's bundles must be in ascending id order (${bundles[i - 1]!.id}, ${bundles[i]!.id}).`);
  }
  // A bundle's records bring about four strings of their own (their ids, a course, a token…).
  const strings = new StringTable(bundles.length * 4);
  const rows = bundles.map((bundle): BodyRow => {
    const row = { retainedHistory: bundle.retainedHistory } as BodyRow;
    for (const kind of BODY_KINDS) (row[kind] as unknown[]) = bundle[kind] ?? [];
    return row;
  });
  return { userIds: bundles.map((b) => b.id), strings: strings.strings, bundles: encodeRecords(rows, strings) };
}

/** Users read from storage: rows of a block's head (ascending), or users as objects (ids ascending either way). */
export type StoredUsersPage = { head: BlockHead; rows: number[] } | { users: StoredUser[] };

/** The users of a page as objects. */
export function usersOfPage(page: StoredUsersPage): StoredUser[] {
  return 'users' in page ? page.users : page.rows.map((row) => userAt(page.head, row));
}

/** Every user of a block as stored. */
export function usersOfBlock(head: BlockHead): StoredUser[] {
  return decodeRecords<StoredUser>(head.users, head.strings);
}

/** The user at `row` as stored. */
export function userAt(head: BlockHead, row: number): StoredUser {
  return decodeRecord<StoredUser>(head.users, row, head.strings);
}

/** The bundle of the user at `row` of a block: their record, every list of their records and their history. */
export function bundleAt(head: BlockHead, body: BlockBody, row: number): UserBundle {
  return bundleOf(userAt(head, row), body, row);
}

/** A bundle put together from a user as stored and a body row (of the same user). */
export function bundleOf(stored: StoredUser, body: BlockBody, bodyRow: number): UserBundle {
  const { fieldTags: _tags, communityIds: _communities, licenses, counts: _counts, ...user } = stored;
  const rest = decodeRecord<BodyRow>(body.bundles, bodyRow, body.strings);
  const bundle = { id: user.id, revision: user.revision ?? 0, deleted: false, user, licenses, retainedHistory: (rest.retainedHistory as RetainedHistory | null) ?? null } as UserBundle;
  for (const kind of BODY_KINDS) (bundle[kind] as unknown[]) = (rest[kind] as unknown[] | undefined) ?? [];
  return bundle;
}

/** The row of `userId` in a block, or -1 (ids are in ascending order). */
export function rowOf(block: { userIds: readonly string[] }, userId: string): number {
  const ids = block.userIds;
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const id = ids[middle]!;
    if (id === userId) return middle;
    if (id < userId) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
