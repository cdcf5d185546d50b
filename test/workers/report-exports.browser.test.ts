import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import Papa from 'papaparse';
import { unzipSync } from 'fflate';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import { headerOf } from '../../src/core/csv/csv-formats.ts';
import { ALL_COMMUNITIES_HEADER } from '../../src/core/csv/all-communities-report.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { changeStoredUser, storedUsers, storedUsersById } from '../db/stored-roster.ts';

const databaseName = `exports-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);
const SETTINGS = { plan: 'plus', seatLimit: 2_040, batchLimit: 100, policyPreset: 'ascender', policyOverrides: {} } as const;
const FORMULA_NAME = '=HYPERLINK("http://evil.example","click")';
const AWKWARD_NAME = 'O"Brien, Jr.\nII';
let customFieldNames: string[] = [];
let formulaUserId = '';
let awkwardUserId = '';

/** The worker's database, opened beside it (its roster read through the store, as the worker lays it out). */
async function rawDatabase(): Promise<OffboardDatabase> {
  const db = new OffboardDatabase(databaseName);
  await db.open();
  return db;
}

/** The file as Excel sees it: bytes first (BOM, line ends), then cells. */
async function readCsv(blob: Blob | Uint8Array): Promise<{ bytes: Uint8Array; text: string; rows: string[][] }> {
  const bytes = blob instanceof Uint8Array ? blob : new Uint8Array(await blob.arrayBuffer());
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const parsed = Papa.parse<string[]>(text.slice(1), { newline: '\r\n', skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { bytes, text, rows: parsed.data };
}

function expectExcelFriendly({ bytes, text }: { bytes: Uint8Array; text: string }): void {
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(text.endsWith('\r\n')).toBe(true);
  // Every line break between rows is CRLF; a bare LF only ever sits inside a quoted cell.
  const outsideQuotes = text.replace(/"(?:[^"]|"")*"/g, '');
  expect(outsideQuotes.includes('\n')).toBe(true);
  expect(/(?<!\r)\n/.test(outsideQuotes)).toBe(false);
}

async function idsOf(filter: Partial<typeof EMPTY_FILTER>): Promise<string[]> {
  const { queryId } = await worker.query({ ...EMPTY_FILTER, ...filter });
  return (await worker.matchingIds(queryId)) ?? [];
}

beforeAll(async () => {
  await worker.open();
  await worker.loadDemo(1_000);
  // Names a spreadsheet would run or split: stored as an import could have stored them.
  const db = await rawDatabase();
  const [first, second] = (await storedUsers(db)).filter((u) => u.status === 'active').slice(0, 2);
  formulaUserId = first!.id;
  awkwardUserId = second!.id;
  await changeStoredUser(db, formulaUserId, { firstName: FORMULA_NAME, customFields: { ...first!.customFields, department: '+1 Sales' } });
  await changeStoredUser(db, awkwardUserId, { lastName: AWKWARD_NAME });
  customFieldNames = (await db.table('customFields').toArray()).map((f: { name: string }) => f.name);
  db.close();
  await worker.open();
});

afterAll(async () => {
  await Dexie.delete(databaseName);
});

describe('report exports in the worker', () => {
  it('A4: the users report opens cleanly in Excel: BOM, CRLF, the canonical header, formulas neutralised, inactive users left out', async () => {
    const file = await worker.exportReport({ kind: 'users', filter: null });
    expect(file.fileName).toMatch(/^offboard-users-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(file.excludesInactive).toBe(true);
    const csv = await readCsv(file.blob);
    expectExcelFriendly(csv);
    const [header, ...rows] = csv.rows;
    expect(header).toEqual(headerOf('users', customFieldNames));
    const active = await idsOf({ status: 'active' });
    const inactive = await idsOf({ status: 'inactive' });
    expect(inactive.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(active.length);
    expect(file.rowCount).toBe(active.length);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(active));

    const formulaRow = rows.find((r) => r[0] === formulaUserId)!;
    expect(formulaRow[2]).toBe(`'${FORMULA_NAME}`);
    expect(formulaRow[header!.indexOf('custom.department')]).toBe("'+1 Sales");
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(rows.find((r) => r[0] === awkwardUserId)![3]).toBe(AWKWARD_NAME);
  });

  it('A4: reports leave out the records of inactive users too, and keep them once the policy includes inactive users', async () => {
    const inactive = new Set(await idsOf({ status: 'inactive' }));
    const licenses = await readCsv((await worker.exportReport({ kind: 'licenses' })).blob);
    expect(licenses.rows[0]).toEqual(headerOf('licenses'));
    expect(licenses.rows.slice(1).some((r) => inactive.has(r[0]!))).toBe(false);

    await worker.saveSettings({ ...SETTINGS, policyPreset: 'fuse' });
    try {
      const everyone = await worker.exportReport({ kind: 'users' });
      expect(everyone.excludesInactive).toBe(false);
      expect(everyone.rowCount).toBe(1_000);
      const completions = await readCsv((await worker.exportReport({ kind: 'completions' })).blob);
      expect(completions.rows.slice(1).some((r) => inactive.has(r[0]!))).toBe(true);
    } finally {
      await worker.saveSettings(SETTINGS);
    }
  });

  it('exports the users matching the filter on screen, or all of them', async () => {
    const filter = { ...EMPTY_FILTER, customField: { name: 'department', value: 'Finance' } };
    const file = await worker.exportReport({ kind: 'users', filter });
    expect(file.fileName).toMatch(/^offboard-users-filtered-/);
    const activeFinance = await idsOf({ ...filter, status: 'active' });
    const { rows } = await readCsv(file.blob);
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual([...activeFinance].sort());
    // A few users' records are read user by user; the report holds the same as the whole table, narrowed.
    const theirs = await readCsv((await worker.exportReport({ kind: 'assignments', filter })).blob);
    const all = await readCsv((await worker.exportReport({ kind: 'assignments' })).blob);
    const financeIds = new Set(activeFinance);
    expect(theirs.rows.slice(1).sort()).toEqual(all.rows.slice(1).filter((r) => financeIds.has(r[1]!)).sort());
  });

  it('F5: the All communities report lists every community with its admins’ emails and member count', async () => {
    const file = await worker.exportReport({ kind: 'all_communities' });
    expect(file.fileName).toMatch(/^offboard-all-communities-/);
    const { rows } = await readCsv(file.blob);
    expect(rows[0]).toEqual([...ALL_COMMUNITIES_HEADER]);
    const facets = await worker.facets();
    expect(rows).toHaveLength(facets.communities.length + 1);
    expect(rows[1]![2]).toBe('true');
    const db = await rawDatabase();
    const communities: { id: string; adminIds: string[] }[] = await db.table('communities').toArray();
    const withAdmins = communities.find((c) => c.adminIds.length > 1)!;
    const emails = (await storedUsersById(db, withAdmins.adminIds)).map((u) => u!.email);
    const row = rows.find((r) => r[0] === withAdmins.id)!;
    expect(row[3]).toBe(withAdmins.adminIds.join(';'));
    expect(row[4]).toBe(emails.join(';'));
    const activeMembers = await idsOf({ communityId: withAdmins.id, status: 'active' });
    expect(row[5]).toBe(String(activeMembers.length));
    db.close();
  });

  it('exports the audit log, whole or as the Audit screen filters it', async () => {
    const all = await readCsv((await worker.exportReport({ kind: 'audit' })).blob);
    expect(all.rows[0]).toEqual(['seq', 'at', 'actor_id', 'actor_name', 'action', 'target_id', 'target_name', 'rule_id', 'batch_id', 'selection_rule', 'summary']);
    expect(all.rows.some((r) => r[4] === 'load_demo')).toBe(true);
    expect(all.rows.some((r) => r[4] === 'change_settings')).toBe(true);
    const filtered = await worker.exportReport({ kind: 'audit', auditFilters: { action: 'change_settings', actorId: null, ruleId: null, batchId: null, text: '' } });
    expect(filtered.fileName).toMatch(/^offboard-audit-filtered-/);
    const { rows } = await readCsv(filtered.blob);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.slice(1).every((r) => r[4] === 'change_settings')).toBe(true);
  });

  it('A5/A17: "Export every report" writes one zip of every report, records a snapshot, and the next plan no longer warns', async () => {
    const selected = (await idsOf({ status: 'active', customField: { name: 'department', value: 'Sales' } })).slice(0, 40);
    const before = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: selected } });
    expect(before.warnings.find((w) => w.rule === 'A5')?.userCount).toBe(before.eligibleCount);

    const file = await worker.exportEveryReport();
    expect(file.fileName).toMatch(/^offboard-every-report-\d{4}-\d{2}-\d{2}\.zip$/);
    const zip = unzipSync(new Uint8Array(await file.blob.arrayBuffer()));
    expect(Object.keys(zip)).toEqual([
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
    const active = await idsOf({ status: 'active' });
    for (const [name, bytes] of Object.entries(zip)) {
      const csv = await readCsv(bytes);
      expectExcelFriendly(csv);
      expect(file.entries.find((e) => e.name === name)?.rowCount).toBe(csv.rows.length - 1);
    }
    const users = await readCsv(zip['users.csv']!);
    expect(users.rows).toHaveLength(active.length + 1);
    expect(users.rows.find((r) => r[0] === formulaUserId)![2]).toBe(`'${FORMULA_NAME}`);
    expect((await readCsv(zip['communities.csv']!)).rows[0]).toEqual(headerOf('communities'));

    // A17: stored, covering exactly the users the zip holds.
    expect(file.snapshot.userCount).toBe(active.length);
    const db = await rawDatabase();
    const snapshots = await db.table('reportSnapshots').toArray();
    db.close();
    expect(snapshots).toHaveLength(1);
    expect(new Set(snapshots[0].userIds)).toEqual(new Set(active));
    expect(snapshots[0].reportTypes).toContain('all_communities');

    const after = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: selected } });
    expect(after.warnings.find((w) => w.rule === 'A5')).toBeUndefined();
    expect(after.eligibleCount).toBe(before.eligibleCount);

    // A worker opened afterwards reads the snapshot back: the warning stays cleared.
    const reopened = startRosterWorker(databaseName);
    await reopened.open();
    const fresh = await reopened.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: selected } });
    expect(fresh.warnings.find((w) => w.rule === 'A5')).toBeUndefined();
  });

  it('A14: exports the plan on screen, and once applied its result, one row per selected user', async () => {
    const [blockedAdmin] = (await rawDatabase().then(async (db) => {
      const communities = await db.table('communities').toArray();
      db.close();
      return communities.flatMap((c: { adminIds: string[] }) => c.adminIds);
    })) as string[];
    const eligible = (await idsOf({ status: 'active', customField: { name: 'department', value: 'Finance' } })).filter((id) => id !== blockedAdmin).slice(0, 5);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [...eligible, blockedAdmin!] } });
    const planned = await readCsv((await worker.exportPlanResult(plan.planId)).blob);
    expect(planned.rows[0]).toEqual(['user_id', 'name', 'email', 'action', 'outcome', 'rule_ids', 'reasons', 'batch', 'result']);
    const blockedRow = planned.rows.find((r) => r[0] === blockedAdmin)!;
    expect(blockedRow.slice(4, 6)).toEqual(['blocked', 'F3']);
    expect(planned.rows.filter((r) => r[4] === 'eligible').every((r) => r[8] === 'planned')).toBe(true);

    await worker.applyPlan(plan.planId);
    const result = await worker.exportPlanResult(plan.planId);
    expect(result.fileName).toMatch(/^offboard-plan-deactivate-result-/);
    const { rows } = await readCsv(result.blob);
    // Eligible users come in batch order, and batches take them in id order (A14, src/core/build-lifecycle-plan.ts).
    const inBatchOrder = plan.eligibleSample.map((u) => u.id).sort();
    expect(rows.filter((r) => r[4] === 'eligible').map((r) => [r[0], r[8]])).toEqual(inBatchOrder.map((id) => [id, 'deactivated']));
  });

  it('reports are for admins with the reports permission: a reports-only admin exports, one without it is refused and nothing is recorded', async () => {
    const summary = await worker.summary();
    const reportsOnly = summary.admins.find((a) => !a.permissions.includes('manage_users'))!;
    await worker.signIn(reportsOnly.id);
    expect((await worker.exportReport({ kind: 'users' })).rowCount).toBeGreaterThan(0);

    const db = await rawDatabase();
    await db.table('admins').update(reportsOnly.id, { permissions: [] });
    const snapshotsBefore = await db.table('reportSnapshots').count();
    await worker.open();
    await expect(worker.exportEveryReport()).rejects.toMatchObject({ code: 'permission_denied' });
    await expect(worker.exportReport({ kind: 'audit' })).rejects.toMatchObject({ code: 'permission_denied', details: { permission: 'reports', action: 'export_reports' } });
    expect(await db.table('reportSnapshots').count()).toBe(snapshotsBefore);
    await db.table('admins').update(reportsOnly.id, { permissions: ['reports'] });
    db.close();
    await worker.signIn(summary.signedInAdminId!);
  });
});
