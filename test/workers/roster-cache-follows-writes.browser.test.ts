/**
 * The worker's in-memory roster has one writer: after any sequence of writes, made in this tab or in
 * another one (two engines on one database, as two tabs are), each tab's roster equals one read anew from
 * IndexedDB: the list's rows, the summary (who is signed in, the settings), the filters' choices, the saved
 * rules, and the plan the same request builds (policy, batch limit, report coverage, A5).
 */
import { describe, expect, it, vi } from 'vitest';
import Dexie from 'dexie';
import fc from 'fast-check';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import type { LifecycleAction } from '../../src/core/build-lifecycle-plan.ts';
import { RosterEngine } from '../../workers/roster-engine.ts';

const RUNS = 200;
const DEMO_SIZE = 40;

type Write =
  | { kind: 'lifecycle'; tab: number; action: LifecycleAction; picks: number[] }
  | { kind: 'transfer'; tab: number; pick: number }
  | { kind: 'reassign'; tab: number; pick: number }
  | { kind: 'certificate'; tab: number; pick: number }
  | { kind: 'settings'; tab: number; batchLimit: number; preset: 'ascender' | 'fuse' }
  | { kind: 'sign_in'; tab: number; pick: number }
  | { kind: 'rule'; tab: number; pick: number; remove: boolean }
  | { kind: 'import'; tab: number; pick: number }
  | { kind: 'export_every_report'; tab: number };

const tab = fc.integer({ min: 0, max: 1 });
const pick = fc.nat({ max: 10_000 });
const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('lifecycle' as const), tab, action: fc.constantFrom<LifecycleAction>('deactivate', 'reactivate', 'delete'), picks: fc.array(pick, { minLength: 1, maxLength: 4 }) }) },
  fc.record({ kind: fc.constant('transfer' as const), tab, pick }),
  fc.record({ kind: fc.constant('reassign' as const), tab, pick }),
  fc.record({ kind: fc.constant('certificate' as const), tab, pick }),
  fc.record({ kind: fc.constant('settings' as const), tab, batchLimit: fc.integer({ min: 1, max: 60 }), preset: fc.constantFrom('ascender' as const, 'fuse' as const) }),
  fc.record({ kind: fc.constant('sign_in' as const), tab, pick }),
  fc.record({ kind: fc.constant('rule' as const), tab, pick, remove: fc.boolean() }),
  fc.record({ kind: fc.constant('import' as const), tab, pick }),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('export_every_report' as const), tab }) },
);


async function allRows(engine: RosterEngine) {
  const { queryId, count } = engine.query(EMPTY_FILTER);
  return engine.rows(queryId, 0, count) ?? [];
}

/** Everything the screens read from the in-memory roster, as plain data. */
async function memoryOf(engine: RosterEngine) {
  const rows = await allRows(engine);
  const summary = engine.summary();
  let plan: unknown = null;
  try {
    // The plan of one request over every user: the policy, the batch limit and report coverage (A5) show in it.
    const view = await engine.planLifecycle({ action: 'deactivate', selection: { kind: 'filter', filter: EMPTY_FILTER, excludedIds: [] } });
    const { planId: _planId, ...rest } = view;
    plan = rest;
  } catch (error) {
    plan = (error as { code?: string }).code ?? 'failed';
  }
  return { rows, summary, facets: engine.facets(), rules: (await engine.listRules()).map(({ updatedAt: _at, ...rule }) => rule), plan };
}

function pickFrom<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

async function perform(engine: RosterEngine, step: Write, importSeq: number): Promise<void> {
  const rows = await allRows(engine);
  const summary = engine.summary();
  const notAdmins = rows.filter((r) => !summary.admins.some((a) => a.id === r.id));
  switch (step.kind) {
    case 'lifecycle': {
      const wanted = step.action === 'reactivate' ? 'inactive' : 'active';
      const candidates = notAdmins.filter((r) => step.action === 'delete' || r.status === wanted);
      const ids = [...new Set(step.picks.map((n) => pickFrom(candidates, n)?.id).filter((id): id is string => id !== undefined))];
      if (ids.length === 0) return;
      const plan = await engine.planLifecycle({ action: step.action, selection: { kind: 'ids', ids } });
      if (plan.canApply) await engine.applyPlan(plan.planId, undefined, { reassignPrevious: step.action === 'reactivate' });
      return;
    }
    case 'transfer': {
      const facets = engine.facets();
      const community = pickFrom(facets.communities, step.pick);
      const to = pickFrom(rows.filter((r) => r.status === 'active'), step.pick);
      const detail = community ? await engine.userDetail(rows.find((r) => r.communities.some((c) => c.id === community.id))?.id ?? '') : null;
      const fromId = detail?.communities.find((c) => c.id === community!.id && c.isAdmin) ? detail.user.id : null;
      if (community && to && fromId) await engine.transferCommunityAdmin(community.id, fromId, to.id);
      return;
    }
    case 'reassign': {
      const user = pickFrom(rows.filter((r) => r.status === 'active'), step.pick);
      if (user) await engine.reassignPreviousAssignments(user.id);
      return;
    }
    case 'certificate': {
      const user = pickFrom(rows.filter((r) => r.status === 'active'), step.pick);
      const detail = user ? await engine.userDetail(user.id) : null;
      const completion = detail?.completions.find((c) => !detail.certificates.some((x) => x.courseId === c.courseId && x.communityId === c.communityId));
      if (completion) await engine.issueCertificate(user!.id, completion.courseId, completion.communityId);
      return;
    }
    case 'settings': {
      const organization = summary.organization!;
      await engine.saveSettings({ plan: organization.plan, seatLimit: organization.seatLimit, batchLimit: step.batchLimit, policyPreset: step.preset, policyOverrides: {} });
      return;
    }
    case 'sign_in': {
      const admin = pickFrom(summary.admins, step.pick);
      if (admin) await engine.signIn(admin.id);
      return;
    }
    case 'rule': {
      const rules = await engine.listRules();
      if (step.remove && rules.length > 0) await engine.deleteRule(pickFrom(rules, step.pick)!.id);
      else await engine.saveRule(`Rule ${step.pick % 3}`, { ...EMPTY_FILTER, status: step.pick % 2 === 0 ? 'active' : 'inactive' });
      return;
    }
    case 'import': {
      // A new user and a renamed one: both change where users sit in the list.
      const renamed = pickFrom(rows, step.pick);
      const lines = ['id,email,first_name,last_name', `N${String(importSeq).padStart(7, '0')},new.${importSeq}@example.com,Aaron,Aardvark${importSeq}`];
      if (renamed) lines.push(`${renamed.id},${renamed.email},Zed,Zulu${importSeq}`);
      const views = await engine.inspectImportFiles([new File([lines.join('\r\n') + '\r\n'], 'users.csv', { type: 'text/csv' })]);
      const check = await engine.checkImport(crypto.randomUUID(), views.map((v) => ({ fileId: v.fileId, mapping: v.mapping ?? v.guess, remember: false })));
      await engine.writeImport(crypto.randomUUID(), check.importId, {});
      return;
    }
    case 'export_every_report':
      await engine.exportEveryReport();
      return;
  }
}

describe('the in-memory roster follows every write', () => {
  it(`equals the roster read anew from IndexedDB, in both tabs, after ${RUNS} random sequences of writes`, async () => {
    let importSeq = 0;
    // Writes that went through, by kind: the property must have been tested on every kind of write.
    const made = new Map<Write['kind'], number>();
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 6 }), async (steps) => {
        const name = `follow-${crypto.randomUUID()}`;
        const tabs = [new RosterEngine(name), new RosterEngine(name)];
        await tabs[0]!.open();
        await tabs[0]!.loadDemo(DEMO_SIZE);
        await tabs[1]!.open();
        for (const step of steps) {
          // A refusal (a blocked plan, a permission, a stale change) is one outcome among others.
          const isMade = await perform(tabs[step.tab]!, step, ++importSeq).then(
            () => true,
            () => false,
          );
          if (isMade) made.set(step.kind, (made.get(step.kind) ?? 0) + 1);
        }
        const fresh = new RosterEngine(name);
        await fresh.open();
        const expected = await memoryOf(fresh);
        // The other tab hears of each write a moment later.
        await vi.waitFor(async () => expect(await memoryOf(tabs[0]!)).toEqual(expected), { timeout: 3_000, interval: 50 });
        await vi.waitFor(async () => expect(await memoryOf(tabs[1]!)).toEqual(expected), { timeout: 3_000, interval: 50 });
        for (const engine of [...tabs, fresh]) engine.close();
        await Dexie.delete(name);
      }),
      { numRuns: RUNS },
    );
    for (const kind of ['lifecycle', 'transfer', 'reassign', 'certificate', 'settings', 'sign_in', 'rule', 'import', 'export_every_report'] as const) {
      expect(made.get(kind) ?? 0, `writes of kind ${kind} made`).toBeGreaterThan(0);
    }
  }, 300_000);
});
