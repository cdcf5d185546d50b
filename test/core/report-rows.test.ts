import { describe, expect, it } from 'vitest';
import { auditEntryMatcher, isAuditFiltered } from '../../src/core/audit-filter.ts';
import { buildLifecyclePlan } from '../../src/core/build-lifecycle-plan.ts';
import { ALL_COMMUNITIES_HEADER, allCommunitiesRow, sortCommunitiesForReport } from '../../src/core/csv/all-communities-report.ts';
import { AUDIT_REPORT_HEADER, auditReportRow } from '../../src/core/csv/audit-report.ts';
import { headerOf, neutralizeFormula, recordToRow, restoreNeutralizedCell } from '../../src/core/csv/csv-formats.ts';
import { PLAN_RESULT_HEADER, planResultRows } from '../../src/core/csv/plan-result-report.ts';
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
} from '../../src/core/csv/report-kinds.ts';
import { POLICY_PRESETS, effectivePolicy } from '../../src/core/lifecycle-policy.ts';
import { createPlanningRoster } from '../../src/core/planning-roster.ts';
import type { AuditEntry, Community, Organization, User } from '../../src/core/roster-types.ts';

function user(id: string, overrides: Partial<User> = {}): User {
  return {
    id,
    email: `${id}@example.com`,
    firstName: id.toUpperCase(),
    lastName: 'Test',
    status: 'active',
    managerId: null,
    customFields: {},
    lastLoginAt: '2026-06-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    deactivatedAt: null,
    deactivatedBy: null,
    ...overrides,
  };
}

const organization: Organization = { id: 'org', name: 'Org', plan: 'plus', seatLimit: 20, policyPreset: 'ascender', policyOverrides: {}, batchLimit: 2 };

describe('formula injection', () => {
  it.each(['=SUM(A1:A9)', '+1', '-2+3', '@cmd', '\tTab', '\rReturn', '=HYPERLINK("http://x","y")'])('neutralises %j and restores it on import', (cell) => {
    const safe = neutralizeFormula(cell);
    expect(safe).toBe(`'${cell}`);
    expect(restoreNeutralizedCell(safe)).toBe(cell);
  });

  it.each(['Zoë', 'a=b', '2026-01-01T00:00:00.000Z', '', "'quoted", 'x@example.com'])('leaves %j alone', (cell) => {
    expect(neutralizeFormula(cell)).toBe(cell);
    expect(restoreNeutralizedCell(neutralizeFormula(cell))).toBe(cell);
  });
});

describe('F5: the All communities report', () => {
  const communities: Community[] = [
    { id: 'C-2', name: 'Sales', global: false, adminIds: ['u1', 'gone', 'u2'] },
    { id: 'C-1', name: 'All Company', global: true, adminIds: [] },
    { id: 'C-3', name: 'Engineering', global: false, adminIds: ['u2'] },
  ];
  const emails = new Map([
    ['u1', 'ana@example.com'],
    ['u2', 'bo@example.com'],
  ]);

  it('F5: lists every community with its admins, their emails joined with ";" and the member count', () => {
    expect(ALL_COMMUNITIES_HEADER).toEqual(['id', 'name', 'global', 'admin_ids', 'admin_emails', 'member_count']);
    expect(allCommunitiesRow(communities[0]!, (id) => emails.get(id), 12)).toEqual(['C-2', 'Sales', 'false', 'u1;gone;u2', 'ana@example.com;bo@example.com', '12']);
    expect(allCommunitiesRow(communities[1]!, (id) => emails.get(id), 0)).toEqual(['C-1', 'All Company', 'true', '', '', '0']);
  });

  it('F5: its first columns are the canonical communities format', () => {
    expect(ALL_COMMUNITIES_HEADER.slice(0, 4)).toEqual(headerOf('communities'));
    expect(allCommunitiesRow(communities[2]!, () => undefined, 1).slice(0, 4)).toEqual(recordToRow('communities', communities[2]!));
  });

  it('F5: the global community first, then by name', () => {
    expect(sortCommunitiesForReport(communities).map((c) => c.id)).toEqual(['C-1', 'C-3', 'C-2']);
  });

});

describe('A4: which users reports cover', () => {
  it('A4: the ascender policy leaves inactive users out of reports; fuse keeps them', () => {
    const ascender = effectivePolicy(organization);
    const fuse = effectivePolicy({ ...organization, policyPreset: 'fuse' });
    expect(reportsExcludeInactive(ascender)).toBe(true);
    expect(isUserReported('inactive', ascender)).toBe(false);
    expect(isUserReported('active', ascender)).toBe(true);
    expect(reportsExcludeInactive(fuse)).toBe(false);
    expect(isUserReported('inactive', fuse)).toBe(true);
  });

  it('A4: an override of reportsIncludeInactive wins over the preset', () => {
    const policy = effectivePolicy({ ...organization, policyOverrides: { reportsIncludeInactive: true } });
    expect(POLICY_PRESETS.ascender.reportsIncludeInactive).toBe(false);
    expect(isUserReported('inactive', policy)).toBe(true);
  });
});

describe('report files', () => {
  it('names files by report and day; a filtered export says so', () => {
    expect(reportFileName('users', '2026-11-23')).toBe('offboard-users-2026-11-23.csv');
    expect(reportFileName('users', '2026-11-23', true)).toBe('offboard-users-filtered-2026-11-23.csv');
    expect(reportFileName('all_communities', '2026-11-23')).toBe('offboard-all-communities-2026-11-23.csv');
    expect(planReportFileName('deactivate', true, '2026-11-23')).toBe('offboard-plan-deactivate-result-2026-11-23.csv');
    expect(everyReportFileName('2026-11-23')).toBe('offboard-every-report-2026-11-23.zip');
    expect(localDay(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });

  it('A5: every report type is in the zip, each canonical kind under its own name', () => {
    expect(EVERY_REPORT_KINDS.map(reportEntryName)).toEqual([
      'users.csv',
      'communities.csv',
      'memberships.csv',
      'methodologies.csv',
      'licenses.csv',
      'assignments.csv',
      'completions.csv',
      'certificates.csv',
      'all-communities.csv',
      'audit.csv',
    ]);
  });

  it('adds a column for every custom field a user holds, defined ones first', () => {
    expect(customFieldColumns(['offboard', 'department'], ['department', 'zeta', 'alpha'])).toEqual(['offboard', 'department', 'alpha', 'zeta']);
  });
});

describe('the audit report', () => {
  const entry: AuditEntry = {
    seq: 7,
    at: '2026-11-02T10:00:00.000Z',
    actorId: 'admin',
    action: 'deactivate',
    targetId: 'u9',
    batchId: 'b-1',
    ruleId: 'A1',
    selectionRule: 'Dormant',
    summary: 'Deactivated u9.',
  };

  it('D1: a target no longer on the roster keeps its id only, no name', () => {
    const names = new Map([['admin', 'Ada Admin']]);
    expect(AUDIT_REPORT_HEADER).toHaveLength(auditReportRow(entry, (id) => names.get(id)).length);
    expect(auditReportRow(entry, (id) => names.get(id))).toEqual(['7', entry.at, 'admin', 'Ada Admin', 'deactivate', 'u9', '', 'A1', 'b-1', 'Dormant', 'Deactivated u9.']);
    expect(auditReportRow({ ...entry, targetId: null, selectionRule: undefined }, () => undefined)).toEqual(['7', entry.at, 'admin', '', 'deactivate', '', '', 'A1', 'b-1', '', 'Deactivated u9.']);
  });

  it('keeps what the Audit screen’s filters keep', () => {
    const none = { action: null, actorId: null, ruleId: null, batchId: null, text: '' };
    expect(isAuditFiltered(none)).toBe(false);
    expect(auditEntryMatcher(none)(entry)).toBe(true);
    expect(auditEntryMatcher({ ...none, text: 'DORMANT' })(entry)).toBe(true);
    expect(auditEntryMatcher({ ...none, action: 'delete' })(entry)).toBe(false);
    expect(isAuditFiltered({ ...none, text: '  ' })).toBe(false);
  });
});

describe('the plan result report', () => {
  const users = [
    user('admin'),
    user('viewer'),
    user('cadmin'),
    user('a1'),
    user('a2'),
    user('a3'),
    user('gone', { status: 'inactive', deactivatedAt: '2026-07-01T00:00:00.000Z' }),
  ];
  const roster = createPlanningRoster({
    organization,
    admins: [
      { userId: 'admin', permissions: ['manage_users', 'reports', 'delete_users'] },
      { userId: 'viewer', permissions: ['reports'] },
    ],
    communities: [
      { id: 'C-1', name: 'All', global: true, adminIds: [] },
      { id: 'C-2', name: 'Two', global: false, adminIds: ['cadmin'] },
    ],
    methodologies: [],
    users,
    // A17: a snapshot after a1's last change covers a1 only.
    reportSnapshots: [{ id: 's', takenAt: '2026-10-01T00:00:00.000Z', takenBy: 'admin', reportTypes: ['users'], userIds: ['a1'] }],
  });
  const plan = buildLifecyclePlan(roster, { action: 'deactivate', actorId: 'admin', userIds: ['a1', 'a2', 'a3', 'cadmin', 'admin', 'gone', 'nobody'] });
  const byId = new Map(users.map((u) => [u.id, { name: `${u.firstName} ${u.lastName}`, email: u.email }]));
  const rowsOf = (applied: Parameters<typeof planResultRows>[2]) => new Map([...planResultRows(plan, (id) => byId.get(id), applied)].map((row) => [row[0], row]));

  it('A14/F3/X1/X3/A5: one row per selected user with outcome, rule ids, reasons and batch', () => {
    const rows = rowsOf(null);
    expect(PLAN_RESULT_HEADER).toEqual(['user_id', 'name', 'email', 'action', 'outcome', 'rule_ids', 'reasons', 'batch', 'result']);
    expect(rows.size).toBe(7);
    expect(rows.get('a1')).toEqual(['a1', 'A1 Test', 'a1@example.com', 'deactivate', 'eligible', '', '', '1', 'planned']);
    expect(rows.get('a2')!.slice(4)).toEqual(['eligible', 'A5', 'A5: not covered by a report snapshot taken after their last change', '1', 'planned']);
    expect(rows.get('a3')!.slice(4, 6)).toEqual(['eligible', 'A5']);
    expect(rows.get('a3')![7]).toBe('2');
    expect(rows.get('cadmin')!.slice(4)).toEqual(['blocked', 'F3', 'F3: Admin of community Two (C-2): transfer the admin role first.', '', 'not changed']);
    expect(rows.get('admin')!.slice(4, 6)).toEqual(['blocked', 'X1']);
    expect(rows.get('gone')!.slice(4, 6)).toEqual(['skipped', 'X3']);
    expect(rows.get('nobody')!.slice(1, 6)).toEqual(['', '', 'deactivate', 'skipped', 'X3']);
  });

  it('A14: once applied, says which batches were done, which failed and which were never reached', () => {
    const done = rowsOf({ batchesApplied: 2, failure: null });
    expect(done.get('a1')![8]).toBe('deactivated');
    expect(done.get('a3')![8]).toBe('deactivated');
    const failed = rowsOf({ batchesApplied: 0, failure: { batchIndex: 0, message: 'The disk is full.' } });
    expect(failed.get('a1')![8]).toBe('failed: The disk is full.');
    expect(failed.get('a3')![8]).toBe('not applied');
    expect(failed.get('cadmin')![8]).toBe('not changed');
  });
});
