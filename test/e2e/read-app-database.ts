/**
 * Reads the app's own IndexedDB from the page, as the browser holds it, so an end-to-end test can pick
 * its subjects (a manager, a community admin) from the real data rather than from assumptions, and check
 * what a flow wrote. Users and their records live in blocks and a change log (src/db/blocks/): they are
 * read raw and put together here, from the directory, the blocks and the log, independently of the
 * app's own reading code, so a test also checks that what the app shows is what the database holds. The
 * audit, a record per change, is read back as one entry per record, as it was first stored.
 */
import type { Page } from 'playwright-core';
import { bundleOf, rowOf, userAt, type BlockBody, type BlockHead } from '../../src/core/blocks/user-block.ts';
import { PER_USER_RECORD_KINDS } from '../../src/core/roster-types.ts';
import { auditEntriesOf, type AuditRecord } from '../../src/core/audit-records.ts';
import type { StoredUser } from '../../src/core/stored-user.ts';
import type { UserBundle } from '../../src/core/sync/user-bundle.ts';
import type { BlockDirectory, BlockEntry, ChangeLogEntry } from '../../src/db/blocks/block-directory.ts';

/** The range a user id falls in: the last whose low is at most the id (a scan: the reader is the app's check). */
function rangeOf(blocks: readonly BlockEntry[], id: string): number {
  let found = 0;
  blocks.forEach((block, index) => {
    if (block.low <= id) found = index;
  });
  return found;
}

/** Records of object stores, typed arrays tagged on the way out of the page and rebuilt here. */
function readRawStores(page: Page, stores: readonly string[], count?: number): Promise<Record<string, unknown[]>> {
  return page
    .evaluate(
      async ({ stores, count }) => {
        const tag = (value: unknown): unknown => {
          if (ArrayBuffer.isView(value)) return { __typed: value.constructor.name, values: Array.from(value as unknown as ArrayLike<number>) };
          if (Array.isArray(value)) return value.map(tag);
          if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tag(v)]));
          return value;
        };
        const request = indexedDB.open('offboard');
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        try {
          const transaction = db.transaction([...stores]);
          const read = await Promise.all(
            stores.map(
              (store) =>
                new Promise<unknown[]>((resolve, reject) => {
                  const get = transaction.objectStore(store).getAll(null, count);
                  get.onsuccess = () => resolve(get.result);
                  get.onerror = () => reject(get.error);
                }),
            ),
          );
          return Object.fromEntries(stores.map((store, i) => [store, tag(read[i])]));
        } finally {
          db.close();
        }
      },
      { stores: [...stores], count },
    )
    .then((raw) => untag(raw) as Record<string, unknown[]>);
}

/** Every kind of typed array a stored value may hold, by name. */
const TYPED: Record<string, { from(values: number[]): unknown }> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Int16Array,
  Int8Array,
  Uint32Array,
  Uint16Array,
  Uint8Array,
  Uint8ClampedArray,
};

function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value && typeof value === 'object') {
    const tagged = value as { __typed?: string; values?: number[] };
    if (tagged.__typed) {
      const kind = TYPED[tagged.__typed];
      if (!kind) throw new Error(`The database holds a ${tagged.__typed}, which this reader does not know.`);
      return kind.from(tagged.values!);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untag(v)]));
  }
  return value;
}

/** Every live user's bundle and stored record, put together from the raw block tables. */
export async function readRoster(page: Page): Promise<{ users: StoredUser[]; bundles: UserBundle[] }> {
  const raw = await readRawStores(page, ['blockDirectory', 'blockHeads', 'blockBodies', 'changeLog']);
  const directory = ((raw.blockDirectory as { key: string }[]).find((r) => r.key === 'directory') as BlockDirectory | undefined) ?? { blocks: [{ id: null, low: '', count: 0, foldedSeq: 0 }] };
  const heads = new Map((raw.blockHeads as { id: number; head: BlockHead }[]).map((r) => [r.id, r.head]));
  const bodies = new Map((raw.blockBodies as { id: number; body: BlockBody }[]).map((r) => [r.id, r.body]));
  const log = (raw.changeLog as ChangeLogEntry[]).sort((a, b) => a.seq! - b.seq!);
  // Latest log entry of each user's record and of the rest of their bundle; a deletion ends both.
  const latest = new Map<string, { head: ChangeLogEntry | null; body: ChangeLogEntry | null; deleted: boolean; seq: number; bodySeq: number }>();
  for (const entry of log) {
    for (const id of entry.head.userIds) {
      const whole = rowOf(entry.body, id) >= 0;
      const before = latest.get(id);
      latest.set(id, { head: entry, body: whole ? entry : (before?.body ?? null), deleted: false, seq: entry.seq!, bodySeq: whole ? entry.seq! : (before?.bodySeq ?? 0) });
    }
    for (const id of entry.deletedIds) latest.set(id, { head: null, body: null, deleted: true, seq: entry.seq!, bodySeq: entry.seq! });
  }
  const { blocks } = directory;
  const ids = new Set<string>(latest.keys());
  blocks.forEach((block, index) => {
    if (block.id !== null) for (const id of heads.get(block.id)!.userIds) if (rangeOf(blocks, id) === index) ids.add(id);
  });
  const users: StoredUser[] = [];
  const bundles: UserBundle[] = [];
  for (const id of [...ids].sort()) {
    const block = blocks[rangeOf(blocks, id)]!;
    const logged = latest.get(id);
    const blockHead = block.id === null ? null : heads.get(block.id)!;
    const blockBody = block.id === null ? null : bodies.get(block.id)!;
    let head: BlockHead | null = blockHead;
    let body: BlockBody | null = blockBody;
    if (logged && logged.seq > block.foldedSeq) {
      if (logged.deleted) continue;
      head = logged.head!.head;
      if (logged.bodySeq > block.foldedSeq) body = logged.body!.body;
    }
    if (!head || rowOf(head, id) < 0) continue;
    const user = userAt(head, rowOf(head, id));
    users.push(user);
    bundles.push(bundleOf(user, body!, rowOf(body!, id)));
  }
  return { users, bundles };
}

/**
 * Every record of one object store of the app's database, or the first `count`. For users and their
 * records (`users`, `assignments`, …) the records the roster holds, in id order, as the table of that
 * name held them before the roster moved into blocks.
 */
export async function readStore<T>(page: Page, store: string, count?: number): Promise<T[]> {
  if (store === 'audit') {
    // The audit is a record per change, its entries as columns (src/core/audit-records.ts).
    const records = (await readRawStores(page, ['auditLog']))['auditLog'] as AuditRecord[];
    const entries = records.flatMap(auditEntriesOf);
    return (count === undefined ? entries : entries.slice(0, count)) as T[];
  }
  if ((PER_USER_RECORD_KINDS as readonly string[]).includes(store)) {
    const { users, bundles } = await readRoster(page);
    const records: unknown[] =
      store === 'users' ? users : store === 'retainedHistory' ? bundles.flatMap((b) => (b.retainedHistory ? [b.retainedHistory] : [])) : bundles.flatMap((b) => b[store as 'tokens']);
    return (count === undefined ? records : records.slice(0, count)) as T[];
  }
  return (await readRawStores(page, [store], count))[store] as T[];
}
