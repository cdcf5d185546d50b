/**
 * Every change Offboard makes, as one discriminated union of kinds and their arguments: what the outbox
 * keeps, what a push carries and what the server evaluates. Each kind has one pure function in this folder
 * (see `applyOperation`) that both the device and the server run on user bundles, so the two cannot
 * carry out a change differently.
 */
import type { LifecycleAction, ReportMove } from '../build-lifecycle-plan.ts';
import type { CsvRecordOf } from '../csv/csv-formats.ts';
import type { CustomFieldDefinition, User } from '../roster-types.ts';
import type { OrganizationLists } from './change-outcome.ts';
import type { UserBundle } from '../sync/user-bundle.ts';

/** A1/F1/F2: a batch of a lifecycle plan (A14); the users are the operation's `userIds`. */
export interface LifecycleArgs {
  /** A8: the device's moves of the batch's reports. The server works out its own from its roster. */
  reportMoves: ReportMove[];
}

/** R2: a reactivation batch may re-assign previous assignments in the same step. */
export interface ReactivateArgs extends LifecycleArgs {
  reassignPrevious: boolean;
}

/** F3: the admin role of a community passes from one user to another. */
export interface TransferCommunityAdminArgs {
  communityId: string;
  fromUserId: string;
  toUserId: string;
}

/** R2: these previous assignments of the operation's users, restored as they were. */
export interface ReassignAssignmentsArgs {
  assignmentIds: string[];
}

/** R4: the certificate of one completion, given back or issued ("Get certificate"). */
export interface IssueCertificateArgs {
  courseId: string;
  communityId: string;
}

/** A13: custom field values a change-via-upload row sets on one user. */
export interface CustomFieldValues {
  userId: string;
  values: Record<string, string>;
}

/**
 * The records of one import chunk, as read from the file when the chunk was written: a snapshot, so that
 * what reaches the server is the import itself, whatever the device did to those users afterwards.
 */
export type ImportedRecords =
  /** Users as the file has them; only `presentColumns` replace values of users already there. */
  | { recordKind: 'users'; rows: User[]; presentColumns: string[] }
  | { recordKind: 'custom_fields'; changes: CustomFieldValues[] }
  | { recordKind: 'communities'; records: CsvRecordOf['communities'][] }
  | { recordKind: 'methodologies'; records: CsvRecordOf['methodologies'][] }
  | { recordKind: 'memberships'; records: CsvRecordOf['memberships'][] }
  | { recordKind: 'licenses'; records: CsvRecordOf['licenses'][] }
  | { recordKind: 'assignments'; records: CsvRecordOf['assignments'][] }
  | { recordKind: 'completions'; records: CsvRecordOf['completions'][] }
  | { recordKind: 'certificates'; records: CsvRecordOf['certificates'][] };

export type ImportRecordKind = ImportedRecords['recordKind'];

export type ImportArgs = ImportedRecords & {
  importId: string;
  fileName: string;
  /** The file's last row this chunk holds (for the audit). */
  lastRow: number;
  /** Custom fields the file's columns define (A13), added where not defined yet. */
  newCustomFields: CustomFieldDefinition[];
};

/** Each kind's arguments. */
export interface OperationArgsOf {
  deactivate: LifecycleArgs;
  reactivate: ReactivateArgs;
  delete: LifecycleArgs;
  transfer_community_admin: TransferCommunityAdminArgs;
  reassign_assignments: ReassignAssignmentsArgs;
  issue_certificate: IssueCertificateArgs;
  import: ImportArgs;
}

export type OperationKind = keyof OperationArgsOf;

export const OPERATION_KINDS: readonly OperationKind[] = [
  'deactivate',
  'reactivate',
  'delete',
  'transfer_community_admin',
  'reassign_assignments',
  'issue_certificate',
  'import',
];

/** A kind and its arguments, discriminated by `kind`. */
export type OperationBody = { [K in OperationKind]: { kind: K; args: OperationArgsOf[K] } }[OperationKind];

/** What every operation carries besides its kind: who, when, about whom. */
export interface OperationHeader {
  /** Unique across clients: the server answers a replay of the same id with its first answer. */
  id: string;
  actorId: string;
  /** The users the operation is about (a lifecycle batch's users, an import chunk's users). */
  userIds: string[];
  /** When the change was made; the time every record it stamps carries, on the device and the server. */
  createdAt: string;
}

export type Operation = OperationHeader & OperationBody;

export function isLifecycleOperation(op: OperationBody): op is Extract<OperationBody, { kind: LifecycleAction }> {
  return op.kind === 'deactivate' || op.kind === 'reactivate' || op.kind === 'delete';
}

/**
 * What a change replaced, to put it back when the server refuses it whole (403) or the admin discards an
 * interrupted import: the bundles as they were (undoing writes them again), the users it created (undoing
 * deletes them) and the organization lists it replaced.
 */
export interface BeforeImage {
  bundles: UserBundle[];
  /** Users whose bundle above holds their user record alone (and its licenses): undoing puts back that. */
  userRecordOnly?: string[];
  createdUserIds: string[];
  organization: OrganizationLists | null;
}

export function emptyBeforeImage(): BeforeImage {
  return { bundles: [], createdUserIds: [], organization: null };
}

/** The plan (or import) and the batch of it an operation is. */
export interface OutboxPlacement {
  planId: string;
  batchIndex: number;
  batchCount: number;
}

/** An operation made on the device, as its writer hands it to the outbox. */
export type LocalOperation = Operation & OutboxPlacement;

/** An operation in the device's outbox, in the order it was made. */
export type OutboxOperation = LocalOperation & {
  /** Local order; assigned by the database. */
  seq?: number;
  status: 'pending' | 'pushed' | 'rejected';
  /**
   * Null once the server has the operation, and for operations written by an earlier version (before
   * images then were per table): a refusal of those is mended by pulling the users again.
   */
  before: BeforeImage | null;
};
