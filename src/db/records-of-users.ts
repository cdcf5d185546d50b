import type { IndexableType, Table } from 'dexie';

/**
 * Every record of these users in `table`, by its userId index or the userId prefix of its key. One
 * getAll per user, all sent at once: `where('userId').anyOf(ids)` walks a cursor instead, a round trip
 * per record, which made a batch's reads cost more than its writes.
 */
export async function recordsOfUsers<T, K extends IndexableType>(table: Table<T, K>, userIds: Iterable<string>): Promise<T[]> {
  const perUser = await Promise.all([...userIds].map((id) => table.where('userId').equals(id).toArray()));
  return perUser.flat();
}
