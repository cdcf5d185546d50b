/**
 * What a push's answer does to the device, in one transaction: applied operations leave the outbox's
 * queue (kept as sent, without their before-images); every user the server refused is put back as the
 * server holds them (the answer carries their bundles) and listed with the reason; an operation refused
 * whole is marked so. A refusal of the whole push (403) rolls every sent operation back from its
 * before-image instead, newest first, since the server answered nothing per user.
 */
import { emptyBeforeImage, type ImportArgs, type OutboxOperation } from '../core/outbox-operation.ts';
import type { OperationResult } from '../core/sync/sync-protocol.ts';
import type { SyncRejectionRecord } from '../core/sync/sync-rejection.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import type { OffboardDatabase, StoredUser } from './offboard-database.ts';
import { restoreBeforeImage } from './restore-before-image.ts';
import { syncWriteTables, writeUserBundles, type WrittenBundles } from './write-user-bundles.ts';

export interface SettledPush extends WrittenBundles {
  applied: number;
  rejectedUsers: number;
  rejectedOperations: number;
}

/** An operation once the server has it: its before-image and a copy of imported records are no longer needed. */
function asSent(operation: OutboxOperation, status: OutboxOperation['status']): OutboxOperation {
  const args = operation.kind === 'import' ? { ...(operation.args as ImportArgs), records: [] } : operation.args;
  return { ...operation, status, args, before: emptyBeforeImage() };
}

export async function settlePushResults(db: OffboardDatabase, operations: readonly OutboxOperation[], results: readonly OperationResult[], now: string): Promise<SettledPush> {
  const byId = new Map(operations.map((op) => [op.id, op]));
  return db.transaction('rw', syncWriteTables(db), async () => {
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
    const written = await writeUserBundles(db, [...current.values()], null);
    await Promise.all([db.outbox.bulkPut(updated), db.syncRejections.bulkAdd(rejections)]);
    return { ...written, applied, rejectedUsers: rejections.filter((r) => r.userId !== null).length, rejectedOperations };
  });
}

/**
 * 403: the server took none of these operations. Each is undone from its before-image, newest first,
 * and listed as refused with the server's message.
 */
export async function rollBackRefusedOperations(db: OffboardDatabase, operations: readonly OutboxOperation[], message: string, now: string): Promise<SettledPush> {
  return db.transaction('rw', syncWriteTables(db), async () => {
    const touched = new Set<string>();
    const deleted = new Set<string>();
    const newestFirst = [...operations].sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
    for (const operation of newestFirst) {
      const { restoredIds, removedIds } = await restoreBeforeImage(db, operation);
      for (const id of restoredIds) {
        touched.add(id);
        deleted.delete(id);
      }
      for (const id of removedIds) {
        deleted.add(id);
        touched.delete(id);
      }
    }
    await db.outbox.bulkPut(operations.map((op) => asSent(op, 'rejected')));
    await db.syncRejections.bulkAdd(
      operations.map((op) => ({ operationId: op.id, kind: op.kind, userId: null, code: 'forbidden' as const, rule: 'A1', message, changedSinceSeen: false, madeAt: op.createdAt, rejectedAt: now })),
    );
    const changed = (await db.users.bulkGet([...touched])).filter((u): u is StoredUser => u !== undefined);
    return { changed, deletedIds: [...deleted], isOrganizationChanged: operations.some((op) => op.kind === 'transfer_community_admin' || op.kind === 'import'), applied: 0, rejectedUsers: 0, rejectedOperations: operations.length };
  });
}
