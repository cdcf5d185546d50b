/**
 * Applies one batch of a lifecycle plan (A14) as one Dexie transaction: the users' changes and every
 * consequence the plan showed (A3, A7, A8, A10, A11, F9, R2, R3, R4, R5, F2), one audit entry per change, and
 * one outbox operation with the before-image of every record it touched. All or nothing: if anything
 * fails, or the roster changed since the plan was built, nothing of the batch is written. What a
 * deactivation keeps aside and a reactivation gives back is decided by src/core/records-kept-aside.ts,
 * as on the server (src/core/sync/apply-lifecycle-to-bundles.ts).
 */
import type { IndexableType, Table } from 'dexie';
import type { LifecycleAction, ReportMove } from '../core/build-lifecycle-plan.ts';
import type { EffectivePolicy } from '../core/lifecycle-policy.ts';
import type { BeforeImage, OutboxOperation } from '../core/outbox-operation.ts';
import type { AuditEntry } from '../core/roster-types.ts';
import { toUser, type OffboardDatabase, type StoredUser } from './offboard-database.ts';
import { StalePlanError } from './database-errors.ts';
import { recordsOfUsers } from './records-of-users.ts';
import { isReleasedByDeactivation, keepAsideOnDeactivation, reconsumeElaLicense, releaseElaLicense, restoreOnReactivation } from '../core/records-kept-aside.ts';
import { countByUser, reassignAuditEntry, restorePreviousAssignments, withAssignmentsRestored } from './restore-learning-records.ts';

export interface LifecycleBatch {
  action: LifecycleAction;
  actorId: string;
  planId: string;
  batchIndex: number;
  batchCount: number;
  userIds: string[];
  /** The plan's A8 moves away from this batch's users. */
  reportMoves: ReportMove[];
  policy: EffectivePolicy;
  globalCommunityId: string | null;
  /** Methodologies on an ELA (A11, R5). */
  elaMethodologyIds: ReadonlySet<string>;
  now: string;
  operationId: string;
  /** R2: a reactivation re-assigns the users' previous assignments in the same transaction. */
  reassignPrevious?: boolean;
  /** The saved selection rule the plan came from, named in the audit. */
  selectionRule?: string | null;
}

export interface AppliedBatch {
  /** Users as stored after the batch: its users and the moved reports. */
  changed: StoredUser[];
  deletedIds: string[];
  operation: OutboxOperation;
}

/** The DOMAIN.md rule each kind of entry carries out, shown in the audit. */
const AUDIT_RULE: Partial<Record<AuditEntry['action'], string>> = { deactivate: 'A1', reactivate: 'F1', delete: 'F2', move_report: 'A8' };

const EXPECTED_STATUS: Record<LifecycleAction, StoredUser['status'] | null> = {
  deactivate: 'active',
  reactivate: 'inactive',
  delete: null,
};

export async function applyLifecycleBatch(db: OffboardDatabase, batch: LifecycleBatch): Promise<AppliedBatch> {
  const tables = [
    db.users,
    db.licenses,
    db.memberships,
    db.membershipRequests,
    db.assignments,
    db.removedAssignments,
    db.completions,
    db.certificates,
    db.removedCertificates,
    db.removedMemberships,
    db.tokens,
    db.retainedHistory,
    db.audit,
    db.outbox,
  ];
  return db.transaction('rw', tables, async () => {
    const { userIds, action } = batch;
    const movedIds = batch.reportMoves.map((m) => m.userId);
    // Every read is sent before any answer is awaited, and every write likewise below: a batch costs
    // two round trips to the database, not one per table.
    const [users, movedOrMissing] = await Promise.all([db.users.bulkGet(userIds), db.users.bulkGet(movedIds)]);
    const expected = EXPECTED_STATUS[action];
    users.forEach((user, i) => {
      if (!user) throw new StalePlanError(`User ${userIds[i]} is no longer on this roster.`);
      if (expected && user.status !== expected) throw new StalePlanError(`User ${user.id} is no longer ${expected}.`);
    });
    const stored = users as StoredUser[];
    const moved = movedOrMissing.filter((u): u is StoredUser => u !== undefined);

    // The users' summaries say which tables hold anything of theirs: only those are read. The summaries
    // are written in the same transactions as the records, so they cannot disagree.
    const holding = (has: (user: StoredUser) => boolean): string[] => stored.filter(has).map((u) => u.id);
    const read = <T, K extends IndexableType>(table: Table<T, K>, ids: string[]): Promise<T[]> => recordsOfUsers(table, ids);
    // Licenses need no read at all: a user's summary holds their license records whole.
    const licenses = stored.flatMap((u) => u.licenses);
    const [memberships, membershipRequests, assignments, certificates, tokens, completions, retainedHistory, previousAssignments, removedCertificates, removedMemberships] = await Promise.all([
      read(db.memberships, holding((u) => u.communityIds.length > 0)),
      read(db.membershipRequests, holding((u) => u.counts.requests > 0)),
      read(db.assignments, holding((u) => u.counts.assignments > 0)),
      read(db.certificates, holding((u) => u.counts.certificates > 0)),
      read(db.tokens, holding((u) => Object.values(u.counts.tokens).some((n) => n > 0))),
      action === 'deactivate' ? [] : read(db.completions, holding((u) => u.counts.completions > 0)),
      action === 'delete' ? db.retainedHistory.bulkGet(userIds).then((h) => h.filter((x) => x !== undefined)) : [],
      action === 'delete' ? read(db.removedAssignments, holding((u) => u.counts.removedAssignments > 0)) : [],
      read(db.removedCertificates, holding((u) => u.counts.removedCertificates > 0)),
      read(db.removedMemberships, holding((u) => u.counts.removedMemberships > 0)),
    ]);
    const before: BeforeImage = {
      users: [...stored, ...moved].map(toUser),
      licenses,
      memberships,
      membershipRequests,
      assignments,
      certificates,
      tokens,
      completions,
      retainedHistory,
      // A deletion removes the assignments kept for R2 too: kept here so a refused one can be put back.
      ...(action === 'delete' ? { removedAssignments: previousAssignments } : {}),
      // Every action rewrites what was kept aside for these users (F9, R3/R4, F2): all of it, as it was.
      removedCertificates,
      removedMemberships,
    };

    const membershipsOf = groupByUser(memberships);
    const certificatesHeldOf = groupByUser(certificates);
    const removedMembershipsOf = groupByUser(removedMemberships);
    const removedCertificatesOf = groupByUser(removedCertificates);
    const completionsOf = groupByUser(completions);
    const recordsOf = (userId: string) => ({
      memberships: membershipsOf.get(userId) ?? [],
      removedMemberships: removedMembershipsOf.get(userId) ?? [],
      certificates: certificatesHeldOf.get(userId) ?? [],
      removedCertificates: removedCertificatesOf.get(userId) ?? [],
      completions: completionsOf.get(userId) ?? [],
    });

    const audit: AuditEntry[] = [];
    const entry = (targetId: string, auditAction: AuditEntry['action'], summary: string): void => {
      audit.push({ at: batch.now, actorId: batch.actorId, action: auditAction, targetId, batchId: batch.operationId, ruleId: AUDIT_RULE[auditAction] ?? null, selectionRule: batch.selectionRule ?? null, summary });
    };
    const changed: StoredUser[] = [];
    let deletedIds: string[] = [];
    const writes: (Promise<unknown> | undefined)[] = [];

    if (action === 'deactivate') {
      const released = licenses.filter((l) => l.state === 'reserved');
      const elaReleased = licenses.filter((l) => isReleasedByDeactivation(l, batch.elaMethodologyIds));
      const removesAssignments = batch.policy.assignments === 'remove';
      // F9: what R3/R4 may give back is kept aside as it was, user by user as on the server.
      const keptOf = new Map(stored.map((u) => [u.id, keepAsideOnDeactivation(recordsOf(u.id), batch.globalCommunityId)]));
      const kept = [...keptOf.values()];
      const keptCertificates = new Set(kept.flatMap((k) => k.removedCertificates.map((c) => c.id)));
      writes.push(
        db.licenses.bulkDelete(released.map((l): [string, string] => [l.userId, l.methodologyId])), // A10
        db.licenses.bulkPut(elaReleased.map((l) => releaseElaLicense(l, batch.now))), // A11
        db.memberships.bulkDelete(memberships.map((m): [string, string] => [m.userId, m.communityId])), // F9
        db.membershipRequests.bulkDelete(membershipRequests.map((m): [string, string] => [m.userId, m.communityId])), // F9
        db.certificates.bulkDelete(certificates.map((c) => c.id)), // F9
        db.removedCertificates.bulkDelete(removedCertificates.filter((c) => !keptCertificates.has(c.id)).map((c) => c.id)), // replaced by the one held now
        db.removedCertificates.bulkPut(kept.flatMap((k) => k.removedCertificates)),
        db.removedMemberships.bulkPut(kept.flatMap((k) => k.removedMemberships)),
        db.tokens.bulkDelete(tokens.map((t) => t.id)), // A7/F7
        removesAssignments ? db.removedAssignments.bulkPut(assignments) : undefined, // A3, kept for R2
        removesAssignments ? db.assignments.bulkDelete(assignments.map((a) => a.id)) : undefined,
      );
      for (const user of stored) {
        const heldCertificates = certificatesHeldOf.get(user.id) ?? [];
        const globalRemoved = heldCertificates.filter((c) => c.communityId === batch.globalCommunityId).length;
        const keptAside = keptOf.get(user.id)!;
        changed.push({
          ...user,
          status: 'inactive',
          deactivatedAt: batch.now,
          deactivatedBy: batch.actorId,
          communityIds: [],
          licenses: user.licenses
            .filter((l) => l.state !== 'reserved')
            .map((l) => (isReleasedByDeactivation(l, batch.elaMethodologyIds) ? releaseElaLicense(l, batch.now) : l)),
          counts: {
            ...user.counts,
            requests: 0,
            certificates: 0,
            removedCertificates: keptAside.removedCertificates.length,
            removedMemberships: keptAside.removedMemberships.length,
            tokens: { auth: 0, auto_login: 0, device: 0, oauth: 0 },
            assignments: removesAssignments ? 0 : user.counts.assignments,
            removedAssignments: user.counts.removedAssignments + (removesAssignments ? user.counts.assignments : 0),
            uncertifiedGlobalCompletions: user.counts.uncertifiedGlobalCompletions + globalRemoved,
            uncertifiedOtherCompletions: user.counts.uncertifiedOtherCompletions + heldCertificates.length - globalRemoved,
          },
        });
        entry(user.id, 'deactivate', `Deactivated user ${user.id}.`);
      }
    } else if (action === 'reactivate') {
      const reconsumed = licenses.filter((l) => l.releasedFromElaAt);
      // R3/R4: what the deactivation kept aside comes back as it was, user by user as on the server.
      const restoredOf = new Map(stored.map((u) => [u.id, restoreOnReactivation(u.id, recordsOf(u.id), batch.globalCommunityId, batch.now)]));
      const restored = [...restoredOf.values()];
      const restoredCertificates = restored.flatMap((r) => r.certificates);
      const stillKept = new Set(restored.flatMap((r) => r.removedCertificates.map((c) => c.id)));
      writes.push(
        db.licenses.bulkPut(reconsumed.map(reconsumeElaLicense)), // R5
        db.memberships.bulkPut(restored.flatMap((r) => (r.membership ? [r.membership] : []))), // R3
        db.removedMemberships.bulkDelete(removedMemberships.map((m): [string, string] => [m.userId, m.communityId])),
        db.certificates.bulkPut(restoredCertificates), // R4
        db.removedCertificates.bulkDelete(removedCertificates.filter((c) => !stillKept.has(c.id)).map((c) => c.id)),
      );
      const reassigned = batch.reassignPrevious ? await restorePreviousAssignments(db, userIds) : [];
      before.removedAssignments = reassigned;
      const reassignedOf = countByUser(reassigned);
      for (const user of stored) {
        const back = restoredOf.get(user.id)!;
        const restoredCount = back.certificates.length;
        const reassigned = withAssignmentsRestored(user, reassignedOf.get(user.id) ?? 0);
        changed.push({
          ...reassigned,
          status: 'active',
          deactivatedAt: null,
          deactivatedBy: null,
          communityIds: back.membership ? [...user.communityIds, back.membership.communityId].sort() : user.communityIds,
          licenses: user.licenses.map((l) => (l.releasedFromElaAt ? reconsumeElaLicense(l) : l)),
          counts: {
            ...reassigned.counts,
            certificates: user.counts.certificates + restoredCount,
            removedCertificates: back.removedCertificates.length,
            removedMemberships: back.removedMemberships.length,
            uncertifiedGlobalCompletions: user.counts.uncertifiedGlobalCompletions - restoredCount,
          },
        });
        entry(user.id, 'reactivate', `Reactivated user ${user.id}.`);
        const reassignedCount = reassignedOf.get(user.id);
        if (reassignedCount) audit.push(reassignAuditEntry(batch, user.id, reassignedCount));
      }
    } else {
      // F2: everything goes, retained history included; D1: the audit keeps only the id.
      writes.push(
        db.users.bulkDelete(userIds),
        db.licenses.bulkDelete(licenses.map((l): [string, string] => [l.userId, l.methodologyId])),
        db.memberships.bulkDelete(memberships.map((m): [string, string] => [m.userId, m.communityId])),
        db.membershipRequests.bulkDelete(membershipRequests.map((m): [string, string] => [m.userId, m.communityId])),
        db.assignments.bulkDelete(assignments.map((a) => a.id)),
        db.removedAssignments.bulkDelete(previousAssignments.map((a) => a.id)),
        db.completions.bulkDelete(completions.map((c): [string, string, string] => [c.userId, c.courseId, c.communityId])),
        db.certificates.bulkDelete(certificates.map((c) => c.id)),
        db.removedCertificates.bulkDelete(removedCertificates.map((c) => c.id)),
        db.removedMemberships.bulkDelete(removedMemberships.map((m): [string, string] => [m.userId, m.communityId])),
        db.tokens.bulkDelete(tokens.map((t) => t.id)),
        db.retainedHistory.bulkDelete(userIds),
      );
      deletedIds = userIds;
      for (const id of userIds) entry(id, 'delete', `Deleted user ${id}.`);
    }

    // A8: reports of leaving users move up; R6: nothing moves back on reactivation.
    const moveOf = new Map(batch.reportMoves.map((m) => [m.userId, m]));
    for (const user of moved) {
      const move = moveOf.get(user.id)!;
      changed.push({ ...user, managerId: move.toManagerId });
      entry(user.id, 'move_report', `Manager of ${user.id} changed from ${move.fromManagerId} to ${move.toManagerId ?? 'nobody (top level)'}.`);
    }

    const operation: OutboxOperation = {
      id: batch.operationId,
      kind: action,
      planId: batch.planId,
      batchIndex: batch.batchIndex,
      batchCount: batch.batchCount,
      actorId: batch.actorId,
      userIds,
      reportMoves: batch.reportMoves,
      createdAt: batch.now,
      status: 'pending',
      ...(action === 'reactivate' ? { args: { reassignPrevious: batch.reassignPrevious ?? false } } : {}),
      before,
    };
    writes.push(db.users.bulkPut(changed), db.audit.bulkAdd(audit), db.outbox.add(operation));
    await Promise.all(writes);
    return { changed, deletedIds, operation };
  });
}

function groupByUser<T extends { userId: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(item.userId);
    if (list) list.push(item);
    else groups.set(item.userId, [item]);
  }
  return groups;
}

