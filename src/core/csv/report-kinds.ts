/**
 * The reports an admin can export: each canonical CSV kind (the same files an import reads), the "All
 * communities" report (F5), the audit log and a plan's result. What each is called, which users it is
 * about, and the name of its file. Pure: the worker writes the files, the page names the menu items.
 */
import type { PolicySettings, UserStatus } from '../roster-types.ts';
import { CSV_KINDS, KIND_LABELS, type CsvKind } from './csv-formats.ts';

export type ReportKind = CsvKind | 'all_communities' | 'audit' | 'plan_result';

/** A4/A5: what "export every report type, unfiltered" writes, in this order, one file each. */
export const EVERY_REPORT_KINDS: readonly Exclude<ReportKind, 'plan_result'>[] = [...CSV_KINDS, 'all_communities', 'audit'];

/** Reports made of records that belong to one user each: a filter of users narrows them, A4 applies. */
export const PER_USER_REPORT_KINDS: readonly ReportKind[] = ['users', 'memberships', 'licenses', 'assignments', 'completions', 'certificates'];

export const REPORT_LABELS: Readonly<Record<ReportKind, string>> = {
  ...KIND_LABELS,
  all_communities: 'All communities',
  audit: 'Audit log',
  plan_result: 'Plan result',
};

/** The part of a file name that says which report it is: `offboard-<stem>-2026-11-23.csv`. */
const FILE_STEMS: Readonly<Record<ReportKind, string>> = {
  users: 'users',
  communities: 'communities',
  memberships: 'memberships',
  methodologies: 'methodologies',
  licenses: 'licenses',
  assignments: 'assignments',
  completions: 'completions',
  certificates: 'certificates',
  all_communities: 'all-communities',
  audit: 'audit',
  plan_result: 'plan-result',
};

/** The name of a report inside the zip of every report: the stem alone, since the zip carries the day. */
export function reportEntryName(kind: ReportKind): string {
  return `${FILE_STEMS[kind]}.csv`;
}

/** `offboard-users-2026-11-23.csv`, or `offboard-users-filtered-2026-11-23.csv` for a filtered export. */
export function reportFileName(kind: ReportKind, day: string, isFiltered = false): string {
  return `offboard-${FILE_STEMS[kind]}${isFiltered ? '-filtered' : ''}-${day}.csv`;
}

/** `offboard-plan-deactivate-2026-11-23.csv`; `…-deactivate-result-…` once the plan was applied. */
export function planReportFileName(action: string, isApplied: boolean, day: string): string {
  return `offboard-plan-${action}${isApplied ? '-result' : ''}-${day}.csv`;
}

export function everyReportFileName(day: string): string {
  return `offboard-every-report-${day}.zip`;
}

/** The device's calendar day, `YYYY-MM-DD`: a file name should carry the day the admin sees. */
export function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/**
 * A4: whether reports leave inactive users (and every record of theirs) out. With the `ascender` policy
 * they do, which is why their data must be exported before they are deactivated (A5).
 */
export function reportsExcludeInactive(policy: Pick<PolicySettings, 'reportsIncludeInactive'>): boolean {
  return !policy.reportsIncludeInactive;
}

/** A4: whether a user with this status appears in reports, and their records with them. */
export function isUserReported(status: UserStatus, policy: Pick<PolicySettings, 'reportsIncludeInactive'>): boolean {
  return status === 'active' || policy.reportsIncludeInactive;
}

/**
 * The `custom.<field>` columns of a users report: every defined field in its order, then any other
 * field a user holds a value for (an import may have brought one in), sorted, so no value is lost.
 */
export function customFieldColumns(definedNames: readonly string[], namesInUse: Iterable<string>): string[] {
  const defined = new Set(definedNames);
  const extra = new Set<string>();
  for (const name of namesInUse) if (!defined.has(name)) extra.add(name);
  return [...definedNames, ...[...extra].sort()];
}
