/**
 * Undoes an import cut short, in one transaction: every chunk it wrote is reverted from its outbox
 * operation (created records removed, replaced ones put back from the before-image), newest first, and
 * the operations leave the outbox: the server never hears of an import the admin discarded. Refused
 * once any of them has been sent, since the server would then hold what the device no longer does.
 */
import type { IndexableType, Table } from 'dexie';
import type { ImportArgs, OutboxOperation } from '../core/outbox-operation.ts';
import { PER_USER_RECORD_KINDS, type AuditEntry } from '../core/roster-types.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { RefusedChangeError } from './database-errors.ts';
import { toStoredUser, toUser, type OffboardDatabase } from './offboard-database.ts';
import { recordsOfUsers } from './records-of-users.ts';
import { IMPORT_FILES_KEY, IMPORT_MARKER_KEY, type ImportMarker } from './pending-import.ts';
import { SESSION_KEY } from './write-roster-in-chunks.ts';

export interface DiscardedImport {
  chunksUndone: number;
  /** The device held nothing before the import: it is empty again. */
  isRosterEmpty: boolean;
}

const TABLE_OF_KIND: Readonly<Record<string, string>> = {
  communities: 'communities',
  methodologies: 'methodologies',
  memberships: 'memberships',
  licenses: 'licenses',
  assignments: 'assignments',
  completions: 'completions',
  certificates: 'certificates',
};

export async function discardImport(db: OffboardDatabase, request: { actorId: string | null; now: string }): Promise<DiscardedImport> {
  const tables = [db.meta, db.organization, db.admins, db.customFields, db.communities, db.methodologies, db.audit, db.outbox, ...PER_USER_RECORD_KINDS.map((k) => db.table(k))];
  return db.transaction('rw', tables, async () => {
    const marker = (await db.meta.get(IMPORT_MARKER_KEY))?.value as ImportMarker | undefined;
    if (!marker) throw new RefusedChangeError('import_not_pending', 'No import is waiting to be discarded.');
    const operations = (await db.outbox.where('planId').equals(marker.importId).toArray())
      .filter((op) => op.kind === 'import')
      .sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
    if (operations.some((op) => op.status !== 'pending')) {
      throw new RefusedChangeError('import_already_sent', 'Part of this import has already been sent to the server: it can no longer be discarded here.');
    }
    const touchedUsers = new Set<string>();
    for (const operation of operations) await undoImportOperation(db, operation, touchedUsers);

    // Summaries of users whose records came and went are worked out again from what is left.
    const globalId = (await db.communities.toArray()).find((c) => c.global)?.id ?? null;
    const users = (await db.users.bulkGet([...touchedUsers])).filter((u) => u !== undefined);
    const perUser = PER_USER_RECORD_KINDS.filter((k) => k !== 'users');
    const records = await Promise.all(perUser.map((kind) => recordsOfUsers(db.table(kind), users.map((u) => u.id))));
    const summaries = summarizeUserRecords(Object.fromEntries(perUser.map((kind, i) => [kind, records[i]])), globalId);
    await db.users.bulkPut(users.map((u) => toStoredUser(toUser(u), summaries.get(u.id))));

    await db.outbox.bulkDelete(operations.map((op) => op.seq!));
    await db.meta.bulkDelete([IMPORT_MARKER_KEY, IMPORT_FILES_KEY]);
    const isRosterEmpty = (await db.users.count()) === 0;
    if (isRosterEmpty && marker.setup) {
      // The import had set the device up: with its users gone, nothing of it stays.
      await Promise.all([db.organization.clear(), db.admins.clear(), db.customFields.clear(), db.audit.clear(), db.meta.delete(SESSION_KEY)]);
    } else {
      const entry: AuditEntry = {
        at: request.now,
        actorId: request.actorId ?? 'unknown',
        action: 'import',
        targetId: null,
        batchId: null,
        ruleId: null,
        summary: `Discarded the interrupted import of ${marker.fileNames.join(', ')}: ${operations.length} chunks undone.`,
      };
      await db.audit.add(entry);
    }
    return { chunksUndone: operations.length, isRosterEmpty };
  });
}

/** Reverts one import chunk: what it created goes, what it replaced comes back. Summaries are the caller's. */
export async function undoImportOperation(db: OffboardDatabase, operation: OutboxOperation, touchedUsers: Set<string>): Promise<void> {
  const args = operation.args as ImportArgs;
  const { before } = operation;
  if (args.recordKind === 'users' || args.recordKind === 'custom_fields') {
    await db.users.bulkDelete(args.createdUserIds);
    const stored = await db.users.bulkGet(before.users.map((u) => u.id));
    const restored = before.users.flatMap((user, i) => {
      const now = stored[i];
      return now ? [{ ...toStoredUser(user), communityIds: now.communityIds, licenses: now.licenses, counts: now.counts }] : [toStoredUser(user)];
    });
    await db.users.bulkPut(restored);
    return;
  }
  const tableName = TABLE_OF_KIND[args.recordKind];
  if (!tableName) return;
  const table = db.table(tableName) as Table<unknown, IndexableType>;
  await table.bulkDelete((args.createdKeys ?? []) as IndexableType[]);
  const replaced: unknown[] =
    args.recordKind === 'communities'
      ? (before.communities ?? [])
      : args.recordKind === 'methodologies'
        ? (before.methodologies ?? [])
        : (before[args.recordKind as 'licenses' | 'assignments' | 'completions' | 'certificates'] ?? []);
  await table.bulkPut(replaced);
  for (const record of args.records as { userId?: string }[]) if (record.userId) touchedUsers.add(record.userId);
}
