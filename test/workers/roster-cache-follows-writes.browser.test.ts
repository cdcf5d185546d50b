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
import { RosterEngine } from '../../workers/roster-engine.ts';
import { allRows, perform, write, type Write } from './random-roster-writes.ts';

const RUNS = 200;
const DEMO_SIZE = 40;

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
