/**
 * Report exports, in the worker: which users and records each report covers (the filter on screen, or
 * everyone; A4 leaves inactive users out when the policy says so), read from the in-memory roster and
 * from IndexedDB a page at a time, written as CSV (csv-file-writer.ts) and handed back as a Blob.
 * "Export every report" writes every report type unfiltered into one zip and records, in the same step,
 * the report snapshot that covers its users (A5/A17). `RosterEngine` delegates here.
 */
import { recordReportSnapshot } from '../src/db/record-report-snapshot.ts';
import type { IndexableType, Table } from 'dexie';
import { headerOf, recordToRow, type CsvKind, type CsvRecordOf } from '../src/core/csv/csv-formats.ts';
import {
  EVERY_REPORT_KINDS,
  customFieldColumns,
  everyReportFileName,
  isUserReported,
  localDay,
  planReportFileName,
  reportEntryName,
  reportFileName,
  reportsExcludeInactive,
  type ReportKind,
} from '../src/core/csv/report-kinds.ts';
import { ALL_COMMUNITIES_HEADER, allCommunitiesRow, sortCommunitiesForReport } from '../src/core/csv/all-communities-report.ts';
import { AUDIT_REPORT_HEADER, auditReportRow } from '../src/core/csv/audit-report.ts';
import { PLAN_RESULT_HEADER, planResultRows, type AppliedPlanState } from '../src/core/csv/plan-result-report.ts';
import { auditEntryMatcher, isAuditFiltered, type AuditFilters } from '../src/core/audit-filter.ts';
import type { LifecyclePlan } from '../src/core/build-lifecycle-plan.ts';
import { effectivePolicy } from '../src/core/lifecycle-policy.ts';
import { filterRoster, isFilterEmpty, type RosterFilter } from '../src/core/roster-filter.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { Admin, Organization, ReportSnapshot } from '../src/core/roster-types.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import { forEachAuditEntries } from '../src/db/audit-log.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import type { BundleRecordKind, UserBundle } from '../src/core/sync/user-bundle.ts';
import { CsvBlobBuilder, CsvZipBuilder, type CsvFileWriter } from './csv-file-writer.ts';
import { codedError } from '../src/core/coded-error.ts';

/** A report the export menu offers; a plan's result is exported from the plan itself. */
export type ExportableReportKind = Exclude<ReportKind, 'plan_result'>;

export interface ReportRequest {
  kind: ExportableReportKind;
  /** Per-user reports: only the users this filter matches. Null or empty: every user. */
  filter?: RosterFilter | null;
  /** The audit report: only the entries these filters keep. Null: every entry. */
  auditFilters?: AuditFilters | null;
}

export interface ReportFile {
  fileName: string;
  blob: Blob;
  /** Data rows written (each file's rows, for a zip), the header not counted. */
  rowCount: number;
  /** A4: inactive users and every record of theirs were left out. */
  excludesInactive: boolean;
}

/** How far "export every report" got: files written of the zip's files. */
export interface ExportProgress {
  done: number;
  total: number;
  /** The file being written next, or the last one once done. */
  name: string;
}

export interface EveryReportFile extends ReportFile {
  /** What the zip holds, in order. */
  entries: { name: string; kind: ExportableReportKind; rowCount: number }[];
  /** A17: the snapshot recorded for the users the export covers. */
  snapshot: Omit<ReportSnapshot, 'userIds'> & { userCount: number };
}

/** What an export reads: the worker's roster and who is asking. */
export interface ReportSources {
  db: OffboardDatabase;
  store: RosterStore;
  index: RosterIndex;
  organization: Organization;
  admins: readonly Admin[];
  signedInAdminId: string | null;
}

/** A filtered export of this many users or fewer reads their records user by user, not whole tables. */
const DIRECT_READ_LIMIT = 2_000;


/** Reports hold personal data: only an admin with the `reports` permission takes them off the device. */
function requireReports(sources: ReportSources): string {
  const { signedInAdminId: actorId } = sources;
  if (!actorId) throw codedError('roster_not_open', 'The roster is not open yet.');
  const permissions = sources.admins.find((a) => a.userId === actorId)?.permissions ?? [];
  if (!permissions.includes('reports')) throw codedError('permission_denied', `${actorId} lacks the reports permission (A1).`, { permission: 'reports', action: 'export_reports' });
  return actorId;
}

/** The users a report covers: a flag per position of the in-memory roster. */
interface UserScope {
  included: Uint8Array;
  count: number;
  isFiltered: boolean;
  excludesInactive: boolean;
}

function userScope(sources: ReportSources, filter: RosterFilter | null | undefined): UserScope {
  const { index } = sources;
  const policy = effectivePolicy(sources.organization);
  const included = new Uint8Array(index.size);
  const isFiltered = filter != null && !isFilterEmpty(filter);
  let count = 0;
  const consider = (position: number): void => {
    if (isUserReported(index.statusAt(position), policy)) {
      included[position] = 1;
      count++;
    }
  };
  if (isFiltered) for (const position of filterRoster(index, filter)) consider(position);
  else for (let position = 0; position < index.size; position++) consider(position);
  return { included, count, isFiltered, excludesInactive: reportsExcludeInactive(policy) };
}

function isInScope(sources: ReportSources, scope: UserScope, userId: string): boolean {
  const position = sources.index.positionOf(userId);
  return position !== undefined && scope.included[position] === 1;
}

function idsInScope(sources: ReportSources, scope: UserScope): string[] {
  const ids: string[] = [];
  for (let position = 0; position < scope.included.length; position++) if (scope.included[position] === 1) ids.push(sources.index.idAt(position));
  return ids;
}

/** The records of the users in scope, user by user in id order (a few users: read by id). */
async function writeRecordsOf<K extends BundleRecordKind>(sources: ReportSources, scope: UserScope, kind: K, toRow: (record: UserBundle[K][number]) => string[], writer: CsvFileWriter): Promise<void> {
  const read = scope.isFiltered && scope.count <= DIRECT_READ_LIMIT ? { userIds: idsInScope(sources, scope) } : { keep: (userId: string) => isInScope(sources, scope, userId) };
  await sources.store.readRecords(kind, read, (records) => {
    for (const record of records) writer.row(toRow(record));
  });
}

function canonical<K extends CsvKind>(kind: K): (record: CsvRecordOf[K]) => string[] {
  return (record) => recordToRow(kind, record);
}

/** Writes the rows of one report into `writer`, under the header `headerFor` gives it. */
async function writeReport(
  sources: ReportSources,
  kind: ExportableReportKind,
  scope: UserScope,
  auditFilters: AuditFilters | null,
  writer: CsvFileWriter,
  customFields: readonly string[],
): Promise<void> {
  const { db, index } = sources;
  const byId = <T extends { id: string }>(records: readonly T[]): T[] => [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  switch (kind) {
    case 'users':
      for (let position = 0; position < index.size; position++) {
        if (scope.included[position] === 1) writer.row(recordToRow('users', index.userAt(position), customFields));
      }
      return;
    case 'memberships':
      return writeRecordsOf(sources, scope, 'memberships', canonical('memberships'), writer);
    case 'licenses':
      return writeRecordsOf(sources, scope, 'licenses', canonical('licenses'), writer);
    case 'assignments':
      return writeRecordsOf(sources, scope, 'assignments', canonical('assignments'), writer);
    case 'completions':
      return writeRecordsOf(sources, scope, 'completions', canonical('completions'), writer);
    case 'certificates':
      return writeRecordsOf(sources, scope, 'certificates', canonical('certificates'), writer);
    case 'communities':
      writer.rows(byId(index.communities).map(canonical('communities')));
      return;
    case 'methodologies':
      writer.rows(byId(index.methodologies).map(canonical('methodologies')));
      return;
    case 'all_communities': {
      // F5, A4: members counted among the users the report covers.
      const members = index.countMembers(scope.included);
      const emailOf = (id: string) => index.emailOf(id);
      writer.rows(sortCommunitiesForReport(index.communities).map((c) => allCommunitiesRow(c, emailOf, members.get(c.id) ?? 0)));
      return;
    }
    case 'audit': {
      const keep = auditFilters && isAuditFiltered(auditFilters) ? auditEntryMatcher(auditFilters) : () => true;
      const nameOf = (id: string) => index.nameOf(id);
      await forEachAuditEntries(db, (entries) => {
        for (const entry of entries) if (keep(entry)) writer.row(auditReportRow(entry, nameOf));
      });
      return;
    }
  }
}

function usersColumns(sources: ReportSources): string[] {
  return customFieldColumns(
    sources.index.customFields.map((f) => f.name),
    sources.index.customFieldNamesInUse(),
  );
}

function headerFor(kind: ExportableReportKind, customFields: readonly string[]): readonly string[] {
  switch (kind) {
    case 'all_communities':
      return ALL_COMMUNITIES_HEADER;
    case 'audit':
      return AUDIT_REPORT_HEADER;
    default:
      return headerOf(kind, customFields);
  }
}

/** One report as a CSV file, for the filter on screen or for everyone. */
export async function exportReport(sources: ReportSources, request: ReportRequest, now = new Date()): Promise<ReportFile> {
  requireReports(sources);
  const scope = userScope(sources, request.filter);
  const auditFilters = request.auditFilters ?? null;
  const customFields = request.kind === 'users' ? usersColumns(sources) : [];
  const builder = new CsvBlobBuilder(headerFor(request.kind, customFields));
  await writeReport(sources, request.kind, scope, auditFilters, builder.writer, customFields);
  const blob = builder.toBlob();
  const isFiltered = request.kind === 'audit' ? auditFilters !== null && isAuditFiltered(auditFilters) : scope.isFiltered;
  return { fileName: reportFileName(request.kind, localDay(now), isFiltered), blob, rowCount: builder.writer.rowCount, excludesInactive: scope.excludesInactive };
}

/**
 * A5/A17: every report type, unfiltered, in one zip, and the report snapshot of the users it covers,
 * recorded once the zip is whole. The snapshot is dated when the export began: a change made while it
 * was being written is newer than the snapshot, so the user it touched is not taken as covered.
 */
export async function exportEveryReport(
  sources: ReportSources,
  onProgress?: (progress: ExportProgress) => void,
  now = new Date(),
): Promise<{ file: EveryReportFile; snapshot: ReportSnapshot }> {
  const takenBy = requireReports(sources);
  const takenAt = now.toISOString();
  const scope = userScope(sources, null);
  const customFields = usersColumns(sources);
  const zip = new CsvZipBuilder(now);
  const entries: EveryReportFile['entries'] = [];
  for (const kind of EVERY_REPORT_KINDS) {
    const name = reportEntryName(kind);
    onProgress?.({ done: entries.length, total: EVERY_REPORT_KINDS.length, name });
    const rowCount = await zip.addFile(name, headerFor(kind, customFields), (writer) => writeReport(sources, kind, scope, null, writer, customFields));
    entries.push({ name, kind, rowCount });
  }
  const blob = zip.toBlob();
  onProgress?.({ done: entries.length, total: EVERY_REPORT_KINDS.length, name: entries.at(-1)?.name ?? '' });
  const snapshot: ReportSnapshot = { id: crypto.randomUUID(), takenAt, takenBy, reportTypes: [...EVERY_REPORT_KINDS], userIds: idsInScope(sources, scope) };
  await recordReportSnapshot(sources.db, snapshot);
  const { userIds, ...summary } = snapshot;
  return {
    file: {
      fileName: everyReportFileName(localDay(now)),
      blob,
      rowCount: entries.reduce((sum, e) => sum + e.rowCount, 0),
      excludesInactive: scope.excludesInactive,
      entries,
      snapshot: { ...summary, userCount: userIds.length },
    },
    snapshot,
  };
}

/** A plan, and once applied its result, one row per selected user (see plan-result-report.ts). */
export function exportPlanResult(sources: ReportSources, plan: LifecyclePlan, applied: AppliedPlanState | null, now = new Date()): ReportFile {
  requireReports(sources);
  const { index } = sources;
  const builder = new CsvBlobBuilder(PLAN_RESULT_HEADER);
  builder.writer.rows(
    planResultRows(
      plan,
      (id) => {
        const name = index.nameOf(id);
        return name === undefined ? undefined : { name, email: index.emailOf(id)! };
      },
      applied,
    ),
  );
  const blob = builder.toBlob();
  return {
    fileName: planReportFileName(plan.action, applied !== null, localDay(now)),
    blob,
    rowCount: builder.writer.rowCount,
    excludesInactive: false,
  };
}
