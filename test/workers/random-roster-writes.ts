/**
 * Random writes of every kind an admin makes, through the worker's API (RosterEngine), for property
 * tests: a generator of write descriptions and `perform`, which carries one out on an engine's roster as
 * it is at that moment (picking users by position among those the write can apply to).
 */
import fc from 'fast-check';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import type { LifecycleAction } from '../../src/core/build-lifecycle-plan.ts';
import type { RosterEngine } from '../../workers/roster-engine.ts';

export type Write =
  | { kind: 'lifecycle'; tab: number; action: LifecycleAction; picks: number[] }
  | { kind: 'transfer'; tab: number; pick: number }
  | { kind: 'reassign'; tab: number; pick: number }
  | { kind: 'certificate'; tab: number; pick: number }
  | { kind: 'settings'; tab: number; batchLimit: number; preset: 'ascender' | 'fuse' }
  | { kind: 'sign_in'; tab: number; pick: number }
  | { kind: 'rule'; tab: number; pick: number; remove: boolean }
  | { kind: 'import'; tab: number; pick: number }
  | { kind: 'export_every_report'; tab: number }
  | { kind: 'compact'; tab: number };

export const tab = fc.integer({ min: 0, max: 1 });
const pick = fc.nat({ max: 10_000 });
export const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('lifecycle' as const), tab, action: fc.constantFrom<LifecycleAction>('deactivate', 'reactivate', 'delete'), picks: fc.array(pick, { minLength: 1, maxLength: 4 }) }) },
  fc.record({ kind: fc.constant('transfer' as const), tab, pick }),
  fc.record({ kind: fc.constant('reassign' as const), tab, pick }),
  fc.record({ kind: fc.constant('certificate' as const), tab, pick }),
  fc.record({ kind: fc.constant('settings' as const), tab, batchLimit: fc.integer({ min: 1, max: 60 }), preset: fc.constantFrom('ascender' as const, 'fuse' as const) }),
  fc.record({ kind: fc.constant('sign_in' as const), tab, pick }),
  fc.record({ kind: fc.constant('rule' as const), tab, pick, remove: fc.boolean() }),
  fc.record({ kind: fc.constant('import' as const), tab, pick }),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('export_every_report' as const), tab }) },
  // The storage's change log folded into blocks between writes (another tab may fold what this one wrote).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), tab }) },
);


function pickFrom<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

export async function perform(engine: RosterEngine, step: Write, importSeq: number): Promise<void> {
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
      // R2 with the reactivation or not: a user reactivated without it keeps previous assignments to re-assign later.
      if (plan.canApply) await engine.applyPlan(plan.planId, undefined, { reassignPrevious: step.action === 'reactivate' && step.picks[0]! % 2 === 0 });
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
      // R2 needs an active user with previous assignments: the first such from a random place in the list.
      const active = rows.filter((r) => r.status === 'active');
      for (let i = 0; i < active.length; i++) {
        const user = active[(step.pick + i) % active.length]!;
        if (((await engine.userDetail(user.id))?.previousAssignments.length ?? 0) > 0) {
          await engine.reassignPreviousAssignments(user.id);
          return;
        }
      }
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
    case 'compact':
      await engine.compactStorage();
      return;
  }
}


export async function allRows(engine: RosterEngine) {
  const { queryId, count } = engine.query(EMPTY_FILTER);
  return engine.rows(queryId, 0, count) ?? [];
}
