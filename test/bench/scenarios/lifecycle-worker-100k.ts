/**
 * Deactivation plans and their apply at 100,000 users, the roster worker driven directly from the worker
 * benchmark page (the app's worker and client code, no screen in between). The roster is the full demo
 * organization, every user with every record of theirs, loaded by the worker as the first screen's button
 * has it do.
 * - plan_100k_10k_ms: median of 7 plans by a warm worker (the roster already in its memory), each a
 *   deactivation of a different 10,000 of the active users, picked at random, sent as a list of ids.
 * - worker_cold_100k_ms, open_100k_ms: the same measure under two names, the first plan after opening the
 *   app: a fresh worker's open() (every user read from IndexedDB through the roster store and indexed,
 *   the organization-wide records read) plus its first plan of 10,000. The worker's start (loading its
 *   script) is not counted: the built app loads it with the page.
 * - read_users_100k_ms: the floor for that open, the same 100,000 users read with raw IndexedDB in the
 *   same profile: a raw database of its own (not the app's, whose layout is the roster store's), one
 *   object store `users` keyed by id, each user as the store reads it (summaries included) one record,
 *   written before anything is timed; read with getAll in pages of 20,000 by primary key, every record
 *   kept, as the worker keeps them. worker_cold_vs_read_users and open_vs_read_users are the open over
 *   it. Both are medians of 3 rounds that alternate which of the two runs first, so that neither always
 *   finds the caches warmed by the other.
 * - apply_10k_ms: applyPlan of the last round's plan (about 10,000 eligible users: 100 batches of 100,
 *   each one Dexie transaction that reads the batch's bundles and writes what changed of them as one
 *   entry of the roster store's change log, with the batch's audit entries and outbox operation; the
 *   store folds the log into blocks later, in the background), timed until it returns, the worker's
 *   in-memory roster updated.
 * - apply_vs_idb_raw_put: that apply over 100,000 users put in one raw IndexedDB transaction
 *   (idb-raw-put.ts's timeRawPut), measured in this scenario's own profile before the demo is loaded,
 *   as import_vs_raw_idb's is, so the ratio never depends on which other scenarios ran (the runner's
 *   idb_raw_put_100k_ms of the same run, if any, is logged beside it).
 */
import type { BenchScenario } from '../bench-scenario.ts';
import { median, round } from '../bench-statistics.ts';
import { workerBenchOf, type PlanSummary } from '../pages/worker-bench-api.ts';
import { timeRawPut } from './idb-raw-put.ts';

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
  async run({ openWorkerBenchPage, log, earlierFigure }) {
    const page = await openWorkerBenchPage();
    const bench = workerBenchOf(page);

    const rawPutMs = await page.evaluate(timeRawPut, { databaseName: `bench-lifecycle-raw-put-${Date.now()}`, userCount: SIZE });
    const runnerRawPut = earlierFigure('idb_raw_put_100k_ms');
    log(`raw put of ${SIZE.toLocaleString('en')} users, this profile: ${Math.round(rawPutMs)} ms${runnerRawPut === undefined ? '' : ` (idb-raw-put of this run: ${runnerRawPut} ms)`}`);

    await bench.startWorker({ databaseName: DATABASE_NAME });
    log(`loading the ${SIZE.toLocaleString('en')}-user demo organization in the worker`);
    const loaded = await bench.loadDemo({ size: SIZE });
    if (loaded.userCount !== SIZE) throw new Error(`the demo holds ${loaded.userCount} users, not ${SIZE}`);
    log(`loaded in ${Math.round(loaded.ms)} ms; ${await bench.rememberActiveIds()} active users to pick from`);

    // Written now, well before the rounds, so that its writes have settled when the reads are timed.
    const rawUsers = await bench.writeRawUsers({ databaseName: DATABASE_NAME });
    if (rawUsers.users !== SIZE) throw new Error(`the raw copy holds ${rawUsers.users} users, not ${SIZE}`);
    log(`${rawUsers.users.toLocaleString('en')} users copied, one raw record each, into ${rawUsers.databaseName} in ${Math.round(rawUsers.ms)} ms (not timed)`);

    const warm: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      const { ms, plan } = await bench.plan({ count: SELECTED, seed: WARM_SEED + run });
      warm.push(ms);
      log(`warm plan ${run + 1}: ${ms.toFixed(1)} ms (${describePlan(plan)})`);
    }

    const cold: number[] = [];
    const raw: number[] = [];
    let lastPlan: PlanSummary | undefined;
    for (let coldRound = 0; coldRound < COLD_ROUNDS; coldRound++) {
      await bench.startWorker({ databaseName: DATABASE_NAME });
      const readRaw = async (): Promise<void> => {
        const read = await bench.readUsersRaw({ databaseName: rawUsers.databaseName });
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
    await bench.deleteRawUsers({ databaseName: rawUsers.databaseName });

    log(`applying a plan of ${describePlan(lastPlan)}`);
    const applied = await bench.apply({ planId: lastPlan.planId });
    if (applied.result.failure) throw new Error(`batch ${applied.result.failure.batchIndex} failed: ${applied.result.failure.message}`);
    log(`applied ${applied.result.usersApplied} users in ${applied.result.batchCount} batches: ${applied.ms.toFixed(1)} ms`);
    await bench.stopWorker();

    const coldMs = median(cold);
    const rawReadMs = median(raw);
    return [
      { name: 'plan_100k_10k_ms', value: round(median(warm)), unit: 'ms' },
      { name: 'worker_cold_100k_ms', value: round(coldMs), unit: 'ms' },
      { name: 'open_100k_ms', value: round(coldMs), unit: 'ms' },
      { name: 'read_users_100k_ms', value: round(rawReadMs), unit: 'ms' },
      { name: 'worker_cold_vs_read_users', value: round(coldMs / rawReadMs, 2), unit: 'ratio' },
      { name: 'open_vs_read_users', value: round(coldMs / rawReadMs, 2), unit: 'ratio' },
      { name: 'apply_10k_ms', value: round(applied.ms), unit: 'ms' },
      { name: 'apply_vs_idb_raw_put', value: round(applied.ms / rawPutMs, 2), unit: 'ratio' },
    ];
  },
} satisfies BenchScenario;
