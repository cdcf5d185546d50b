/**
 * What a push's answer does to the device, in one transaction: applied operations leave the outbox's
 * queue (kept as sent, without their before-images); every user the server refused is put back as the
 * server holds them (the answer carries their bundles) and listed with the reason; an operation refused
 * whole is marked so. A refusal of the whole push (403) undoes every sent operation from its
 * before-image instead, newest first, since the server answered nothing per user.
 */
import type { OutboxOperation } from '../core/changes/operation.ts';
import type { StoredUser } from '../core/stored-user.ts';
import type { OperationResult } from '../core/sync/sync-protocol.ts';
import type { SyncRejectionRecord } from '../core/sync/sync-rejection.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import { undoOperation } from './commit-local-change.ts';
import type { RosterStore } from './roster-store.ts';
import { SYNC_CURSOR_KEY } from './sync-state.ts';
import { writeUserBundles, type WrittenBundles } from './write-user-bundles.ts';

export interface SettledPush extends WrittenBundles {
  applied: number;
  rejectedUsers: number;
  rejectedOperations: number;
}

/** An operation once the server has it: its before-image and its copy of imported records are no longer needed. */
function asSent(operation: OutboxOperation, status: OutboxOperation['status']): OutboxOperation {
  if (operation.kind === 'import') {
    const { args } = operation;
    const emptied =
      args.recordKind === 'users' ? { ...args, rows: [] } : args.recordKind === 'custom_fields' ? { ...args, changes: [] } : { ...args, records: [] };
    return { ...operation, args: emptied, status, before: null } as OutboxOperation;
  }
  return { ...operation, status, before: null };
}

export async function settlePushResults(store: RosterStore, operations: readonly OutboxOperation[], results: readonly OperationResult[], now: string): Promise<SettledPush> {
  const byId = new Map(operations.map((op) => [op.id, op]));
  return store.write(async (tx) => {
    const current = new Map<string, UserBundle>();
    const rejections: SyncRejectionRecord[] = [];
    const updated: OutboxOperation[] = [];
    let applied = 0;
    let rejectedOperations = 0;
    for (const result of results) {
      const operation = byId.get(result.id);
      if (!operation) continue;
      for (const bundle of result.current) current.set(bundle.id, bundle);
      for (const r of result.rejections) {
        rejections.push({ operationId: operation.id, kind: operation.kind, userId: r.userId, code: r.code, rule: r.rule, message: r.message, changedSinceSeen: r.changedSinceSeen, madeAt: operation.createdAt, rejectedAt: now });
      }
      if (result.status === 'rejected') rejectedOperations++;
      else applied++;
      updated.push(asSent(operation, result.status === 'rejected' ? 'rejected' : 'pushed'));
    }
    // Still queued ones are skipped: a later operation of this device will settle them.
    const written = await writeUserBundles(tx, [...current.values()], null);
    await tx.putOperations(updated);
    await tx.addRejections(rejections);
    return { ...written, applied, rejectedUsers: rejections.filter((r) => r.userId !== null).length, rejectedOperations };
  });
}

/**
 * 403: the server took none of these operations. Each is undone from its before-image, newest first,
 * and listed as refused with the server's message. One without a before-image (written by an earlier
 * version) cannot be undone here: the pull starts over, and brings its users back as the server has them.
 */
export async function rollBackRefusedOperations(store: RosterStore, operations: readonly OutboxOperation[], message: string, now: string): Promise<SettledPush> {
  return store.write(async (tx) => {
    const latest = new Map<string, StoredUser>();
    const deleted = new Set<string>();
    const newestFirst = [...operations].sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
    let needsFullPull = false;
    for (const operation of newestFirst) {
      const undone = await undoOperation(tx, operation);
      if (!undone) {
        needsFullPull = true;
        continue;
      }
      for (const user of undone.changed) {
        latest.set(user.id, user);
        deleted.delete(user.id);
      }
      for (const id of undone.deletedIds) {
        deleted.add(id);
        latest.delete(id);
      }
    }
    if (needsFullPull) await tx.deleteMeta([SYNC_CURSOR_KEY]);
    await tx.putOperations(operations.map((op) => asSent(op, 'rejected')));
    await tx.addRejections(
      operations.map((op) => ({ operationId: op.id, kind: op.kind, userId: null, code: 'forbidden' as const, rule: 'A1', message, changedSinceSeen: false, madeAt: op.createdAt, rejectedAt: now })),
    );
    return {
      changed: [...latest.values()],
      deletedIds: [...deleted],
      isOrganizationChanged: operations.some((op) => op.before?.organization),
      applied: 0,
      rejectedUsers: 0,
      rejectedOperations: operations.length,
    };
  });
}
