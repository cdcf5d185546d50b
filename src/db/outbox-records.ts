/**
 * The outbox as IndexedDB holds it. An operation's before-image keeps the bundles of every user it
 * changed (a batch of 100 deactivations with its report moves: about 200 bundles, thousands of records);
 * as objects they cost IndexedDB a clone of each, about as much as the rest of the batch's writes
 * together, so they are stored as columns (src/core/blocks/record-columns.ts) and made objects again only
 * when read; so are an import chunk's records. Operations written before that keep their bundles and
 * records as objects and read as they are.
 */
import type { BeforeImage, ImportedRecords, OutboxOperation } from '../core/changes/operation.ts';
import { decodeRecordList, encodeRecordList, type RecordList } from '../core/blocks/record-columns.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import type { OffboardDatabase } from './offboard-database.ts';

/** A before-image with its bundles as columns. */
export type StoredBeforeImage = Omit<BeforeImage, 'bundles'> & { bundles: RecordList };

/**
 * An outbox operation as stored (each kind keeps its own arguments); an import's records, taken out of
 * its arguments, as columns.
 */
export type StoredOutboxOperation = OutboxOperation extends infer O
  ? O extends OutboxOperation
    ? Omit<O, 'before'> & { before: StoredBeforeImage | BeforeImage | null; imported?: RecordList }
    : never
  : never;

export function storedOperationOf(operation: OutboxOperation): StoredOutboxOperation {
  let stored: StoredOutboxOperation = operation;
  if (operation.kind === 'import') {
    const { args } = operation;
    const key = importedListKey(args);
    const list = (args as unknown as Record<typeof key, readonly object[]>)[key];
    // An import chunk carries its file's records (2,000 users): as objects they cost more to clone than
    // the rest of the chunk's writes.
    if (list.length > 0) stored = { ...operation, args: { ...args, [key]: [] }, imported: encodeRecordList(list) } as StoredOutboxOperation;
  }
  const { before } = operation;
  return before ? { ...stored, before: { ...before, bundles: encodeRecordList(before.bundles) } } : stored;
}

export function operationOf(stored: StoredOutboxOperation): OutboxOperation {
  const { before, imported, ...rest } = stored;
  let operation = rest as OutboxOperation;
  if (imported && operation.kind === 'import') operation = { ...operation, args: { ...operation.args, [importedListKey(operation.args)]: decodeRecordList<object>(imported) } } as OutboxOperation;
  if (!before || Array.isArray(before.bundles)) return { ...operation, before: before as BeforeImage | null };
  return { ...operation, before: { ...before, bundles: decodeRecordList<UserBundle>(before.bundles) } };
}

/** Where an import's records are in its arguments. */
function importedListKey(args: ImportedRecords): 'rows' | 'changes' | 'records' {
  return args.recordKind === 'users' ? 'rows' : args.recordKind === 'custom_fields' ? 'changes' : 'records';
}

/** Adds an operation made on the device; it learns its place in the outbox, as it would had it been stored as it is. */
export function addOperation(db: OffboardDatabase, operation: OutboxOperation): Promise<number> {
  return db.outbox.add(storedOperationOf(operation)).then((seq) => (operation.seq = seq));
}

/** Writes operations back (their status changed, their before-image dropped or not). */
export function putOperations(db: OffboardDatabase, operations: readonly OutboxOperation[]): Promise<unknown> {
  return db.outbox.bulkPut(operations.map(storedOperationOf));
}

export function deleteOperations(db: OffboardDatabase, seqs: readonly number[]): Promise<void> {
  return db.outbox.bulkDelete([...seqs]);
}

export function countPendingOperations(db: OffboardDatabase): Promise<number> {
  return db.outbox.where('status').equals('pending').count();
}

/** Users that operations waiting in the outbox touch (and, for imports, create). */
export async function usersWithPendingChanges(db: OffboardDatabase): Promise<Set<string>> {
  const ids = new Set<string>();
  await db.outbox
    .where('status')
    .equals('pending')
    .each((op) => {
      for (const id of op.userIds) ids.add(id);
      if (op.kind === 'deactivate' || op.kind === 'reactivate' || op.kind === 'delete') for (const move of op.args.reportMoves) ids.add(move.userId);
      for (const id of op.before?.createdUserIds ?? []) ids.add(id);
    });
  return ids;
}

/** The first `limit` operations waiting for the server, in the order they were made. */
export async function pendingOperations(db: OffboardDatabase, limit: number): Promise<OutboxOperation[]> {
  return (await db.outbox.where('status').equals('pending').limit(limit).toArray()).map(operationOf);
}

/** Every operation of one plan or import, in the order they were made. */
export async function operationsOfPlan(db: OffboardDatabase, planId: string): Promise<OutboxOperation[]> {
  return (await db.outbox.where('planId').equals(planId).toArray()).map(operationOf).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Every operation, in the order they were made: for tests and small outboxes. */
export async function readOutbox(db: OffboardDatabase): Promise<OutboxOperation[]> {
  return (await db.outbox.orderBy('seq').toArray()).map(operationOf);
}
