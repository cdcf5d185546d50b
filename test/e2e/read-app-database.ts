/**
 * Reads the app's own IndexedDB from the page, as the browser holds it, so an end-to-end test can pick
 * its subjects (a manager, a community admin) from the real data rather than from assumptions.
 */
import type { Page } from 'playwright-core';

/** Every record of one object store of the app's database, or the first `count`. */
export function readStore<T>(page: Page, store: string, count?: number): Promise<T[]> {
  return page.evaluate(
    async ({ store, count }) => {
      const request = indexedDB.open('offboard');
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        return await new Promise<unknown[]>((resolve, reject) => {
          const get = db.transaction(store).objectStore(store).getAll(null, count);
          get.onsuccess = () => resolve(get.result);
          get.onerror = () => reject(get.error);
        });
      } finally {
        db.close();
      }
    },
    { store, count },
  ) as Promise<T[]>;
}
