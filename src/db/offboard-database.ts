/**
 * The roster database: every entity of DOMAIN.md in its own table. The schema is versioned; each version
 * lists only what changed, and an upgrade function moves data written by the version before it. Never edit
 * a released version's stores: add a version.
 */
import Dexie, { type Table } from 'dexie';
import type { SelectionRule } from '../core/selection-rule.ts';
import type { Admin, AuditEntry, Community, CustomFieldDefinition, Methodology, Organization, ReportSnapshot, RosterChunk } from '../core/roster-types.ts';
import type { OutboxOperation } from '../core/changes/operation.ts';
import { storedUserOf, toStoredUser, toUser, type StoredUser } from '../core/stored-user.ts';
import type { ReportMove } from '../core/build-lifecycle-plan.ts';
import type { SyncRejectionRecord } from '../core/sync/sync-rejection.ts';
import { APP_DATABASE_NAME } from '../core/sync/roster-changes-channel.ts';
import { PER_USER_RECORD_KINDS } from '../core/roster-types.ts';
import { summarizeUserRecords } from '../core/summarize-user-records.ts';
import { bundlesFromRecords } from '../core/sync/user-bundle.ts';
import type { ChangeLogEntry, DirectoryRecord, StoredBlockBody, StoredBlockHead } from './blocks/block-directory.ts';
import { piecesOf } from './blocks/blocks-of-roster.ts';
import { emptyDirectory } from './blocks/block-directory.ts';
import { auditRecordOf, type AuditRecord } from '../core/audit-records.ts';
import type { AuditRecordKey } from './audit-log.ts';
import type { StoredOutboxOperation } from './outbox-records.ts';

/** Users moved into blocks per step of the upgrade to version 7. */
const MIGRATION_PAGE_USERS = 10_000;
/** Audit entries read per step of the upgrade to version 9, and at most in one record. */
const MIGRATION_PAGE_AUDIT = 10_000;
const MIGRATION_AUDIT_GROUP = 1_000;

export { toStoredUser, toUser, type StoredUser } from '../core/stored-user.ts';

export const DEFAULT_DATABASE_NAME = APP_DATABASE_NAME;

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

/** Version 6: outbox operations take the form of src/core/changes/operation.ts (no index changes); see
 * `upgradeOutboxOperation`. */
export const SCHEMA_V6_CHANGES: Record<string, string> = {};

/**
 * Version 7: users and their records move into blocks (src/db/blocks/): a block of about a thousand users
 * is two IndexedDB values (a head, a body), changes since go to a change log. The upgrade writes every
 * user's bundle into blocks; version 8 deletes the tables they came from. The audit loses the indexes no
 * query uses (by time and by actor: pages go by `seq`, the actor is filtered on the way): every index is
 * a write per entry, and a 100-user batch writes a hundred entries.
 */
export const SCHEMA_V7_CHANGES: Record<string, string> = {
  blockHeads: 'id',
  blockBodies: 'id',
  changeLog: '++seq',
  blockDirectory: 'key',
  audit: '++seq, action, targetId, batchId, ruleId',
};

/** Version 8: the per-user tables of versions 1 to 6, moved into blocks by version 7, are deleted. */
export const SCHEMA_V8_CHANGES: Record<string, null> = Object.fromEntries(PER_USER_RECORD_KINDS.map((kind) => [kind, null]));

/**
 * Version 9: the audit becomes a record per change (src/core/audit-records.ts), its entries as columns,
 * found by multi-entry indexes of what its entries name: an entry per record cost an apply half its time.
 * The upgrade moves every entry, in order, numbered anew from 1; version 10 deletes the old table.
 */
export const SCHEMA_V9_CHANGES: Record<string, string> = {
  auditLog: '[first+last], *targetIds, *actions, *ruleIds, *batchIds',
};

/** Version 10: the audit's table of an entry per record, moved by version 9, is deleted. */
export const SCHEMA_V10_CHANGES: Record<string, null> = { audit: null };

export const CURRENT_SCHEMA_VERSION = 10;

/** Every table that holds the organization's data (all but `meta`). */
export const ROSTER_TABLES = [
  'organization',
  'admins',
  'methodologies',
  'communities',
  'customFields',
  'reportSnapshots',
  'auditLog',
  'outbox',
  'selectionRules',
  'syncRejections',
  'blockHeads',
  'blockBodies',
  'changeLog',
  'blockDirectory',
] as const;

export class OffboardDatabase extends Dexie {
  meta!: Table<MetaRecord, string>;
  organization!: Table<Organization, string>;
  admins!: Table<Admin, string>;
  methodologies!: Table<Methodology, string>;
  communities!: Table<Community, string>;
  customFields!: Table<CustomFieldDefinition, string>;
  reportSnapshots!: Table<ReportSnapshot, string>;
  auditLog!: Table<AuditRecord, AuditRecordKey>;
  outbox!: Table<StoredOutboxOperation, number>;
  selectionRules!: Table<SelectionRule, string>;
  syncRejections!: Table<SyncRejectionRecord, number>;
  blockHeads!: Table<StoredBlockHead, number>;
  blockBodies!: Table<StoredBlockBody, number>;
  changeLog!: Table<ChangeLogEntry, number>;
  blockDirectory!: Table<DirectoryRecord, string>;

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
    this.version(6)
      .stores(SCHEMA_V6_CHANGES)
      .upgrade(async (tx) => {
        const [operations, customFields] = await Promise.all([tx.table('outbox').toArray(), tx.table<CustomFieldDefinition, string>('customFields').toArray()]);
        const upgraded: OutboxOperation[] = [];
        for (const operation of operations as V5OutboxOperation[]) {
          const users = operation.kind === 'import' && operation.status === 'pending' && operation.args?.recordKind === 'users' ? await tx.table<StoredUser, string>('users').bulkGet(operation.userIds) : [];
          upgraded.push(upgradeOutboxOperation(operation, users.filter((u) => u !== undefined), customFields));
        }
        await tx.table('outbox').bulkPut(upgraded);
      });
    this.version(7)
      .stores(SCHEMA_V7_CHANGES)
      .upgrade(async (tx) => {
        // A page of users at a time, with their records (every per-user table answers by user id), so
        // that a large roster never has to be held whole; each user's summary derived anew from them.
        const communities = await tx.table<Community, string>('communities').toArray();
        const globalId = communities.find((c) => c.global)?.id ?? null;
        const directory = emptyDirectory();
        directory.blocks = [];
        let users = 0;
        let after: string | null = null;
        for (;;) {
          const page: StoredUser[] = await (after === null ? tx.table('users').orderBy(':id') : tx.table('users').where(':id').above(after)).limit(MIGRATION_PAGE_USERS).toArray();
          if (page.length === 0) break;
          const [low, high] = [page[0]!.id, page[page.length - 1]!.id];
          const kinds = PER_USER_RECORD_KINDS.filter((kind) => kind !== 'users');
          const lists = await Promise.all(kinds.map((kind) => tx.table(kind).where('userId').between(low, high, true, true).toArray()));
          const records = Object.fromEntries(kinds.map((kind, i) => [kind, lists[i]])) as unknown as Omit<RosterChunk, 'users'>;
          const bundles = bundlesFromRecords({ ...records, users: page }, 0);
          const pieces = piecesOf(directory, bundles.map((b) => storedUserOf(b, globalId)), bundles, 0);
          directory.blocks.push(...pieces.entries);
          await Promise.all([tx.table('blockHeads').bulkAdd(pieces.heads), tx.table('blockBodies').bulkAdd(pieces.bodies)]);
          users += page.length;
          after = high;
        }
        if (directory.blocks.length === 0) directory.blocks = emptyDirectory().blocks;
        directory.blocks[0] = { ...directory.blocks[0]!, low: '' };
        await tx.table('blockDirectory').bulkAdd([directory, { key: 'userCount', users }]);
      });
    this.version(8).stores(SCHEMA_V8_CHANGES);
    this.version(9)
      .stores(SCHEMA_V9_CHANGES)
      .upgrade(async (tx) => {
        let next = 1;
        let after: number | null = null;
        let group: AuditEntry[] = [];
        const records: AuditRecord[] = [];
        const flush = (): void => {
          if (group.length === 0) return;
          records.push(auditRecordOf(group, next));
          next += group.length;
          group = [];
        };
        for (;;) {
          const page: AuditEntry[] = await (after === null ? tx.table('audit').orderBy(':id') : tx.table('audit').where(':id').above(after)).limit(MIGRATION_PAGE_AUDIT).toArray();
          if (page.length === 0) break;
          for (const entry of page) {
            // A change's entries were written one after another, sharing their time, actor and batch.
            const last = group[group.length - 1];
            if (last && (last.at !== entry.at || last.actorId !== entry.actorId || last.batchId !== entry.batchId || group.length >= MIGRATION_AUDIT_GROUP)) flush();
            group.push(entry);
          }
          after = page[page.length - 1]!.seq!;
          await tx.table('auditLog').bulkAdd(records.splice(0));
        }
        flush();
        await tx.table('auditLog').bulkAdd(records);
      });
    this.version(10).stores(SCHEMA_V10_CHANGES);
  }
}

/** An outbox operation as versions 2 to 5 wrote it. */
interface V5OutboxOperation {
  seq?: number;
  id: string;
  kind: OutboxOperation['kind'];
  args?: Record<string, unknown> & { recordKind?: string; records?: unknown[]; reassignPrevious?: boolean };
  planId: string;
  batchIndex: number;
  batchCount: number;
  actorId: string;
  userIds: string[];
  reportMoves: ReportMove[];
  createdAt: string;
  status: OutboxOperation['status'];
}

const USER_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'status', 'manager_id', 'last_login_at', 'created_at'];

/**
 * An operation of version 5 in today's form. Its before-image was kept per table and cannot become whole
 * bundles: it is dropped, and a refusal of the operation is mended by pulling its users again. An import
 * of users kept no copy of them: they go as stored now, every column, as version 5 would have sent them.
 */
export function upgradeOutboxOperation(old: V5OutboxOperation, storedUsers: readonly StoredUser[], customFields: readonly CustomFieldDefinition[]): OutboxOperation {
  const base = { seq: old.seq, id: old.id, actorId: old.actorId, userIds: old.userIds, createdAt: old.createdAt, planId: old.planId, batchIndex: old.batchIndex, batchCount: old.batchCount, status: old.status, before: null };
  const args = old.args ?? {};
  switch (old.kind) {
    case 'deactivate':
    case 'delete':
      return { ...base, kind: old.kind, args: { reportMoves: old.reportMoves ?? [] } };
    case 'reactivate':
      return { ...base, kind: old.kind, args: { reportMoves: old.reportMoves ?? [], reassignPrevious: args.reassignPrevious === true } };
    case 'transfer_community_admin':
      return { ...base, kind: old.kind, args: { communityId: String(args.communityId), fromUserId: String(args.fromUserId), toUserId: String(args.toUserId) } };
    case 'reassign_assignments':
      return { ...base, kind: old.kind, args: { assignmentIds: (args.assignmentIds as string[] | undefined) ?? [] } };
    case 'issue_certificate':
      return { ...base, kind: old.kind, args: { courseId: String(args.courseId), communityId: String(args.communityId) } };
    case 'import': {
      const common = { importId: String(args.importId ?? old.planId), fileName: String(args.fileName ?? ''), lastRow: 0, newCustomFields: [...customFields] };
      const records = (args.records ?? []) as never[];
      if (args.recordKind === 'users') {
        const fieldColumns = [...new Set(storedUsers.flatMap((u) => Object.keys(u.customFields)))].map((name) => `custom.${name}`);
        return { ...base, kind: 'import', args: { ...common, recordKind: 'users', rows: storedUsers.map(toUser), presentColumns: [...USER_COLUMNS, ...fieldColumns] } };
      }
      if (args.recordKind === 'custom_fields') return { ...base, kind: 'import', args: { ...common, recordKind: 'custom_fields', changes: records } };
      return { ...base, kind: 'import', args: { ...common, recordKind: args.recordKind as 'licenses', records } };
    }
  }
}
