/**
 * Puts back what one outbox operation changed, from the before-image written with it. Used when the
 * server refused the operation whole and sent nothing to restore from. Runs inside the caller's
 * transaction. Each kind touched known tables (see the writers of each kind); those tables get the
 * users' records as they were, and the users' summaries are worked out again from the result.
 */
import type { Table } from 'dexie';
import type { BeforeImage, IssueCertificateArgs, OutboxOperation, TransferCommunityAdminArgs } from '../core/outbox-operation.ts';
import { PER_USER_RECORD_KINDS } from '../core/roster-types.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { undoImportOperation } from './discard-import.ts';
import { toStoredUser, toUser, type OffboardDatabase } from './offboard-database.ts';
import { recordsOfUsers } from './records-of-users.ts';

type ReplacedTable =
  | 'licenses'
  | 'memberships'
  | 'membershipRequests'
  | 'assignments'
  | 'removedAssignments'
  | 'completions'
  | 'certificates'
  | 'removedCertificates'
  | 'removedMemberships'
  | 'tokens'
  | 'retainedHistory';

/** The per-user tables each lifecycle action rewrote for its users (apply-lifecycle-batch.ts). */
const REPLACED_TABLES: Record<'deactivate' | 'reactivate' | 'delete', ReplacedTable[]> = {
  deactivate: ['licenses', 'memberships', 'membershipRequests', 'assignments', 'certificates', 'removedCertificates', 'removedMemberships', 'tokens'],
  reactivate: ['licenses', 'memberships', 'membershipRequests', 'assignments', 'certificates', 'removedCertificates', 'removedMemberships', 'tokens'],
  delete: ['licenses', 'memberships', 'membershipRequests', 'assignments', 'removedAssignments', 'completions', 'certificates', 'removedCertificates', 'removedMemberships', 'tokens', 'retainedHistory'],
};

/** Tables an operation written before they existed has no list for: left as they are (it did not touch them). */
const OPTIONAL_IN_BEFORE_IMAGE: ReadonlySet<ReplacedTable> = new Set(['removedCertificates', 'removedMemberships']);

export interface RestoredImage {
  /** Users as they were, stored again. */
  restoredIds: string[];
  /** Users the operation had created, removed. */
  removedIds: string[];
}

export async function restoreBeforeImage(db: OffboardDatabase, operation: OutboxOperation): Promise<RestoredImage> {
  const { before } = operation;
  if (operation.kind === 'import') {
    const touched = new Set<string>(before.users.map((u) => u.id));
    await undoImportOperation(db, operation, touched);
    const created = (operation.args as { createdUserIds?: string[] }).createdUserIds ?? [];
    for (const id of created) touched.delete(id);
    await refreshSummaries(db, [...touched]);
    return { restoredIds: [...touched], removedIds: created };
  }

  const userIds = operation.userIds;
  if (operation.kind === 'deactivate' || operation.kind === 'reactivate' || operation.kind === 'delete') {
    for (const table of REPLACED_TABLES[operation.kind]) await replaceRecordsOf(db, table, userIds, before);
    if (operation.kind === 'deactivate') {
      // A3: the assignments it removed were kept aside for R2; they are current again.
      await db.removedAssignments.bulkDelete(before.assignments.map((a) => a.id));
    } else if (operation.kind === 'reactivate') {
      // R2: assignments it re-assigned go back aside.
      await db.removedAssignments.bulkPut(before.removedAssignments ?? []);
    }
  } else if (operation.kind === 'transfer_community_admin') {
    const { communityId, toUserId } = operation.args as TransferCommunityAdminArgs;
    await db.communities.bulkPut(before.communities ?? []);
    // F3: the new admin's membership goes if the transfer added it.
    if (!before.memberships.some((m) => m.communityId === communityId)) await db.memberships.delete([toUserId, communityId]);
  } else if (operation.kind === 'reassign_assignments') {
    const previous = before.removedAssignments ?? [];
    await db.assignments.bulkDelete(previous.map((a) => a.id));
    await db.removedAssignments.bulkPut(previous);
  } else if (operation.kind === 'issue_certificate') {
    await db.certificates.delete((operation.args as IssueCertificateArgs).certificateId);
    // R4: a certificate it gave back goes aside again, as it was.
    await db.removedCertificates.bulkPut(before.removedCertificates ?? []);
  }
  // The batch's users and the reports it moved (A8), as they were.
  await db.users.bulkPut(before.users.map((u) => toStoredUser(u)));
  const restoredIds = [...new Set([...userIds, ...before.users.map((u) => u.id)])];
  await refreshSummaries(db, restoredIds);
  return { restoredIds, removedIds: [] };
}

async function replaceRecordsOf(db: OffboardDatabase, tableName: ReplacedTable, userIds: readonly string[], before: BeforeImage): Promise<void> {
  if (OPTIONAL_IN_BEFORE_IMAGE.has(tableName) && before[tableName] === undefined) return;
  const table = db.table(tableName) as Table<{ userId: string }, unknown>;
  const ids = new Set(userIds);
  if (tableName === 'retainedHistory') {
    await table.bulkDelete([...ids]);
  } else {
    const keys = (await Promise.all([...ids].map((id) => table.where('userId').equals(id).primaryKeys()))).flat();
    await table.bulkDelete(keys);
  }
  const records = ((before[tableName] ?? []) as { userId: string }[]).filter((r) => ids.has(r.userId));
  await table.bulkPut(records);
}

/** Summaries worked out again from the tables, for users whose records came back. */
async function refreshSummaries(db: OffboardDatabase, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const users = (await db.users.bulkGet([...userIds])).filter((u) => u !== undefined);
  const perUser = PER_USER_RECORD_KINDS.filter((k) => k !== 'users');
  const records = await Promise.all(perUser.map((kind) => recordsOfUsers(db.table(kind), users.map((u) => u.id))));
  const globalId = (await db.communities.toArray()).find((c) => c.global)?.id ?? null;
  const summaries = summarizeUserRecords(Object.fromEntries(perUser.map((kind, i) => [kind, records[i]])), globalId);
  await db.users.bulkPut(users.map((u) => toStoredUser(toUser(u), summaries.get(u.id))));
}
