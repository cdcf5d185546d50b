/**
 * An operation waiting in the local outbox for the server (sync, DOMAIN.md). One is written per applied
 * batch (A14), in the same transaction as the batch's changes, with the records as they were before it:
 * when the server rejects the operation for a user, the client can put that user back exactly.
 */
import type { LifecycleAction, ReportMove } from './build-lifecycle-plan.ts';
import type {
  Assignment,
  Certificate,
  Community,
  CompletionRecord,
  LicenseGrant,
  Membership,
  MembershipRequest,
  Methodology,
  RetainedHistory,
  Token,
  User,
} from './roster-types.ts';

export interface BeforeImage {
  /** Communities whose admins changed (F3 transfers), or an import replaced. */
  communities?: Community[];
  /** Methodologies an import replaced. */
  methodologies?: Methodology[];
  /** The batch's users and the reports that moved with it (A8). */
  users: User[];
  /** A3/R2: assignments taken back out of the removed list when they were re-assigned. */
  removedAssignments?: Assignment[];
  /**
   * F9/R3/R4: what was kept aside for the operation's users before it (records-kept-aside.ts), all of it;
   * for "Get certificate", the kept certificate it gave back. Absent: the operation left these alone
   * (operations written before they were kept).
   */
  removedCertificates?: Certificate[];
  removedMemberships?: Membership[];
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

/** F3: the admin role of a community passes from one user to another. */
export interface TransferCommunityAdminArgs {
  communityId: string;
  fromUserId: string;
  toUserId: string;
}

/** R2: the previous assignments of these users, restored as they were. */
export interface ReassignAssignmentsArgs {
  assignmentIds: string[];
}

/** R4: a certificate regenerated from a completion record. */
export interface IssueCertificateArgs {
  certificateId: string;
  courseId: string;
  communityId: string;
}

/** A reactivation batch may re-assign previous assignments in the same step (R2). */
export interface ReactivateArgs {
  reassignPrevious: boolean;
}

/** Records loaded from a file (a chunk of it), or custom fields set by a change via upload (A13). */
export interface ImportArgs {
  importId: string;
  fileName: string;
  recordKind: string;
  /** The records written, for kinds other than users; imported users are pushed as stored, by `userIds`. */
  records: unknown[];
  /** Users the chunk created: a rejection or a discard removes them rather than restoring a before-image. */
  createdUserIds: string[];
  /** Keys of the other records the chunk created (ids, or [userId, …] tuples), removed the same way. */
  createdKeys?: unknown[];
}

export type OperationKind = LifecycleAction | 'transfer_community_admin' | 'reassign_assignments' | 'issue_certificate' | 'import';

export function emptyBeforeImage(): BeforeImage {
  return {
    users: [],
    licenses: [],
    memberships: [],
    membershipRequests: [],
    assignments: [],
    certificates: [],
    tokens: [],
    completions: [],
    retainedHistory: [],
  };
}

export interface OutboxOperation {
  /** Local order; assigned by the database. */
  seq?: number;
  /** Unique across clients: the server drops a replay of the same id. */
  id: string;
  kind: OperationKind;
  /** Arguments of kinds other than the lifecycle ones. */
  args?: TransferCommunityAdminArgs | ReassignAssignmentsArgs | IssueCertificateArgs | ReactivateArgs | ImportArgs;
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
