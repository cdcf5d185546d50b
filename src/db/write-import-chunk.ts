/**
 * Writes one chunk of an import as one transaction: the records, the summaries of the users they belong
 * to, an audit entry, one outbox operation with the before-image of every record it replaced, and the
 * import's progress marker. A chunk is all or nothing, and the marker moves with it, so an import cut
 * short (a closed tab) stops exactly at a chunk boundary and can be resumed or discarded.
 */
import { mergeUserFields } from '../core/csv/check-import.ts';
import type { CsvKind, CsvRecordOf } from '../core/csv/csv-formats.ts';
import { emptyBeforeImage, type BeforeImage, type OutboxOperation } from '../core/outbox-operation.ts';
import { PER_USER_RECORD_KINDS, type Admin, type AuditEntry, type CustomFieldDefinition, type Organization, type User } from '../core/roster-types.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { toStoredUser, toUser, type OffboardDatabase, type StoredUser } from './offboard-database.ts';
import { recordsOfUsers } from './records-of-users.ts';
import { SESSION_KEY } from './write-roster-in-chunks.ts';
import { IMPORT_MARKER_KEY, type ImportMarker } from './pending-import.ts';


/** The records of one chunk: one kind, or custom field values set on existing users (A13). */
export type ImportChunkRecords =
  | { [K in CsvKind]: { kind: K; records: CsvRecordOf[K][]; presentColumns: string[] } }[CsvKind]
  | { kind: 'custom_fields'; changes: { userId: string; values: Record<string, string> }[] };

export interface ImportChunk {
  importId: string;
  fileIndex: number;
  fileName: string;
  /** The last row of the file this chunk holds: the marker's progress once it is written. */
  lastRow: number;
  actorId: string;
  now: string;
  operationId: string;
  data: ImportChunkRecords;
  /** Custom fields the import defines (written with the first chunk that needs them). */
  newCustomFields: CustomFieldDefinition[];
  /** Of a users chunk's ids, those the roster holds (the worker knows from memory); unset: read them all. */
  existingUserIds?: string[];
  /** An import onto an empty device also sets up the organization and its first admin. */
  setup?: { organization: Organization; admin: Admin };
}


export interface WrittenImportChunk {
  /** Users as stored after the chunk (created, updated, or whose summaries changed). */
  changed: StoredUser[];
  createdUserIds: string[];
  counts: { created: number; updated: number; unchanged: number };
}

const SUMMARY_SOURCE_TABLES = PER_USER_RECORD_KINDS.filter((k) => k !== 'users');

export async function writeImportChunk(db: OffboardDatabase, chunk: ImportChunk): Promise<WrittenImportChunk> {
  const tables = [db.meta, db.organization, db.admins, db.customFields, db.communities, db.methodologies, db.audit, db.outbox, ...PER_USER_RECORD_KINDS.map((k) => db.table(k))];
  return db.transaction('rw', tables, async () => {
    const marker = (await db.meta.get(IMPORT_MARKER_KEY))?.value as ImportMarker | undefined;
    if (!marker || marker.importId !== chunk.importId) throw Object.assign(new Error('This import is no longer in progress.'), { code: 'import_not_pending' });
    if ((marker.rowsDone[chunk.fileIndex] ?? 0) >= chunk.lastRow) throw Object.assign(new Error('This part of the file is already imported.'), { code: 'import_chunk_done' });

    if (chunk.setup) {
      await db.organization.put(chunk.setup.organization);
      await db.admins.put(chunk.setup.admin);
      await db.meta.put({ key: SESSION_KEY, value: { adminId: chunk.setup.admin.userId } });
    }
    if (chunk.newCustomFields.length > 0) await db.customFields.bulkPut(chunk.newCustomFields);

    const before: BeforeImage = emptyBeforeImage();
    const result: WrittenImportChunk = { changed: [], createdUserIds: [], counts: { created: 0, updated: 0, unchanged: 0 } };
    const { data } = chunk;
    let summary: string;
    let records: unknown[];
    const createdKeys: unknown[] = [];

    if (data.kind === 'users') {
      const presentFields = Object.fromEntries(data.presentColumns.map((column) => [column, '']));
      // Only users the roster holds are read: a new one is added, and should it exist after all (another
      // tab), the add fails and the chunk with it, whole. Reading every id of a first import would cost
      // a request per row for nothing.
      const held = new Set(chunk.existingUserIds ?? data.records.map((u) => u.id));
      const toRead = data.records.filter((u) => held.has(u.id)).map((u) => u.id);
      const read = await db.users.bulkGet(toRead);
      const existingById = new Map(read.flatMap((u) => (u ? [[u.id, u] as const] : [])));
      const stored: StoredUser[] = [];
      const added: StoredUser[] = [];
      data.records.forEach((user) => {
        const was = existingById.get(user.id);
        if (!was) {
          const created: User = {
            ...user,
            createdAt: user.createdAt || chunk.now,
            deactivatedAt: user.status === 'inactive' ? chunk.now : null,
            deactivatedBy: user.status === 'inactive' ? chunk.actorId : null,
          };
          added.push(toStoredUser(created));
          result.createdUserIds.push(user.id);
          result.counts.created++;
          return;
        }
        // Only the columns the file has replace values; status never changes here (plans do that).
        const merged = mergeUserFields(toUser(was), user, presentFields);
        if (JSON.stringify(merged) === JSON.stringify(toUser(was))) {
          result.counts.unchanged++;
          return;
        }
        before.users.push(toUser(was));
        stored.push({ ...toStoredUser(merged), communityIds: was.communityIds, licenses: was.licenses, counts: was.counts });
        result.counts.updated++;
      });
      await Promise.all([db.users.bulkAdd(added), db.users.bulkPut(stored)]);
      result.changed = [...added, ...stored];
      // The users go to the server as stored (the operation's userIds), not as a second copy here.
      records = [];
      summary = `Imported users from ${chunk.fileName} (to row ${chunk.lastRow}): ${result.counts.created} created, ${result.counts.updated} updated.`;
    } else if (data.kind === 'custom_fields') {
      const users = await db.users.bulkGet(data.changes.map((c) => c.userId));
      const stored: StoredUser[] = [];
      data.changes.forEach((change, i) => {
        const user = users[i];
        if (!user) return;
        const changedValues = Object.entries(change.values).filter(([name, value]) => user.customFields[name] !== value);
        if (changedValues.length === 0) {
          result.counts.unchanged++;
          return;
        }
        before.users.push(toUser(user));
        const customFields = { ...user.customFields, ...Object.fromEntries(changedValues) };
        stored.push({ ...user, ...toStoredUser({ ...toUser(user), customFields }), communityIds: user.communityIds, licenses: user.licenses, counts: user.counts });
        result.counts.updated++;
      });
      await db.users.bulkPut(stored);
      result.changed = stored;
      records = data.changes;
      summary = `Change via upload ${chunk.fileName} (to row ${chunk.lastRow}): custom fields set on ${result.counts.updated} users.`;
    } else if (data.kind === 'communities' || data.kind === 'methodologies') {
      const table = data.kind === 'communities' ? db.communities : db.methodologies;
      const existing = await table.bulkGet(data.records.map((r) => r.id));
      for (const [i, record] of data.records.entries()) {
        const was = existing[i];
        if (!was) {
          result.counts.created++;
          createdKeys.push(record.id);
        } else if (JSON.stringify(was) === JSON.stringify(record)) result.counts.unchanged++;
        else {
          result.counts.updated++;
          if (data.kind === 'communities') (before.communities ??= []).push(was as CsvRecordOf['communities']);
          else (before.methodologies ??= []).push(was as CsvRecordOf['methodologies']);
        }
      }
      await (table as typeof db.communities).bulkPut(data.records as CsvRecordOf['communities'][]);
      records = data.records;
      summary = `Imported ${data.kind} from ${chunk.fileName}: ${result.counts.created} created, ${result.counts.updated} updated.`;
    } else {
      const written = await writePerUserRecords(db, data, chunk.now, before, result, createdKeys);
      records = written;
      const globalId = (await db.communities.toArray()).find((c) => c.global)?.id ?? null;
      result.changed = await refreshSummaries(db, [...new Set(written.map((r) => (r as { userId: string }).userId))], globalId);
      summary = `Imported ${data.kind} from ${chunk.fileName} (to row ${chunk.lastRow}): ${result.counts.created} added, ${result.counts.updated} updated.`;
    }

    const audit: AuditEntry = { at: chunk.now, actorId: chunk.actorId, action: data.kind === 'custom_fields' ? 'set_custom_field' : 'import', targetId: null, batchId: chunk.operationId, ruleId: data.kind === 'custom_fields' ? 'A13' : null, summary };
    await db.audit.add(audit);
    const operation: OutboxOperation = {
      id: chunk.operationId,
      kind: 'import',
      args: { importId: chunk.importId, fileName: chunk.fileName, recordKind: data.kind, records, createdUserIds: result.createdUserIds, createdKeys },
      planId: chunk.importId,
      batchIndex: chunk.fileIndex,
      batchCount: 0,
      actorId: chunk.actorId,
      userIds: result.changed.map((u) => u.id),
      reportMoves: [],
      createdAt: chunk.now,
      status: 'pending',
      before,
    };
    await db.outbox.add(operation);
    const rowsDone = [...marker.rowsDone];
    rowsDone[chunk.fileIndex] = chunk.lastRow;
    await db.meta.put({ key: IMPORT_MARKER_KEY, value: { ...marker, rowsDone } });
    return result;
  });
}

type PerUserChunk = Extract<ImportChunkRecords, { kind: 'memberships' | 'licenses' | 'assignments' | 'completions' | 'certificates' }>;

async function writePerUserRecords(
  db: OffboardDatabase,
  data: PerUserChunk,
  now: string,
  before: BeforeImage,
  result: WrittenImportChunk,
  createdKeys: unknown[],
): Promise<unknown[]> {
  const classify = <T>(existing: (T | undefined)[], records: T[], keep: (was: T) => void, keyOf: (record: T) => unknown): void => {
    records.forEach((record, i) => {
      const was = existing[i];
      if (!was) {
        result.counts.created++;
        createdKeys.push(keyOf(record));
      } else if (JSON.stringify(was) === JSON.stringify(record)) result.counts.unchanged++;
      else {
        result.counts.updated++;
        keep(was);
      }
    });
  };
  switch (data.kind) {
    case 'memberships': {
      const keys = data.records.map((m): [string, string] => [m.userId, m.communityId]);
      const existing = await db.memberships.bulkGet(keys);
      // A membership already there keeps the day it was joined.
      const records = data.records.map((m, i) => existing[i] ?? { ...m, joinedAt: now });
      classify(existing, records, () => undefined, (m) => [m.userId, m.communityId]);
      await db.memberships.bulkPut(records);
      return records;
    }
    case 'licenses': {
      const existing = await db.licenses.bulkGet(data.records.map((l): [string, string] => [l.userId, l.methodologyId]));
      const records = data.records.map((l, i) => ({ ...existing[i], ...l }));
      classify(existing, records, (was) => before.licenses.push(was), (l) => [l.userId, l.methodologyId]);
      await db.licenses.bulkPut(records);
      return records;
    }
    case 'assignments': {
      const existing = await db.assignments.bulkGet(data.records.map((a) => a.id));
      classify(existing, data.records, (was) => before.assignments.push(was), (a) => a.id);
      await db.assignments.bulkPut(data.records);
      return data.records;
    }
    case 'completions': {
      const existing = await db.completions.bulkGet(data.records.map((c): [string, string, string] => [c.userId, c.courseId, c.communityId]));
      classify(existing, data.records, (was) => before.completions.push(was), (c) => [c.userId, c.courseId, c.communityId]);
      await db.completions.bulkPut(data.records);
      return data.records;
    }
    case 'certificates': {
      const existing = await db.certificates.bulkGet(data.records.map((c) => c.id));
      classify(existing, data.records, (was) => before.certificates.push(was), (c) => c.id);
      await db.certificates.bulkPut(data.records);
      return data.records;
    }
  }
}

/**
 * The summaries of these users worked out again from their records, inside the transaction that
 * changed the records: simpler to trust than adjusting counts record by record, and imports of
 * per-user records are rare next to lifecycle changes.
 */
async function refreshSummaries(db: OffboardDatabase, userIds: string[], globalCommunityId: string | null): Promise<StoredUser[]> {
  const users = (await db.users.bulkGet(userIds)).filter((u): u is StoredUser => u !== undefined);
  const ids = users.map((u) => u.id);
  const tables = await Promise.all(SUMMARY_SOURCE_TABLES.map((kind) => recordsOfUsers(db.table(kind), ids)));
  const records = Object.fromEntries(SUMMARY_SOURCE_TABLES.map((kind, i) => [kind, tables[i]]));
  const summaries = summarizeUserRecords(records, globalCommunityId);
  const stored = users.map((user) => toStoredUser(toUser(user), summaries.get(user.id)));
  await db.users.bulkPut(stored);
  return stored;
}
