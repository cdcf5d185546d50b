/**
 * A change the server refused for one user, kept on the device until the admin retries it (after fixing
 * what blocked it) or discards it. The user is already back in the server's state when it is listed.
 */
import type { OperationKind } from '../changes/operation.ts';
import type { RejectionCode } from './sync-protocol.ts';

export interface SyncRejectionRecord {
  id?: number;
  operationId: string;
  kind: OperationKind;
  /** Null when the whole operation was refused (e.g. 403 for the account). */
  userId: string | null;
  code: RejectionCode | 'forbidden';
  rule: string | null;
  message: string;
  changedSinceSeen: boolean;
  /** When the device made the change, and when the server refused it. */
  madeAt: string;
  rejectedAt: string;
}

/** Kinds a retry can plan again for the same users; others are made again by hand. */
export function isRetryable(kind: OperationKind): kind is 'deactivate' | 'reactivate' | 'delete' {
  return kind === 'deactivate' || kind === 'reactivate' || kind === 'delete';
}
