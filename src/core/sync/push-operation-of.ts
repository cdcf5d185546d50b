/**
 * An outbox operation as the server receives it: its kind and arguments (an import's records as
 * imported), and the revision of each user as the device saw them when the change was made. The
 * before-image stays on the device: it is for putting things back.
 */
import type { OutboxOperation } from '../changes/operation.ts';
import type { PushOperation } from './sync-protocol.ts';

export function pushOperationOf(operation: OutboxOperation): PushOperation {
  const seen: Record<string, number> = {};
  for (const bundle of operation.before?.bundles ?? []) if (bundle.user?.revision !== undefined) seen[bundle.id] = bundle.user.revision;
  const { id, seq, userIds, createdAt } = operation;
  return { id, seq: seq!, userIds, createdAt, seen, kind: operation.kind, args: operation.args } as PushOperation;
}
