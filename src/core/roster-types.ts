/**
 * The roster's entities, as DOMAIN.md names them. Plain data only: these records are what IndexedDB
 * stores, what the worker keeps in memory, what CSV rows map to and what the sync protocol carries.
 * Times are ISO 8601 strings (UTC) so records survive structured clone, JSON and CSV unchanged.
 */

export type Iso8601 = string;

export type UserStatus = 'active' | 'inactive';

export type Permission = 'manage_users' | 'reports' | 'delete_users';

export type PolicyPreset = 'ascender' | 'fuse';

/** Per-setting policy; a preset fills every field, overrides replace single ones. */
export interface PolicySettings {
  /** A3: what deactivation does to assignments. */
  assignments: 'remove' | 'retain';
  /** A4: whether reports include inactive users (if not, their data must be exported first). */
  reportsIncludeInactive: boolean;
  /** A5/A17: a missing report snapshot blocks instead of warning. */
  requireSnapshot: boolean;
  /** R1: reactivation needs a free platform seat. */
  reactivationNeedsSeat: boolean;
}

export interface Organization {
  id: string;
  name: string;
  /** A1: only the `plus` plan allows deactivation. */
  plan: 'plus' | 'standard';
  /** A12/R1: platform seats; inactive users do not count. */
  seatLimit: number;
  policyPreset: PolicyPreset;
  policyOverrides: Partial<PolicySettings>;
  /** A14: most users the platform accepts per deactivation. */
  batchLimit: number;
}

/** The signed-in actor (A1); always a user of the roster too. */
export interface Admin {
  userId: string;
  permissions: Permission[];
}

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: UserStatus;
  /** null for a top-level user. */
  managerId: string | null;
  /** Custom field name → value; a missing key means no value. */
  customFields: Record<string, string>;
  lastLoginAt: Iso8601 | null;
  createdAt: Iso8601;
  deactivatedAt: Iso8601 | null;
  deactivatedBy: string | null;
  /** Sync: the server revision this device last saw the user at; absent until the first pull. */
  revision?: number;
}

export interface Methodology {
  id: string;
  name: string;
  /** A10/A11: `seat` has a fixed number of seats; `ela` is an enterprise license agreement. */
  model: 'seat' | 'ela';
  seats: number;
}

export type LicenseState = 'reserved' | 'consumed';

export interface LicenseGrant {
  userId: string;
  methodologyId: string;
  state: LicenseState;
  /** A11/R5: set when an ELA license was released by deactivation, so reactivation consumes it again. */
  releasedFromElaAt?: Iso8601 | null;
}

export interface Community {
  id: string;
  name: string;
  /** Exactly one community of an organization is global (R3). */
  global: boolean;
  /** F3/F4: these users can be neither deactivated nor deleted. */
  adminIds: string[];
}

export interface Membership {
  userId: string;
  communityId: string;
  joinedAt: Iso8601;
}

export interface MembershipRequest {
  userId: string;
  communityId: string;
  requestedAt: Iso8601;
}

export type AssignmentStatus = 'not_started' | 'in_progress' | 'completed' | 'overdue';

export interface Assignment {
  id: string;
  userId: string;
  contentId: string;
  dueAt: Iso8601 | null;
  status: AssignmentStatus;
}

export interface CompletionRecord {
  userId: string;
  courseId: string;
  communityId: string;
  completedAt: Iso8601;
}

export interface Certificate {
  id: string;
  userId: string;
  courseId: string;
  communityId: string;
  issuedAt: Iso8601;
}

export type TokenKind = 'auth' | 'auto_login' | 'device' | 'oauth';

export interface Token {
  id: string;
  userId: string;
  kind: TokenKind;
  createdAt: Iso8601;
}

/** F8: the kinds of history a deactivation keeps untouched and a deletion removes (F2). */
export const RETAINED_HISTORY_KINDS = [
  'contentViews',
  'profileViews',
  'assessmentResults',
  'activities',
  'favourites',
  'profileFavourites',
  'userGroups',
  'contentSignatures',
  'adminGroupMemberships',
  'publicActivities',
  'communitySettings',
] as const;

export type RetainedHistoryKind = (typeof RETAINED_HISTORY_KINDS)[number];

/** One record per user: how many items of each retained kind they have. */
export interface RetainedHistory {
  userId: string;
  counts: Record<RetainedHistoryKind, number>;
  lastActivityAt: Iso8601 | null;
}

/** A15: custom fields are visible to all admins and managers. */
export interface CustomFieldDefinition {
  name: string;
  label: string;
  /** Empty means free text. */
  allowedValues: string[];
}

/** A5/A17: an export of reports taken at a time, covering a set of users. */
export interface ReportSnapshot {
  id: string;
  takenAt: Iso8601;
  takenBy: string;
  reportTypes: string[];
  userIds: string[];
}

export type AuditAction =
  | 'deactivate'
  | 'reactivate'
  | 'delete'
  | 'move_report'
  | 'set_custom_field'
  | 'transfer_community_admin'
  | 'reassign_assignments'
  | 'issue_certificate'
  | 'change_settings'
  | 'sign_in'
  | 'import'
  | 'load_demo';

/** Append-only. Summaries name users by id only, so a deleted user leaves a tombstone, no personal data (D1). */
export interface AuditEntry {
  seq?: number;
  at: Iso8601;
  actorId: string;
  action: AuditAction;
  targetId: string | null;
  batchId: string | null;
  ruleId: string | null;
  /** The saved selection rule the change was planned from, if any. */
  selectionRule?: string | null;
  summary: string;
}

/** The records that belong to one user, a table each; what a chunk of a large load carries. */
export const PER_USER_RECORD_KINDS = [
  'users',
  'licenses',
  'memberships',
  'membershipRequests',
  'assignments',
  'removedAssignments',
  'completions',
  'certificates',
  'removedCertificates',
  'removedMemberships',
  'tokens',
  'retainedHistory',
] as const;

/** Everything one organization holds; what the demo generator returns and a full import fills. */
export interface RosterSnapshot {
  organization: Organization;
  admins: Admin[];
  /** The admin signed in on this device. */
  signedInAdminId: string;
  users: User[];
  methodologies: Methodology[];
  licenses: LicenseGrant[];
  communities: Community[];
  memberships: Membership[];
  membershipRequests: MembershipRequest[];
  assignments: Assignment[];
  /** A3/R2: assignments a deactivation removed, kept so reactivation can re-assign them. */
  removedAssignments: Assignment[];
  completions: CompletionRecord[];
  certificates: Certificate[];
  /** F9/R4: certificates a deactivation removed, kept as they were to come back (records-kept-aside.ts). */
  removedCertificates: Certificate[];
  /** F9/R3: the global community's membership a deactivation removed, kept to be re-added as it was. */
  removedMemberships: Membership[];
  tokens: Token[];
  retainedHistory: RetainedHistory[];
  customFields: CustomFieldDefinition[];
  reportSnapshots: ReportSnapshot[];
}

/** Organization-wide records: small, whatever the roster's size. */
export type OrganizationRecords = Pick<
  RosterSnapshot,
  'organization' | 'admins' | 'signedInAdminId' | 'methodologies' | 'communities' | 'customFields'
>;

/** The per-user records of a contiguous range of users. */
export type RosterChunk = Pick<RosterSnapshot, (typeof PER_USER_RECORD_KINDS)[number]>;
