/**
 * Reads a table in pages by primary key, so that a 1,000,000-record table never has to be cloned out of
 * IndexedDB in one piece and progress can be shown while it happens.
 */
import type { Collection, IndexableType, Table } from 'dexie';

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
