/**
 * The roster worker's API as the page sees it: every type its methods take and give. The page imports
 * these types from here alone (type-only), never the worker's modules themselves.
 */
import type { LifecycleAction } from '../src/core/build-lifecycle-plan.ts';
import type { SettingsErrors } from '../src/core/organization-settings.ts';
import type { RosterFilter } from '../src/core/roster-filter.ts';
import type { AuditAction, AuditEntry, Organization, Permission } from '../src/core/roster-types.ts';
import type { LoadMarker } from '../src/db/write-roster-in-chunks.ts';

export type { RosterEngine } from './roster-engine.ts';
export type { UserDetail, UserRef, UserRow } from '../src/core/user-views.ts';
export type { UserEntryMatch } from '../src/core/match-user-entry.ts';
export type { ImportCheckView, ImportChoice, ImportFileView, ImportProgress, ImportResult, FileCheckView } from './roster-import.ts';
export type { PendingImportView } from '../src/db/pending-import.ts';
export type { EveryReportFile, ExportableReportKind, ExportProgress, ReportFile, ReportRequest } from './export-reports.ts';
export type { CsvSniffResult } from './read-csv-file.ts';
export type { RejectionView, RosterChangeMessage, SignInResult, SyncStateView } from './roster-sync.ts';
export type { SyncRunReport } from './sync-client.ts';
export type { PlanView, PreviousAssignment, ReportMoveGroup } from './plan-view.ts';
export type { PlanRemovalsPage } from './plan-removals.ts';

/** R4: the certificate "Get certificate" gave: the one a deactivation kept aside (`wasKept`), or a new one. */
export interface IssuedCertificate {
  certificateId: string;
  issuedAt: string;
  wasKept: boolean;
}

export interface LoadProgress {
  phase: 'reading' | 'writing' | 'indexing';
  done: number;
  total: number;
}

export interface RosterSummary {
  organization: Organization | null;
  userCount: number;
  activeCount: number;
  signedInAdminId: string | null;
  /** Who is signed in on this device, and what they may do (A1, F2). */
  signedInAdmin: AdminSummary | null;
  /** Every admin of the organization, who may sign in on this device. */
  admins: AdminSummary[];
}

export interface AdminSummary {
  id: string;
  name: string;
  permissions: Permission[];
}

export interface AuditQuery {
  action: AuditAction | null;
  actorId: string | null;
  ruleId: string | null;
  batchId: string | null;
  /** Matched against the target's id and the entry's summary, ignoring case. */
  text: string;
  /** Entries older than this sequence number (the next page); null for the newest. */
  beforeSeq: number | null;
  limit: number;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  actorName: string;
  /** Null for a user no longer on the roster (D1: the audit keeps their id only). */
  targetName: string | null;
}

export interface AuditPage {
  rows: AuditRow[];
  /** Every entry the filters match, on every page. */
  matching: number;
  /** Entries in the audit in all. */
  total: number;
  hasOlder: boolean;
}

export interface RuleSummary {
  id: string;
  name: string;
  filter: RosterFilter;
  description: string;
  /** Users the rule matches on the roster as it is now. */
  matching: number;
  updatedAt: string;
}

export type SettingsSaveResult = { ok: true; summary: RosterSummary } | { ok: false; errors: SettingsErrors };

export interface OpenResult {
  summary: RosterSummary;
  /** A load that was interrupted last time and has now been discarded. */
  discardedLoad: LoadMarker | null;
}

export interface QueryResult {
  queryId: number;
  count: number;
  total: number;
}

export interface RosterFacets {
  communities: { id: string; name: string; isGlobal: boolean }[];
  customFields: { name: string; label: string; values: string[] }[];
  methodologies: { id: string; name: string; model: 'seat' | 'ela' }[];
}

/** Small enough that progress moves every second or so, large enough that commits stay a small cost. */
export type LifecycleSelection =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'filter'; filter: RosterFilter; excludedIds: string[]; ruleName?: string | null };

export interface LifecycleRequest {
  action: LifecycleAction;
  selection: LifecycleSelection;
}

export interface ApplyOptions {
  /** R2: a reactivation also re-assigns the users' previous assignments, in the same batches. */
  reassignPrevious?: boolean;
}

export interface ApplyProgress {
  batchesDone: number;
  batchCount: number;
  usersDone: number;
  userCount: number;
}

export interface ApplyResult {
  action: LifecycleAction;
  batchesApplied: number;
  batchCount: number;
  usersApplied: number;
  /** R2: previous assignments re-assigned along with a reactivation. */
  assignmentsReassigned: number;
  /** The batch that failed; every batch before it applied whole, nothing of it did. */
  failure: { batchIndex: number; code: string; message: string } | null;
}
