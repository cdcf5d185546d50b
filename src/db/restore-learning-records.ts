/**
 * What reactivation gives back on request rather than by itself, each one transaction with its audit
 * entries and one outbox operation (src/db/commit-local-change.ts):
 * - R2: assignments a deactivation removed (A3), re-assigned as they were in one step;
 * - R4: a completion whose certificate went with the deactivation gets that certificate again ("Get
 *   certificate"), as it was kept aside (src/core/records-kept-aside.ts).
 */
import type { Certificate } from '../core/roster-types.ts';
import type { StoredUser } from '../core/stored-user.ts';
import { commitLocalChange, type RosterLookup } from './commit-local-change.ts';
import type { RosterStore } from './roster-store.ts';

interface ChangeContext {
  actorId: string;
  now: string;
  operationId: string;
}

export interface ReassignedAssignments {
  changed: StoredUser[];
  restoredCount: number;
}

/** R2 for active users: their previous assignments come back as they were. */
export async function reassignPreviousAssignments(store: RosterStore, request: ChangeContext & { userIds: string[] }, lookup: RosterLookup): Promise<ReassignedAssignments> {
  return store.write(async (tx) => {
    const bundles = await tx.bundles(request.userIds);
    const assignmentIds = [...bundles.values()].flatMap((b) => b.removedAssignments.map((a) => a.id));
    const header = { id: request.operationId, actorId: request.actorId, createdAt: request.now, planId: request.operationId, batchIndex: 0, batchCount: 1 };
    // Users with nothing to re-assign are left out: no operation for nothing.
    const userIds = request.userIds.filter((id) => !bundles.has(id) || bundles.get(id)!.removedAssignments.length > 0 || bundles.get(id)!.user?.status !== 'active');
    if (userIds.length === 0) return { changed: [], restoredCount: 0 };
    const committed = await commitLocalChange(tx, { operation: { ...header, userIds, kind: 'reassign_assignments', args: { assignmentIds } }, lookup });
    return { changed: committed.changed, restoredCount: assignmentIds.length };
  });
}

/**
 * R4 "Get certificate" for one completion of an active user: the certificate a deactivation kept aside
 * for it comes back as it was (its id, its issue date); one that never existed is issued now.
 */
export async function issueCertificate(
  store: RosterStore,
  request: ChangeContext & { userId: string; courseId: string; communityId: string },
  lookup: RosterLookup,
): Promise<{ user: StoredUser; certificate: Certificate; wasKept: boolean }> {
  return store.write(async (tx) => {
    const { userId, courseId, communityId } = request;
    const header = { id: request.operationId, actorId: request.actorId, createdAt: request.now, planId: request.operationId, batchIndex: 0, batchCount: 1, userIds: [userId] };
    const committed = await commitLocalChange(tx, { operation: { ...header, kind: 'issue_certificate', args: { courseId, communityId } }, lookup });
    const after = committed.outcome.changed.get(userId)!;
    const before = committed.operation.before!.bundles.find((b) => b.id === userId)!;
    const certificate = after.certificates.find((c) => c.courseId === courseId && c.communityId === communityId)!;
    return { user: committed.changed[0]!, certificate, wasKept: before.removedCertificates.some((c) => c.id === certificate.id) };
  });
}
