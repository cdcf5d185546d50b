/**
 * The roster database: every entity of DOMAIN.md in its own table. The schema is versioned; each version
 * lists only what changed, and an upgrade function moves data written by the version before it. Never edit
 * a released version's stores: add a version.
 */
import Dexie, { type Table } from 'dexie';
import type { SelectionRule } from '../core/selection-rule.ts';
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
import type { OutboxOperation } from '../core/outbox-operation.ts';
import type { SyncRejectionRecord } from '../core/sync/sync-rejection.ts';
import { APP_DATABASE_NAME } from '../core/sync/roster-changes-channel.ts';
import { PER_USER_RECORD_KINDS } from '../core/roster-types.ts';
import { emptyUserRecordSummary, summarizeUserRecords, type UserRecordSummary } from '../core/summarize-user-records.ts';

export const DEFAULT_DATABASE_NAME = APP_DATABASE_NAME;

/**
 * A user as stored: the domain record plus what is derived from the records around it, written in the
 * same transactions as they are. `fieldTags` indexes custom field values, `communityIds` memberships;
 * the summary lets a cold start read this table alone (see summarize-user-records.ts).
 */
export interface StoredUser extends User, UserRecordSummary {
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

/** Version 2: custom field values and memberships get multi-entry indexes on users (filter
 * "offboard = wave-3", A13), users carry the summary of their records, and the audit can be filtered by
 * the rule that caused a change. */
export const SCHEMA_V2_CHANGES: Record<string, string> = {
  users: 'id, status, managerId, email, *fieldTags, *communityIds',
  audit: '++seq, at, actorId, action, targetId, batchId, ruleId',
  // A3/R2: assignments a deactivation removed, kept so that reactivation can offer them again.
  removedAssignments: 'id, userId',
  // Changes waiting for the server, in the order they were made.
  outbox: '++seq, &id, status, planId',
};

/** Version 3: saved selection rules, named filters over the roster; names are unique ignoring case. */
export const SCHEMA_V3_CHANGES: Record<string, string> = {
  selectionRules: 'id, &nameKey',
};

/** Version 4: operations the sync server refused, per user, with its reason, until the admin retries or
 * discards them. */
export const SCHEMA_V4_CHANGES: Record<string, string> = {
  syncRejections: '++id, operationId, userId',
};

/** Version 5: what a deactivation removes and a later step may give back is kept aside as it was, so that
 * it comes back as the same record (src/core/records-kept-aside.ts): certificates (F9/R4) and the global
 * community's membership (F9/R3). Users' summaries count them. */
export const SCHEMA_V5_CHANGES: Record<string, string> = {
  removedCertificates: 'id, userId',
  // Keyed like memberships: a user has at most one kept per community.
  removedMemberships: '[userId+communityId]',
};

export const CURRENT_SCHEMA_VERSION = 5;

/** Every table that holds the organization's data (all but `meta`). */
export const ROSTER_TABLES = [
  'organization',
  'admins',
  'methodologies',
  'communities',
  'customFields',
  'reportSnapshots',
  'audit',
  'outbox',
  'selectionRules',
  'syncRejections',
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
  removedCertificates!: Table<Certificate, string>;
  removedMemberships!: Table<Membership, [string, string]>;
  tokens!: Table<Token, string>;
  retainedHistory!: Table<RetainedHistory, string>;
  customFields!: Table<CustomFieldDefinition, string>;
  reportSnapshots!: Table<ReportSnapshot, string>;
  audit!: Table<AuditEntry, number>;
  removedAssignments!: Table<Assignment, string>;
  outbox!: Table<OutboxOperation, number>;
  selectionRules!: Table<SelectionRule, string>;
  syncRejections!: Table<SyncRejectionRecord, number>;

  constructor(name: string = DEFAULT_DATABASE_NAME) {
    super(name);
    this.version(1).stores(SCHEMA_V1);
    this.version(2)
      .stores(SCHEMA_V2_CHANGES)
      .upgrade(async (tx) => {
        const [communities, memberships, licenses, membershipRequests, assignments, completions, certificates, tokens, retainedHistory] =
          await Promise.all(
            ['communities', 'memberships', 'licenses', 'membershipRequests', 'assignments', 'completions', 'certificates', 'tokens', 'retainedHistory'].map(
              (name) => tx.table(name).toArray(),
            ),
          );
        const globalId = (communities as Community[]).find((c) => c.global)?.id ?? null;
        const summaries = summarizeUserRecords(
          { memberships, licenses, membershipRequests, assignments, completions, certificates, tokens, retainedHistory },
          globalId,
        );
        await tx
          .table<StoredUser, string>('users')
          .toCollection()
          .modify((user) => {
            Object.assign(user, toStoredUser(user, summaries.get(user.id)));
          });
      });
    this.version(3).stores(SCHEMA_V3_CHANGES);
    this.version(4).stores(SCHEMA_V4_CHANGES);
    this.version(5)
      .stores(SCHEMA_V5_CHANGES)
      .upgrade(async (tx) => {
        // Nothing was kept before this version: every user holds none of either.
        await tx
          .table<StoredUser, string>('users')
          .toCollection()
          .modify((user) => {
            user.counts = { ...user.counts, removedCertificates: user.counts.removedCertificates ?? 0, removedMemberships: user.counts.removedMemberships ?? 0 };
          });
      });
  }
}

/** The domain record of a stored user (drops the derived fields). */
export function toUser(stored: StoredUser): User {
  const { fieldTags: _tags, communityIds: _communities, licenses: _licenses, counts: _counts, ...user } = stored;
  return user;
}

export function toStoredUser(user: User, summary: UserRecordSummary = emptyUserRecordSummary()): StoredUser {
  return { ...toUser(user as StoredUser), fieldTags: customFieldTags(user.customFields ?? {}), ...summary };
}
