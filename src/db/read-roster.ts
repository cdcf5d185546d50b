/**
 * Reads what the in-memory roster needs, in pages by primary key, so that a 1,000,000-user roster never
 * has to be cloned out of IndexedDB in one piece and progress can be shown while it happens.
 */
import type { Collection, IndexableType, Table } from 'dexie';
import { keyUser, type KeyedUser, type RosterIndexSource } from '../core/roster-index.ts';
import type { OffboardDatabase, StoredUser } from './offboard-database.ts';

const PAGE_SIZE = 20_000;

/** Calls `onPage` with every record of `table`, `PAGE_SIZE` at a time, in primary key order. */
export async function readInPages<T, K extends IndexableType>(
  table: Table<T, K>,
  keyOf: (record: T) => K,
  onPage: (page: T[]) => void,
  pageSize = PAGE_SIZE,
): Promise<void> {
  const readAfter = (lastKey: K | null): Promise<T[]> => {
    const collection: Collection<T, K> = lastKey === null ? table.orderBy(':id') : table.where(':id').above(lastKey);
    return collection.limit(pageSize).toArray();
  };
  let records = await readAfter(null);
  for (;;) {
    // The next page is asked for before this one is handled, so the database reads while the caller works.
    const next = records.length < pageSize ? null : readAfter(keyOf(records[records.length - 1]!));
    onPage(records);
    if (!next) return;
    records = await next;
  }
}

/**
 * Everything the in-memory roster needs: the users table alone, thanks to the summaries users carry.
 * Users come keyed for sorting and search (`keyUser`), folded page by page while the next page is read.
 */
export async function readRosterSource(
  db: OffboardDatabase,
  onProgress?: (usersRead: number, totalUsers: number) => void,
): Promise<Omit<RosterIndexSource, 'users'> & { users: KeyedUser[] }> {
  const totalUsers = await db.users.count();
  const users: KeyedUser[] = [];
  await readInPages(db.users, (u: StoredUser) => u.id, (page) => {
    for (const stored of page) users.push(keyUser(stored));
    onProgress?.(users.length, totalUsers);
  });
  const [methodologies, communities, customFields] = await Promise.all([
    db.methodologies.toArray(),
    db.communities.toArray(),
    db.customFields.toArray(),
  ]);
  return { users, methodologies, communities, customFields };
}
