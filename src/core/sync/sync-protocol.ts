/**
 * The sync protocol between a device and the platform's server, as plain data: what the client sends,
 * what the server answers. JSON over HTTPS, every request with `Authorization: Bearer <token>`.
 * The README's "Sync protocol" section describes it for anyone implementing a server; the reference server in
 * src/server/ speaks it, and so must any platform endpoint the app is pointed at.
 */
import type { OperationBody } from '../changes/operation.ts';
import type { Admin, CustomFieldDefinition, Community, Methodology, Organization, Permission } from '../roster-types.ts';
import type { UserBundle } from './user-bundle.ts';

/** 2: operations carry their kind's arguments as src/core/changes/operation.ts types them; an import
 * carries its records as imported. */
export const SYNC_PROTOCOL_VERSION = 3;

/** What the server accepts in one request; a push above these gets 413 and the client sends less. */
export interface SyncLimits {
  /** Operations in one push. */
  operationsPerPush: number;
  /** Users in one pull page. */
  usersPerPull: number;
}

/** GET /session: who the token belongs to. Remembered on the device, so it works offline. */
export interface SessionResponse {
  protocol: number;
  organizationId: string;
  organizationName: string;
  admin: { userId: string; permissions: Permission[] };
  limits: SyncLimits;
}

/**
 * One outbox operation as sent: its kind and arguments (src/core/changes/operation.ts). `seq` grows with
 * every operation of a client; ids are unique everywhere.
 */
export type PushOperation = OperationBody & {
  id: string;
  seq: number;
  /** The users the operation is about (a lifecycle batch's users; an import chunk's users). */
  userIds: string[];
  /** The server revision of each user as the client saw it when it made the change (absent: never pulled). */
  seen: Record<string, number>;
  createdAt: string;
};

/** POST /push */
export interface PushRequest {
  protocol: number;
  clientId: string;
  operations: PushOperation[];
}

export type RejectionCode =
  | 'community_admin'
  | 'self'
  | 'last_user_manager'
  | 'unknown_user'
  | 'no_free_seat'
  | 'ela_pool_full'
  | 'missing_permission'
  | 'plan_disallows'
  | 'not_found'
  | 'not_admin'
  | 'not_active'
  | 'duplicate_email'
  | 'unknown_manager'
  | 'invalid_operation';

/** Why the server refused an operation for one user (or for all of it, with userId null). */
export interface Rejection {
  userId: string | null;
  code: RejectionCode;
  /** The DOMAIN.md rule, when one applies. */
  rule: string | null;
  message: string;
  /** True when the user had changed on the server since the client saw them. */
  changedSinceSeen: boolean;
}

export type OperationStatus = 'applied' | 'partly_applied' | 'rejected';

export interface OperationResult {
  id: string;
  seq: number;
  status: OperationStatus;
  /** Users the server left as they were because they already were so (X3: already inactive…). */
  unchanged: string[];
  rejections: Rejection[];
  /** The server's state of every rejected user, to put back on the device (a tombstone if gone). */
  current: UserBundle[];
  /** The server revision this operation's changes were committed at. */
  revision: number;
}

export interface PushResponse {
  results: OperationResult[];
}

/** Organization-wide records: small, sent whole when any of them changed. */
export interface OrganizationState {
  revision: number;
  organization: Organization;
  admins: Admin[];
  methodologies: Methodology[];
  communities: Community[];
  customFields: CustomFieldDefinition[];
}

/** GET /pull?cursor=…&limit=… */
export interface PullResponse {
  /** Present when it changed since the cursor (always on a first pull). */
  organization: OrganizationState | null;
  /** Users changed since the cursor, oldest change first; deleted users as tombstones. */
  users: UserBundle[];
  /** Opaque: where the next pull starts. */
  cursor: string;
  /** More changes wait beyond this page: pull again at once. */
  hasMore: boolean;
  /** Users changed since the cursor in all, this page included (for progress). */
  remaining: number;
}

export type SyncErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'too_large'
  | 'bad_request'
  | 'protocol_mismatch'
  | 'out_of_order'
  | 'bad_cursor'
  | 'server_error';

/** The body of every non-2xx answer. */
export interface SyncErrorBody {
  code: SyncErrorCode;
  message: string;
  /** With 413: what the server accepts. */
  limits?: SyncLimits;
}
