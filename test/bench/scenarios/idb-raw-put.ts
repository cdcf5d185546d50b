/**
 * The floor for the app's writes: 100,000 users put in one raw IndexedDB transaction, one record each in
 * a store keyed by id with indexes on status, manager and email, no library in between. The app's write
 * figures are read as ratios to this one, which absorbs the speed of the machine and its disk.
 */
import type { User } from '../../../src/core/roster-types.ts';
import type { BenchScenario } from '../bench-scenario.ts';

const USER_COUNT = 100_000;

export interface PutRun {
  databaseName: string;
  userCount: number;
}

/**
 * Runs in the page; resolves with the ms from the first put to the transaction's `complete`. Exported for
 * scenarios that need this floor in their own profile, next to the write they hold against it.
 */
export async function timeRawPut({ databaseName, userCount }: PutRun): Promise<number> {
  const regions = ['EMEA', 'Americas', 'APAC'];
  const departments = ['Sales', 'Customer Success', 'Marketing', 'Sales Engineering', 'Finance', 'Operations'];
  const firstNames = ['Amélie', 'Bruno', 'Chloé', 'Dmitri', 'Emeka', 'Fatima', 'Grace', 'Hiroshi', 'Inès', 'Zoë'];
  const lastNames = ['Okafor', "O'Brien", 'Nakamura', 'Lefèvre', 'García', 'Smith', 'Kowalski', 'Haddad'];
  const day = 86_400_000;
  const now = Date.UTC(2026, 0, 15);
  const userId = (index: number): string => `U${String(index + 1).padStart(7, '0')}`;

  // Built before the clock starts: only IndexedDB's work is timed, not making the objects.
  const users: User[] = [];
  for (let index = 0; index < userCount; index++) {
    const firstName = firstNames[index % firstNames.length]!;
    const lastName = lastNames[(index * 7) % lastNames.length]!;
    const isInactive = index % 17 === 0;
    users.push({
      id: userId(index),
      email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}${index}@northwind.example`,
      firstName,
      lastName,
      status: isInactive ? 'inactive' : 'active',
      managerId: index === 0 ? null : userId(Math.floor((index - 1) / 8)),
      customFields: { region: regions[index % regions.length]!, department: departments[index % departments.length]! },
      lastLoginAt: index % 25 === 0 ? null : new Date(now - (index % 420) * day).toISOString(),
      createdAt: new Date(now - (30 + (index % 2_000)) * day).toISOString(),
      deactivatedAt: isInactive ? new Date(now - (index % 300) * day).toISOString() : null,
      deactivatedBy: isInactive ? 'U0000001' : null,
    });
  }

  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore('users', { keyPath: 'id' });
      store.createIndex('status', 'status');
      store.createIndex('managerId', 'managerId');
      store.createIndex('email', 'email');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error(`opening ${databaseName} was blocked`));
  });

  try {
    return await new Promise<number>((resolve, reject) => {
      const transaction = db.transaction('users', 'readwrite');
      const store = transaction.objectStore('users');
      const startedAt = performance.now();
      transaction.oncomplete = () => resolve(performance.now() - startedAt);
      transaction.onabort = () => reject(transaction.error ?? new Error('the transaction was aborted'));
      for (const user of users) store.put(user);
    });
  } finally {
    db.close();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(databaseName);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
  }
}

export default {
  name: 'idb-raw-put',
  async run({ openBlankPage, log }) {
    const page = await openBlankPage();
    log(`putting ${USER_COUNT.toLocaleString('en')} users in one transaction`);
    const ms = await page.evaluate(timeRawPut, { databaseName: `bench-raw-put-${Date.now()}`, userCount: USER_COUNT });
    return { name: 'idb_raw_put_100k_ms', value: Math.round(ms * 10) / 10, unit: 'ms' };
  },
} satisfies BenchScenario;
