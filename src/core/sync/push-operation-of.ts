/**
 * An outbox operation as the server receives it. The before-image stays on the device (it is for
 * putting things back); the server gets what it needs to re-check and redo the change, and the
 * revision of each user as the device saw them when the change was made.
 */
import type { ImportArgs, OutboxOperation } from '../outbox-operation.ts';
import type { User } from '../roster-types.ts';
import type { PushOperation } from './sync-protocol.ts';

/**
 * `currentUsers`: for an import of users or custom fields, the users as stored now, which the server
 * takes whole (the outbox keeps only their ids, not a second copy of 100,000 records).
 */
export function pushOperationOf(operation: OutboxOperation, currentUsers: readonly User[] = []): PushOperation {
  const seen: Record<string, number> = {};
  for (const user of operation.before.users) if (user.revision !== undefined) seen[user.id] = user.revision;
  let args: unknown = operation.args;
  if (operation.kind === 'import') {
    const importArgs = operation.args as ImportArgs;
    const carriesUsers = importArgs.recordKind === 'users' || importArgs.recordKind === 'custom_fields';
    args = {
      recordKind: importArgs.recordKind,
      fileName: importArgs.fileName,
      records: carriesUsers ? [] : importArgs.records,
      users: carriesUsers ? currentUsers.map(withoutRevision) : undefined,
    };
  }
  return { id: operation.id, seq: operation.seq!, kind: operation.kind, userIds: operation.userIds, args, seen, createdAt: operation.createdAt };
}

/** Whether pushing `operation` needs the current records of its users. */
export function needsCurrentUsers(operation: OutboxOperation): boolean {
  if (operation.kind !== 'import') return false;
  const kind = (operation.args as ImportArgs).recordKind;
  return kind === 'users' || kind === 'custom_fields';
}

function withoutRevision(user: User): User {
  const { revision: _revision, ...rest } = user;
  return rest;
}
