import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';

const databaseName = `settings-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);
let signedIn = '';
let reportsOnlyAdmin = '';

beforeAll(async () => {
  await worker.open();
  const summary = await worker.loadDemo(2_000);
  signedIn = summary.signedInAdminId!;
  reportsOnlyAdmin = summary.admins.find((a) => !a.permissions.includes('manage_users'))!.id;
});

afterAll(async () => {
  await Dexie.delete(databaseName);
});

async function activeIds(count: number): Promise<string[]> {
  const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active', customField: { name: 'department', value: 'Sales' } });
  return ((await worker.matchingIds(queryId)) ?? []).slice(0, count);
}

const SETTINGS = { plan: 'plus', seatLimit: 2_040, batchLimit: 100, policyPreset: 'ascender', policyOverrides: {} } as const;

describe('settings, the audit and bad input, in the worker', () => {
  it('A14/A3: saved settings shape the next plan: batch limit and the assignments override', async () => {
    const ids = await activeIds(90);
    const before = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(before.effects.assignmentsRemoved).toBeGreaterThan(0);

    const saved = await worker.saveSettings({ ...SETTINGS, batchLimit: '25', policyOverrides: { assignments: 'retain' } });
    expect(saved.ok).toBe(true);
    const after = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(after.batchCount).toBe(Math.ceil(after.eligibleCount / 25));
    expect(after.effects.assignmentsRemoved).toBe(0);
    expect(after.effects.assignmentsKept).toBe(before.effects.assignmentsRemoved);
    // A plan built under the old settings is gone.
    await expect(worker.applyPlan(before.planId)).rejects.toMatchObject({ code: 'plan_expired' });
  });

  it('A1: with the plan on standard, deactivation is blocked for the whole plan', async () => {
    await worker.saveSettings({ ...SETTINGS, plan: 'standard' });
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: await activeIds(3) } });
    expect(plan.blockers.map((b) => b.rule)).toContain('A1');
    expect(plan.canApply).toBe(false);
    await worker.saveSettings(SETTINGS);
  });

  it('the organization’s name is saved with the settings, audited; a blank one is refused and changes nothing', async () => {
    const before = (await worker.summary()).organization!.name;
    await expect(worker.saveSettings({ ...SETTINGS, name: ' ' })).resolves.toMatchObject({ ok: false, errors: { name: 'Give the organization a name.' } });
    expect((await worker.summary()).organization?.name).toBe(before);
    await expect(worker.saveSettings({ ...SETTINGS, name: 'Northwind  Holdings' })).resolves.toMatchObject({ ok: true, summary: { organization: { name: 'Northwind Holdings' } } });
    const page = await worker.auditPage({ action: 'change_settings', actorId: null, ruleId: null, batchId: null, text: '', beforeSeq: null, limit: 1 });
    expect(page.rows[0]?.summary).toBe(`Settings changed: name “${before}” → “Northwind Holdings”.`);
    // Settings saved without a name keep it.
    await worker.saveSettings(SETTINGS);
    expect((await worker.summary()).organization?.name).toBe('Northwind Holdings');
    await worker.saveSettings({ ...SETTINGS, name: before });
  });

  it('bad settings come back per field and change nothing', async () => {
    const result = await worker.saveSettings({ ...SETTINGS, seatLimit: '-1', batchLimit: '0' });
    expect(result).toMatchObject({ ok: false, errors: { seatLimit: expect.any(String), batchLimit: expect.any(String) } });
    expect((await worker.summary()).organization).toMatchObject({ seatLimit: 2_040, batchLimit: 100 });
  });

  it('A1: an admin without manage_users gets a blocked plan, and every direct change is refused', async () => {
    await worker.signIn(reportsOnlyAdmin);
    const summary = await worker.summary();
    expect(summary.signedInAdmin?.permissions).not.toContain('manage_users');
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: await activeIds(3) } });
    expect(plan.blockers.find((b) => b.code === 'missing_permission')?.rule).toBe('A1');
    await expect(worker.applyPlan(plan.planId)).rejects.toMatchObject({ code: 'plan_blocked' });
    await expect(worker.saveSettings({ ...SETTINGS, seatLimit: 10 })).rejects.toMatchObject({ code: 'permission_denied', details: { permission: 'manage_users', action: 'change_settings' } });
    await expect(worker.reassignPreviousAssignments('U0000100')).rejects.toMatchObject({ code: 'permission_denied' });
    await expect(worker.transferCommunityAdmin('C-2', 'U0000001', 'U0000002')).rejects.toMatchObject({ code: 'permission_denied' });
    expect((await worker.summary()).organization?.seatLimit).toBe(2_040);
    await worker.signIn(signedIn);
  });

  it('A6/X3: a selection of 1,000,000 ids, nearly all unknown, plans with counts and short lists, and changes nothing', async () => {
    const known = await activeIds(5);
    const ids = Array.from({ length: 1_000_000 }, (_, i) => (i < known.length ? known[i]! : `X${i}`));
    ids.push(known[0]!); // a duplicate counts once
    const before = await worker.summary();
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(plan.selectedCount).toBe(1_000_000);
    expect(plan.skippedCount).toBe(1_000_000 - known.length);
    expect(plan.skipped.length).toBeLessThanOrEqual(200);
    expect(plan.reasonCounts).toContainEqual(expect.objectContaining({ outcome: 'skipped', code: 'unknown_user', rule: 'X3', count: 1_000_000 - known.length }));
    expect(plan.eligibleCount + plan.blockedCount).toBe(known.length);
    expect(await worker.summary()).toEqual(before);
  });

  it('the audit lists every change with actor, batch and rule, newest first, filterable and paged', async () => {
    const ids = await activeIds(30);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    await worker.saveSettings({ ...SETTINGS, batchLimit: 10 });
    const replanned = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(plan.planId).not.toBe(replanned.planId);
    await worker.applyPlan(replanned.planId);

    const query = { action: null, actorId: null, ruleId: null, batchId: null, text: '', beforeSeq: null, limit: 20 };
    const newest = await worker.auditPage(query);
    expect(newest.rows).toHaveLength(20);
    expect(newest.hasOlder).toBe(true);
    expect(newest.rows.map((r) => r.seq)).toEqual([...newest.rows.map((r) => r.seq)].sort((a, b) => b - a));
    const older = await worker.auditPage({ ...query, beforeSeq: newest.rows.at(-1)!.seq });
    expect(older.rows[0]!.seq).toBeLessThan(newest.rows.at(-1)!.seq);

    const deactivations = await worker.auditPage({ ...query, action: 'deactivate', limit: 500 });
    expect(deactivations.matching).toBe(replanned.eligibleCount);
    expect(deactivations.rows.every((r) => r.ruleId === 'A1' && r.actorName !== r.actorId && r.batchId)).toBe(true);
    const batchId = deactivations.rows[0]!.batchId!;
    const batch = await worker.auditPage({ ...query, batchId, limit: 500 });
    expect(batch.rows.filter((r) => r.action === 'deactivate').length).toBeLessThanOrEqual(10);
    expect(batch.rows.every((r) => r.batchId === batchId)).toBe(true);

    const moves = await worker.auditPage({ ...query, ruleId: 'A8', limit: 500 });
    expect(moves.rows.every((r) => r.action === 'move_report')).toBe(true);
    const byText = await worker.auditPage({ ...query, text: ids[0]!.toLowerCase() });
    expect(byText.rows.some((r) => r.targetId === ids[0])).toBe(true);
    const settings = await worker.auditPage({ ...query, action: 'change_settings' });
    expect(settings.rows[0]!.summary).toBe('Settings changed: batch limit 100 → 10.');
  });
});
