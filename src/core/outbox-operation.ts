/**
 * An operation waiting in the local outbox for the server (sync, DOMAIN.md). One is written per applied
 * batch (A14), in the same transaction as the batch's changes, with the records as they were before it:
 * when the server rejects the operation for a user, the client can put that user back exactly.
 */
import type { LifecycleAction, ReportMove } from './build-lifecycle-plan.ts';
import type {
  Assignment,
  Certificate,
  CompletionRecord,
  LicenseGrant,
  Membership,
  MembershipRequest,
  RetainedHistory,
  Token,
  User,
} from './roster-types.ts';

export interface BeforeImage {
  /** The batch's users and the reports that moved with it (A8). */
  users: User[];
  licenses: LicenseGrant[];
  memberships: Membership[];
  membershipRequests: MembershipRequest[];
  assignments: Assignment[];
  certificates: Certificate[];
  tokens: Token[];
  /** Only deletion removes these (F2). */
  completions: CompletionRecord[];
  retainedHistory: RetainedHistory[];
}

export interface OutboxOperation {
  /** Local order; assigned by the database. */
  seq?: number;
  /** Unique across clients: the server drops a replay of the same id. */
  id: string;
  kind: LifecycleAction;
  planId: string;
  batchIndex: number;
  batchCount: number;
  actorId: string;
  userIds: string[];
  reportMoves: ReportMove[];
  createdAt: string;
  status: 'pending' | 'pushed' | 'rejected';
  before: BeforeImage;
}
