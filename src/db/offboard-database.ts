/**
 * The roster database: every entity of DOMAIN.md in its own table. The schema is versioned; each version
 * lists only what changed, and an upgrade function moves data written by the version before it. Never edit
 * a released version's stores: add a version.
 */
import Dexie, { type Table } from 'dexie';
import type {
  Admin,
  Assignment,
  AuditEntry,
  Certificate,
  Community,
  CompletionRecord,
  CustomFieldDefinition,
  LicenseGrant,
  Membership,
  MembershipRequest,
  Methodology,
  Organization,
  ReportSnapshot,
  RetainedHistory,
  Token,
  User,
} from '../core/roster-types.ts';
import { customFieldTags } from '../core/custom-field-tags.ts';
import { PER_USER_RECORD_KINDS } from '../core/roster-types.ts';

export const DEFAULT_DATABASE_NAME = 'offboard';

/** A user as stored: the domain record plus `fieldTags`, which indexes custom field values. */
export interface StoredUser extends User {
  fieldTags: string[];
}

/** Small key-value records: the session, an interrupted load, and the like. */
export interface MetaRecord {
  key: string;
  value: unknown;
}

/** Schema version 1: the first release. Kept verbatim so migrations can be tested against it. */
export const SCHEMA_V1: Record<string, string> = {
  meta: 'key',
  organization: 'id',
  admins: 'userId',
  users: 'id, status, managerId, email',
  methodologies: 'id',
  // A compound primary key starting with userId also answers where('userId') (Dexie's virtual index),
  // so per-user tables carry no separate userId index: every index costs a write per record.
  licenses: '[userId+methodologyId], methodologyId',
  communities: 'id, *adminIds',
  memberships: '[userId+communityId], communityId',
  membershipRequests: '[userId+communityId], communityId',
  assignments: 'id, userId',
  completions: '[userId+courseId+communityId]',
  certificates: 'id, userId',
  tokens: 'id, userId',
  retainedHistory: 'userId',
  customFields: 'name',
  reportSnapshots: 'id, takenAt',
  audit: '++seq, at, actorId, action, targetId, batchId',
};

/** Version 2: custom field values get a multi-entry index (filter "offboard = wave-3", A13), and the
 * audit can be filtered by the rule that caused a change. */
export const SCHEMA_V2_CHANGES: Record<string, string> = {
  users: 'id, status, managerId, email, *fieldTags',
  audit: '++seq, at, actorId, action, targetId, batchId, ruleId',
};

export const CURRENT_SCHEMA_VERSION = 2;

/** Every table that holds the organization's data (all but `meta`). */
export const ROSTER_TABLES = [
  'organization',
  'admins',
  'methodologies',
  'communities',
  'customFields',
  'reportSnapshots',
  'audit',
  ...PER_USER_RECORD_KINDS,
] as const;

export class OffboardDatabase extends Dexie {
  meta!: Table<MetaRecord, string>;
  organization!: Table<Organization, string>;
  admins!: Table<Admin, string>;
  users!: Table<StoredUser, string>;
  methodologies!: Table<Methodology, string>;
  licenses!: Table<LicenseGrant, [string, string]>;
  communities!: Table<Community, string>;
  memberships!: Table<Membership, [string, string]>;
  membershipRequests!: Table<MembershipRequest, [string, string]>;
  assignments!: Table<Assignment, string>;
  completions!: Table<CompletionRecord, [string, string, string]>;
  certificates!: Table<Certificate, string>;
  tokens!: Table<Token, string>;
  retainedHistory!: Table<RetainedHistory, string>;
  customFields!: Table<CustomFieldDefinition, string>;
  reportSnapshots!: Table<ReportSnapshot, string>;
  audit!: Table<AuditEntry, number>;

  constructor(name: string = DEFAULT_DATABASE_NAME) {
    super(name);
    this.version(1).stores(SCHEMA_V1);
    this.version(2)
      .stores(SCHEMA_V2_CHANGES)
      .upgrade((tx) =>
        tx
          .table<StoredUser, string>('users')
          .toCollection()
          .modify((user) => {
            user.fieldTags = customFieldTags(user.customFields ?? {});
          }),
      );
  }
}

/** The domain record of a stored user (drops the index-only field). */
export function toUser(stored: StoredUser): User {
  const { fieldTags: _fieldTags, ...user } = stored;
  return user;
}

export function toStoredUser(user: User): StoredUser {
  return { ...user, fieldTags: customFieldTags(user.customFields) };
}
