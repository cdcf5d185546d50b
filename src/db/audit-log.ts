/**
 * The audit log in IndexedDB: a record per change (src/core/audit-records.ts), keyed by the numbers of
 * its first and last entry, found by multi-entry indexes of the targets, actions, rules and batches its
 * entries name. The one module that knows that layout: writers append a change's entries, readers ask
 * for pages, a user's history or every entry.
 */
import type { Collection } from 'dexie';
import type { AuditFilters } from '../core/audit-filter.ts';
import { isAuditFiltered } from '../core/audit-filter.ts';
import { auditEntriesOf, auditEntryAt, auditRecordOf, auditRowsMatching, entryCountOf, type AuditRecord } from '../core/audit-records.ts';
import type { AuditEntry } from '../core/roster-types.ts';
import type { OffboardDatabase } from './offboard-database.ts';
import { readInPages } from './read-in-pages.ts';

export type AuditRecordKey = [first: number, last: number];

/**
 * Appends one change's entries as one record, numbered after the last entry stored. Runs in the caller's
 * transaction, which must hold `auditLog` for writing; one append at a time per transaction (two at once
 * would number their entries alike). A Dexie promise, so that it keeps the caller's transaction when
 * awaited beside other requests.
 */
export function appendAudit(db: OffboardDatabase, entries: readonly AuditEntry[]): Promise<unknown> {
  if (entries.length === 0) return Promise.resolve();
  return db.auditLog
    .orderBy(':id')
    .lastKey()
    .then((key) => db.auditLog.add(auditRecordOf(entries, ((key as AuditRecordKey | undefined)?.[1] ?? 0) + 1)));
}

/** Removes every entry (a device set up by an import that is discarded keeps nothing of it). */
export function clearAudit(db: OffboardDatabase): Promise<void> {
  return db.auditLog.clear();
}

export interface AuditPageQuery extends AuditFilters {
  /** Entries numbered below this only (the next page of older ones); null: from the newest. */
  beforeSeq: number | null;
  limit: number;
}

export interface AuditEntriesPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Entries the filters keep, on every page. */
  matching: number;
  total: number;
  hasOlder: boolean;
}

/** A page of the audit, newest first, with how many entries the filters keep and how many there are. */
export async function readAuditEntriesPage(db: OffboardDatabase, query: AuditPageQuery): Promise<AuditEntriesPage> {
  const filtered = isAuditFiltered(query);
  // The most selective index the filters have narrows the records read; the rest is filtered.
  const base = (): Collection<AuditRecord, AuditRecordKey> =>
    query.batchId !== null
      ? db.auditLog.where('batchIds').equals(query.batchId)
      : query.action !== null
        ? db.auditLog.where('actions').equals(query.action)
        : query.ruleId !== null
          ? db.auditLog.where('ruleIds').equals(query.ruleId)
          : db.auditLog.toCollection();
  return db.transaction('r', db.auditLog, async () => {
    const entries: AuditEntry[] = [];
    const before = query.beforeSeq ?? Infinity;
    await base()
      .reverse()
      .until(() => entries.length > query.limit)
      .each((record) => {
        if (record.first >= before) return;
        for (const row of auditRowsMatching(record, query)) {
          if (record.first + row >= before) continue;
          entries.push(auditEntryAt(record, row));
          if (entries.length > query.limit) return;
        }
      });
    const total = await countEntries(db);
    let matching = total;
    if (filtered) {
      matching = 0;
      await base().each((record) => {
        matching += auditRowsMatching(record, query).length;
      });
    }
    return { entries: entries.slice(0, query.limit), matching, total, hasOlder: entries.length > query.limit };
  });
}

/** How many entries the log holds: its entries are numbered without gaps from the first record's first. */
async function countEntries(db: OffboardDatabase): Promise<number> {
  const [oldest, newest] = await Promise.all([db.auditLog.orderBy(':id').firstKey(), db.auditLog.orderBy(':id').lastKey()]);
  if (!oldest || !newest) return 0;
  return (newest as AuditRecordKey)[1] - (oldest as AuditRecordKey)[0] + 1;
}

/** The newest entries about one user, newest first. */
export async function readUserAuditHistory(db: OffboardDatabase, userId: string, limit: number): Promise<AuditEntry[]> {
  // Each record found holds at least one entry about the user: `limit` records are enough.
  const records = await db.auditLog.where('targetIds').equals(userId).reverse().limit(limit).toArray();
  const entries: AuditEntry[] = [];
  for (const record of records) {
    for (let row = entryCountOf(record) - 1; row >= 0 && entries.length < limit; row--) {
      const entry = auditEntryAt(record, row);
      if (entry.targetId === userId) entries.push(entry);
    }
  }
  return entries;
}

/** Every entry, oldest first, a page of records at a time (the log of a large roster is never read whole). */
export function forEachAuditEntries(db: OffboardDatabase, onEntries: (entries: AuditEntry[]) => void): Promise<void> {
  return readInPages(
    db.auditLog,
    (record) => [record.first, record.last] as AuditRecordKey,
    (records) => {
      for (const record of records) onEntries(auditEntriesOf(record));
    },
    500,
  );
}

/** Every entry, oldest first: for tests and small logs. */
export async function readAuditEntries(db: OffboardDatabase): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  await forEachAuditEntries(db, (page) => entries.push(...page));
  return entries;
}
