/**
 * Deactivation plans and their apply at 100,000 users, the roster worker driven directly from the worker
 * benchmark page (the app's worker and client code, no screen in between). The roster is the full demo
 * organization, every table, loaded by the worker as the first screen's button has it do: an apply
 * touches every per-user table.
 * - plan_100k_10k_ms: median of 7 plans by a warm worker (the roster already in its memory), each a
 *   deactivation of a different 10,000 of the active users, picked at random, sent as a list of ids.
 * - worker_cold_100k_ms: the first plan after opening the app: a fresh worker's open() (the users table
 *   read from IndexedDB and indexed, the organization-wide records read) plus its first plan of 10,000.
 *   The worker's start (loading its script) is not counted: the built app loads it with the page.
 * - read_users_100k_ms: the users table read once with raw IndexedDB in the same profile (getAll in pages
 *   of 20,000 by primary key, every record kept, as the worker keeps them), the floor for that open;
 *   worker_cold_vs_read_users is the first over the second. Both are medians of 3 rounds that alternate
 *   which of the two runs first, so that neither always finds the caches warmed by the other.
 * - apply_10k_ms: applyPlan of the last round's plan (about 10,000 eligible users: 100 batches of 100,
 *   each one Dexie transaction that reads the batch's records, then writes users, licenses, memberships,
 *   requests, assignments and removed assignments, certificates, tokens, audit and outbox), timed until
 *   it returns, the worker's in-memory roster updated.
 * - apply_raw_idb_10k_ms: the floor for that apply, raw IndexedDB writes of the same records in the same
 *   profile right after it. Exactly what it writes: every record the apply wrote, found once it is done —
 *   for each batch (from its outbox operation) the batch's users and the reports it moved, as stored now;
 *   every per-user record of the selected users (licenses, memberships, requests, assignments, removed
 *   assignments, certificates, tokens…) that the apply added, changed or deleted, found by reading those
 *   tables for the selected users before the apply and again after it; the batch's audit entries and its
 *   outbox operation, before-image included. Each is put once (a deleted record as it was: deleting costs
 *   IndexedDB about what putting does; audit entries and operations are added, numbered by the database)
 *   into a scratch database with the same stores, keys and indexes as the app's, one readwrite
 *   transaction per batch of the plan (100, each over every store written), awaited one after the other
 *   as the apply's are. Nothing is read and no library sits in between. apply_vs_raw_idb is the first
 *   over the second.
 */
import type { BenchScenario } from '../bench-scenario.ts';
import { median, round } from '../bench-statistics.ts';
import { workerBenchOf, type PlanSummary } from '../pages/worker-bench-api.ts';

const DATABASE_NAME = 'offboard';
const SIZE = 100_000;
const SELECTED = 10_000;
const WARM_RUNS = 7;
const COLD_ROUNDS = 3;
const WARM_SEED = 1;
const COLD_SEED = 101;

function describePlan(plan: PlanSummary): string {
  return `${plan.eligibleCount} eligible, ${plan.blockedCount} blocked, ${plan.skippedCount} skipped, ${plan.batchCount} batches`;
}

export default {
  name: 'lifecycle-worker-100k',
  async run({ openWorkerBenchPage, log }) {
    const bench = workerBenchOf(await openWorkerBenchPage());
    await bench.startWorker({ databaseName: DATABASE_NAME });
    log(`loading the ${SIZE.toLocaleString('en')}-user demo organization in the worker`);
    const loaded = await bench.loadDemo({ size: SIZE });
    if (loaded.userCount !== SIZE) throw new Error(`the demo holds ${loaded.userCount} users, not ${SIZE}`);
    log(`loaded in ${Math.round(loaded.ms)} ms; ${await bench.rememberActiveIds()} active users to pick from`);

    const warm: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      const { ms, plan } = await bench.plan({ count: SELECTED, seed: WARM_SEED + run });
      warm.push(ms);
      log(`warm plan ${run + 1}: ${ms.toFixed(1)} ms (${describePlan(plan)})`);
    }

    // The last cold round's plan is the one applied; its users' records are read now, well before the
    // apply, so that reading them does not warm the caches the apply reads through.
    const appliedSeed = COLD_SEED + COLD_ROUNDS - 1;
    const { records } = await bench.snapshotUserRecords({ databaseName: DATABASE_NAME, count: SELECTED, seed: appliedSeed });
    log(`${records} per-user records of the users to deactivate noted, to tell what the apply writes`);

    const cold: number[] = [];
    const raw: number[] = [];
    let lastPlan: PlanSummary | undefined;
    for (let coldRound = 0; coldRound < COLD_ROUNDS; coldRound++) {
      await bench.startWorker({ databaseName: DATABASE_NAME });
      const readRaw = async (): Promise<void> => {
        const read = await bench.readUsersRaw({ databaseName: DATABASE_NAME });
        if (read.count !== SIZE) throw new Error(`the raw read found ${read.count} users, not ${SIZE}`);
        raw.push(read.ms);
      };
      if (coldRound % 2 === 1) await readRaw();
      const first = await bench.openAndPlan({ count: SELECTED, seed: COLD_SEED + coldRound });
      if (coldRound % 2 === 0) await readRaw();
      cold.push(first.ms);
      lastPlan = first.plan;
      log(
        `cold round ${coldRound + 1}: open ${first.openMs.toFixed(1)} ms + first plan ${first.planMs.toFixed(1)} ms = ${first.ms.toFixed(1)} ms; ` +
          `raw read of the users ${raw.at(-1)!.toFixed(1)} ms`,
      );
    }
    if (!lastPlan?.canApply) throw new Error(`the plan to apply cannot be applied (${lastPlan ? describePlan(lastPlan) : 'no plan'})`);

    log(`applying a plan of ${describePlan(lastPlan)}`);
    const applied = await bench.apply({ planId: lastPlan.planId });
    if (applied.result.failure) throw new Error(`batch ${applied.result.failure.batchIndex} failed: ${applied.result.failure.message}`);
    log(`applied ${applied.result.usersApplied} users in ${applied.result.batchCount} batches: ${applied.ms.toFixed(1)} ms`);
    const floor = await bench.putAppliedRecordsRaw({ databaseName: DATABASE_NAME, planId: lastPlan.planId });
    log(
      `raw floor: ${floor.records} records in ${floor.transactions} transactions, ${floor.ms.toFixed(1)} ms ` +
        `(${Object.entries(floor.byStore).map(([store, count]) => `${store} ${count}`).join(', ')})`,
    );
    await bench.stopWorker();

    const coldMs = median(cold);
    const rawReadMs = median(raw);
    return [
      { name: 'plan_100k_10k_ms', value: round(median(warm)), unit: 'ms' },
      { name: 'worker_cold_100k_ms', value: round(coldMs), unit: 'ms' },
      { name: 'read_users_100k_ms', value: round(rawReadMs), unit: 'ms' },
      { name: 'worker_cold_vs_read_users', value: round(coldMs / rawReadMs, 2), unit: 'ratio' },
      { name: 'apply_10k_ms', value: round(applied.ms), unit: 'ms' },
      { name: 'apply_raw_idb_10k_ms', value: round(floor.ms), unit: 'ms' },
      { name: 'apply_vs_raw_idb', value: round(applied.ms / floor.ms, 2), unit: 'ratio' },
    ];
  },
} satisfies BenchScenario;
