/**
 * Deactivation plans at 1,000,000 users, the roster worker driven directly from the worker benchmark page.
 * - plan_1m_100k_ms: median of 7 plans by a warm worker (the roster already in its memory), each a
 *   deactivation of a different 100,000 of the active users, picked at random, sent as a list of ids.
 *
 * The data is the demo organization of 1,000,000 users, every record of theirs, stored from the page by
 * the app's own writer (writeRosterInChunks, as the worker's loadDemo calls it), 10,000 users generated
 * and written at a time: in id order onto an empty roster each chunk goes straight into blocks, and the
 * page never holds more than one chunk. Only the in-memory roster loadDemo builds alongside is left out:
 * the worker then opens the roster as the app does on start, and builds it there. The seeding and that
 * open are logged, not figures.
 */
import type { BenchScenario } from '../bench-scenario.ts';
import { median, round } from '../bench-statistics.ts';
import { workerBenchOf } from '../pages/worker-bench-api.ts';

const DATABASE_NAME = 'offboard';
const SIZE = 1_000_000;
const SELECTED = 100_000;
const WARM_RUNS = 7;
const WARM_SEED = 1;

export default {
  name: 'lifecycle-worker-1m',
  async run({ openWorkerBenchPage, log }) {
    const bench = workerBenchOf(await openWorkerBenchPage());
    log(`storing the ${SIZE.toLocaleString('en')}-user demo organization through writeRosterInChunks`);
    const seeded = await bench.seedDemoRoster({ databaseName: DATABASE_NAME, size: SIZE });
    if (seeded.users !== SIZE) throw new Error(`stored ${seeded.users} users, not ${SIZE}`);
    log(`demo organization generated and stored in ${Math.round(seeded.ms)} ms`);

    await bench.startWorker({ databaseName: DATABASE_NAME });
    const opened = await bench.open();
    if (opened.userCount !== SIZE) throw new Error(`the worker opened ${opened.userCount} users, not ${SIZE}`);
    log(`worker opened the roster in ${Math.round(opened.ms)} ms; ${await bench.rememberActiveIds()} active users to pick from`);

    const warm: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      const { ms, plan } = await bench.plan({ count: SELECTED, seed: WARM_SEED + run });
      warm.push(ms);
      log(`warm plan ${run + 1}: ${ms.toFixed(1)} ms (${plan.eligibleCount} eligible, ${plan.blockedCount} blocked, ${plan.batchCount} batches)`);
    }
    await bench.stopWorker();
    return { name: 'plan_1m_100k_ms', value: round(median(warm)), unit: 'ms' };
  },
} satisfies BenchScenario;
