/**
 * Applies one batch of a lifecycle plan (A14) as one transaction: the change of src/core/changes/
 * lifecycle-change.ts on the batch's users and the reports that move (A8), an audit entry per change, and
 * one outbox operation with the bundles as they were. All or nothing: if anything fails, or the roster
 * changed since the plan was built, nothing of the batch is written.
 */
import type { LifecycleAction, ReportMove } from '../core/build-lifecycle-plan.ts';
import type { LocalOperation, OutboxOperation } from '../core/changes/operation.ts';
import type { StoredUser } from '../core/stored-user.ts';
import { commitLocalChange, type RosterLookup } from './commit-local-change.ts';
import type { RosterStore } from './roster-store.ts';

export interface LifecycleBatch {
  action: LifecycleAction;
  actorId: string;
  planId: string;
  batchIndex: number;
  batchCount: number;
  userIds: string[];
  /** The plan's A8 moves away from this batch's users. */
  reportMoves: ReportMove[];
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
  /** R2: previous assignments re-assigned with a reactivation. */
  assignmentsReassigned: number;
}

export async function applyLifecycleBatch(store: RosterStore, batch: LifecycleBatch, lookup: RosterLookup): Promise<AppliedBatch> {
  const header = { id: batch.operationId, actorId: batch.actorId, userIds: batch.userIds, createdAt: batch.now, planId: batch.planId, batchIndex: batch.batchIndex, batchCount: batch.batchCount };
  const operation: LocalOperation =
    batch.action === 'reactivate'
      ? { ...header, kind: 'reactivate', args: { reportMoves: batch.reportMoves, reassignPrevious: batch.reassignPrevious ?? false } }
      : { ...header, kind: batch.action, args: { reportMoves: batch.reportMoves } };
  return store.write(async (tx) => {
    const committed = await commitLocalChange(tx, { operation, lookup, selectionRule: batch.selectionRule });
    const assignmentsReassigned =
      batch.action === 'reactivate' && batch.reassignPrevious ? (committed.operation.before?.bundles ?? []).filter((b) => batch.userIds.includes(b.id)).reduce((n, b) => n + b.removedAssignments.length, 0) : 0;
    return { changed: committed.changed, deletedIds: committed.deletedIds, operation: committed.operation, assignmentsReassigned };
  });
}
