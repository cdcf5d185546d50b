import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER, completeFilter } from '../../src/core/roster-filter.ts';

const databaseName = `rules-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);

beforeAll(async () => {
  await worker.open();
  await worker.loadDemo(2_000);
});

afterAll(async () => {
  await Dexie.delete(databaseName);
});

const dormant = completeFilter({ status: 'active', lastLogin: { before: '2026-01-01', orNever: true } });

describe('saved selection rules, in the worker', () => {
  it('saves a named filter and lists it with what it matches now; the same name (any case) replaces it', async () => {
    const saved = await worker.saveRule('Dormant since 2026', dormant);
    expect(saved.replaced).toBe(false);
    const { count } = await worker.query(dormant);
    const [rule] = await worker.listRules();
    expect(rule).toMatchObject({ id: saved.id, name: 'Dormant since 2026', matching: count });
    expect(rule!.description).toBe('Active · last sign-in before 2026-01-01 or never');

    const again = await worker.saveRule('  dormant   SINCE 2026 ', { ...dormant, emailDomain: 'northwind.example' });
    expect(again).toMatchObject({ id: saved.id, replaced: true });
    const rules = await worker.listRules();
    expect(rules).toHaveLength(1);
    expect(rules[0]!.filter.emailDomain).toBe('northwind.example');
  });

  it('refuses a rule without a name, without criteria, or with a date that is not a day, and saves nothing', async () => {
    await expect(worker.saveRule('  ', dormant)).rejects.toMatchObject({ code: 'rule_refused', details: { problem: { code: 'no_name' } } });
    await expect(worker.saveRule('Everyone', EMPTY_FILTER)).rejects.toMatchObject({ code: 'rule_refused', details: { problem: { code: 'no_criterion' } } });
    await expect(worker.saveRule('Bad day', { ...EMPTY_FILTER, createdBefore: '01/02/2026' })).rejects.toMatchObject({ code: 'rule_refused', details: { problem: { code: 'date_not_a_day', field: 'created' } } });
    expect(await worker.listRules()).toHaveLength(1);
  });

  it('F6: an id list rule matches ids and emails and lists the entries that match nobody', async () => {
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'inactive' });
    const [first, second] = (await worker.matchingIds(queryId))!;
    const detail = await worker.userDetail(second!);
    const idList = [first!, detail!.user.email.toUpperCase(), 'U9999999', 'gone@northwind.example'];
    const { count } = await worker.query({ ...EMPTY_FILTER, idList });
    expect(count).toBe(2);
    expect(await worker.unmatchedIds(idList)).toEqual({ entries: ['U9999999', 'gone@northwind.example'], count: 2 });
  });

  it('a plan built from a rule names the rule in every audit entry it writes', async () => {
    const [rule] = await worker.listRules();
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'filter', filter: rule!.filter, excludedIds: [], ruleName: rule!.name } });
    expect(plan.selectedCount).toBe(rule!.matching);
    await worker.applyPlan(plan.planId);
    const audit = await worker.auditPage({ action: 'deactivate', actorId: null, ruleId: null, batchId: null, text: 'dormant since', beforeSeq: null, limit: 500 });
    expect(audit.matching).toBe(plan.eligibleCount);
    expect(audit.rows.every((r) => r.selectionRule === rule!.name)).toBe(true);
    // Run again: the rule matches whoever fits now, and the deactivated users no longer do.
    const [after] = await worker.listRules();
    expect(after!.matching).toBe(rule!.matching - plan.eligibleCount);
  });

  it('deletes a rule, and nothing else', async () => {
    const [rule] = await worker.listRules();
    const before = await worker.summary();
    await worker.deleteRule(rule!.id);
    expect(await worker.listRules()).toEqual([]);
    expect(await worker.summary()).toEqual(before);
  });
});
