/**
 * The change function of each operation kind, by kind: what the device runs when it makes a change and
 * what the server runs when it receives one. (For a lifecycle batch the server first re-checks the rules
 * on its own roster and runs `applyLifecycleChange` on the users that still qualify, with its own A8 moves.)
 */
import type { ChangeContext, ChangeOutcome } from './change-outcome.ts';
import { transferCommunityAdminChange } from './community-admin-transfer.ts';
import { importChunkChange } from './import-chunk.ts';
import { issueCertificateChange } from './issue-certificate.ts';
import { applyLifecycleChange } from './lifecycle-change.ts';
import type { Operation } from './operation.ts';
import { reassignAssignmentsChange } from './reassign-assignments.ts';

export function applyOperation(context: ChangeContext, op: Operation): ChangeOutcome {
  switch (op.kind) {
    case 'deactivate':
    case 'delete':
      return applyLifecycleChange(context, { action: op.kind, userIds: op.userIds, reportMoves: op.args.reportMoves, reassignPrevious: false });
    case 'reactivate':
      return applyLifecycleChange(context, { action: op.kind, userIds: op.userIds, reportMoves: op.args.reportMoves, reassignPrevious: op.args.reassignPrevious });
    case 'transfer_community_admin':
      return transferCommunityAdminChange(context, op.args);
    case 'reassign_assignments':
      return reassignAssignmentsChange(context, op.userIds, op.args);
    case 'issue_certificate':
      return issueCertificateChange(context, op.userIds[0] ?? '', op.args);
    case 'import':
      return importChunkChange(context, op.args);
  }
}

/**
 * The users whose bundles an operation reads (and may write), and among them those of whom it reads and
 * changes the user record alone: the reports an A8 move hands to another manager. A device reads no more
 * than that of them (at 10,000 deactivations, about as many reports move).
 */
export function usersReadBy(op: Operation): { whole: string[]; userRecordOnly: string[] } {
  if (op.kind === 'deactivate' || op.kind === 'reactivate' || op.kind === 'delete') {
    const whole = new Set(op.userIds);
    return { whole: op.userIds, userRecordOnly: op.args.reportMoves.map((m) => m.userId).filter((id) => !whole.has(id)) };
  }
  return { whole: wholeBundlesReadBy(op), userRecordOnly: [] };
}

function wholeBundlesReadBy(op: Exclude<Operation, { kind: 'deactivate' | 'reactivate' | 'delete' }>): string[] {
  switch (op.kind) {
    case 'transfer_community_admin':
      return [op.args.fromUserId, op.args.toUserId];
    case 'import':
      switch (op.args.recordKind) {
        case 'users':
          return op.args.rows.map((u) => u.id);
        case 'custom_fields':
          return op.args.changes.map((c) => c.userId);
        case 'communities':
        case 'methodologies':
          return [];
        default:
          return [...new Set(op.args.records.map((r) => r.userId))];
      }
    default:
      return op.userIds;
  }
}
