/**
 * What reactivation gives back on request rather than by itself:
 * - R2: assignments a deactivation removed (A3) are kept aside, and re-assigned as they were in one step;
 * - R4: a completion whose certificate went with the deactivation gets that certificate again ("Get
 *   certificate"), as it was kept aside (src/core/records-kept-aside.ts).
 * Each is one transaction with its audit entries and one outbox operation carrying the before-image.
 */
import { emptyBeforeImage, type OutboxOperation } from '../core/outbox-operation.ts';
import type { Assignment, AuditEntry, Certificate } from '../core/roster-types.ts';
import { RefusedChangeError } from './database-errors.ts';
import { certificateToIssue } from '../core/records-kept-aside.ts';
import { plural } from '../core/plural.ts';
import { recordsOfUsers } from './records-of-users.ts';
import { toUser, type OffboardDatabase, type StoredUser } from './offboard-database.ts';

interface ChangeContext {
  actorId: string;
  now: string;
  operationId: string;
}

/**
 * R2, inside a transaction that holds `assignments` and `removedAssignments`: moves every removed
 * assignment of these users back. Returns what was restored.
 */
export async function restorePreviousAssignments(db: OffboardDatabase, userIds: readonly string[]): Promise<Assignment[]> {
  const previous = await recordsOfUsers(db.removedAssignments, userIds);
  if (previous.length === 0) return [];
  await db.assignments.bulkPut(previous);
  await db.removedAssignments.bulkDelete(previous.map((a) => a.id));
  return previous;
}

/** The user's summary once `restored` of their assignments came back. */
export function withAssignmentsRestored(user: StoredUser, restored: number): StoredUser {
  if (restored === 0) return user;
  return {
    ...user,
    counts: {
      ...user.counts,
      assignments: user.counts.assignments + restored,
      removedAssignments: user.counts.removedAssignments - restored,
    },
  };
}

export function countByUser(records: readonly { userId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.userId, (counts.get(record.userId) ?? 0) + 1);
  return counts;
}

export interface ReassignedAssignments {
  changed: StoredUser[];
  restoredCount: number;
}

/** R2 for active users: their previous assignments come back as they were. */
export async function reassignPreviousAssignments(
  db: OffboardDatabase,
  request: ChangeContext & { userIds: string[] },
): Promise<ReassignedAssignments> {
  return db.transaction('rw', [db.users, db.assignments, db.removedAssignments, db.audit, db.outbox], async () => {
    const users = await db.users.bulkGet(request.userIds);
    users.forEach((user, i) => {
      if (!user) throw new RefusedChangeError('reassign_refused', `User ${request.userIds[i]} is no longer on this roster.`);
      if (user.status !== 'active') throw new RefusedChangeError('reassign_refused', `${user.firstName} ${user.lastName} is inactive: reactivate them before re-assigning.`);
    });
    const stored = users as StoredUser[];
    const restored = await restorePreviousAssignments(db, request.userIds);
    if (restored.length === 0) return { changed: [], restoredCount: 0 };
    const restoredOf = countByUser(restored);
    const changed = stored.filter((u) => restoredOf.has(u.id)).map((u) => withAssignmentsRestored(u, restoredOf.get(u.id)!));
    await db.users.bulkPut(changed);
    await db.audit.bulkAdd(changed.map((u) => reassignAuditEntry(request, u.id, restoredOf.get(u.id)!)));
    const operation: OutboxOperation = {
      ...operationBase(request, 'reassign_assignments', changed.map((u) => u.id)),
      args: { assignmentIds: restored.map((a) => a.id) },
      before: { ...emptyBeforeImage(), users: stored.filter((u) => restoredOf.has(u.id)).map(toUser), removedAssignments: restored },
    };
    await db.outbox.add(operation);
    return { changed, restoredCount: restored.length };
  });
}

export function reassignAuditEntry(context: ChangeContext, userId: string, count: number): AuditEntry {
  return {
    at: context.now,
    actorId: context.actorId,
    action: 'reassign_assignments',
    targetId: userId,
    batchId: context.operationId,
    ruleId: 'R2',
    summary: `Re-assigned ${plural(count, 'previous assignment')} of ${userId}.`,
  };
}

/**
 * R4 "Get certificate" for one completion of an active user: the certificate a deactivation kept aside
 * for it comes back as it was (its id, its issue date); one that never existed is issued now.
 */
export async function issueCertificate(
  db: OffboardDatabase,
  request: ChangeContext & { userId: string; courseId: string; communityId: string; globalCommunityId: string | null },
): Promise<{ user: StoredUser; certificate: Certificate; wasKept: boolean }> {
  return db.transaction('rw', [db.users, db.completions, db.certificates, db.removedCertificates, db.audit, db.outbox], async () => {
    const { userId, courseId, communityId } = request;
    const refuse = (message: string) => new RefusedChangeError('certificate_refused', message);
    const isThisCompletion = (c: Certificate) => c.courseId === courseId && c.communityId === communityId;
    const [user, completion, existing, kept] = await Promise.all([
      db.users.get(userId),
      db.completions.get([userId, courseId, communityId]),
      db.certificates.where('userId').equals(userId).filter(isThisCompletion).first(),
      db.removedCertificates.where('userId').equals(userId).filter(isThisCompletion).toArray(),
    ]);
    if (!user) throw refuse(`User ${userId} is no longer on this roster.`);
    if (user.status !== 'active') throw refuse(`${user.firstName} ${user.lastName} is inactive: reactivate them before issuing certificates.`);
    if (!completion) throw refuse(`${user.firstName} ${user.lastName} has not completed ${courseId} in ${communityId}.`);
    if (existing) throw refuse(`The certificate of ${courseId} already exists (${existing.id}).`);

    // The same decision the server makes when it receives the operation (server-roster.ts).
    const { certificate, wasKept } = certificateToIssue(completion, kept, request.now);
    const isGlobal = communityId === request.globalCommunityId;
    const changed: StoredUser = {
      ...user,
      counts: {
        ...user.counts,
        certificates: user.counts.certificates + 1,
        removedCertificates: user.counts.removedCertificates - (wasKept ? 1 : 0),
        uncertifiedGlobalCompletions: user.counts.uncertifiedGlobalCompletions - (isGlobal ? 1 : 0),
        uncertifiedOtherCompletions: user.counts.uncertifiedOtherCompletions - (isGlobal ? 0 : 1),
      },
    };
    await db.certificates.add(certificate);
    if (wasKept) await db.removedCertificates.delete(certificate.id);
    await db.users.put(changed);
    await db.audit.add({
      at: request.now,
      actorId: request.actorId,
      action: 'issue_certificate',
      targetId: userId,
      batchId: request.operationId,
      ruleId: 'R4',
      summary: wasKept
        ? `Gave back certificate ${certificate.id} for ${courseId} in ${communityId}, as issued on ${certificate.issuedAt}.`
        : `Issued certificate ${certificate.id} for ${courseId} in ${communityId}.`,
    });
    await db.outbox.add({
      ...operationBase(request, 'issue_certificate', [userId]),
      args: { certificateId: certificate.id, courseId, communityId },
      before: { ...emptyBeforeImage(), users: [toUser(user)], ...(wasKept ? { removedCertificates: [certificate] } : {}) },
    });
    return { user: changed, certificate, wasKept };
  });
}

function operationBase(context: ChangeContext, kind: OutboxOperation['kind'], userIds: string[]): Omit<OutboxOperation, 'before'> {
  return {
    id: context.operationId,
    kind,
    planId: context.operationId,
    batchIndex: 0,
    batchCount: 1,
    actorId: context.actorId,
    userIds,
    reportMoves: [],
    createdAt: context.now,
    status: 'pending',
  };
}
