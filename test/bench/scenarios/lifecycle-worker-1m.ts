/**
 * The roster at 1,000,000 users, the roster worker driven directly from the worker benchmark page.
 * - load_demo_1m_ms: the worker's `loadDemo(1,000,000)`, as the first screen calls it: the demo
 *   organization generated, every record of it stored (in blocks) and the in-memory roster built.
 *   `load_demo_1m_vs_idb_raw_put` holds it against `idb_raw_put_100k_ms` of the same run, when
 *   idb-raw-put ran before (target ≤ 4).
 * - roster_heap_1m_mb: the worker's used JS heap holding that roster, garbage collected first (MB of
 *   1,000,000 bytes; target ≤ 300).
 * - storage_1m_mb: the origin's IndexedDB usage then (navigator.storage.estimate()).
 * - open_1m_ms: a fresh worker's `open()` of that roster plus its first plan of 10,000, as after opening
 *   the app; `open_1m_vs_read_users` holds it against `read_users_100k_ms` of the same run, when
 *   lifecycle-worker-100k ran before (target ≤ 2.5).
 * - plan_1m_100k_ms: median of 7 plans by that (now warm) worker, each a deactivation of a different
 *   100,000 of the active users, picked at random, sent as a list of ids (target ≤ 1,000).
 */
import type { BenchFigure, BenchScenario } from '../bench-scenario.ts';
import { median, round } from '../bench-statistics.ts';
import { workerBenchOf } from '../pages/worker-bench-api.ts';
import { attachWorkerHeapSampler } from '../worker-heap-sampler.ts';

const DATABASE_NAME = 'offboard';
const SIZE = 1_000_000;
const SELECTED = 100_000;
const FIRST_PLAN = 10_000;
const WARM_RUNS = 7;
const WARM_SEED = 1;

export default {
  name: 'lifecycle-worker-1m',
  async run({ openWorkerBenchPage, log, earlierFigure }) {
    const page = await openWorkerBenchPage();
    const bench = workerBenchOf(page);
    const heap = await attachWorkerHeapSampler(page);
    const figures: BenchFigure[] = [];

    let attached = heap.waitForWorker();
    await bench.startWorker({ databaseName: DATABASE_NAME });
    await attached;
    await bench.open();
    log(`loading the ${SIZE.toLocaleString('en')}-user demo organization in the worker`);
    const loaded = await bench.loadDemo({ size: SIZE });
    if (loaded.userCount !== SIZE) throw new Error(`loaded ${loaded.userCount} users, not ${SIZE}`);
    figures.push({ name: 'load_demo_1m_ms', value: round(loaded.ms), unit: 'ms' });
    const rawPut = earlierFigure('idb_raw_put_100k_ms');
    if (rawPut) figures.push({ name: 'load_demo_1m_vs_idb_raw_put', value: round(loaded.ms / rawPut, 2), unit: 'ratio' });
    await heap.collectGarbage();
    const held = await heap.usedHeapBytes();
    figures.push({ name: 'roster_heap_1m_mb', value: round(held / 1e6), unit: 'MB' });
    const { usage } = await page.evaluate(() => navigator.storage.estimate());
    figures.push({ name: 'storage_1m_mb', value: round((usage ?? 0) / 1e6), unit: 'MB' });
    log(`loaded in ${Math.round(loaded.ms)} ms; worker heap ${(held / 1e6).toFixed(1)} MB; storage ${((usage ?? 0) / 1e6).toFixed(0)} MB`);
    // The page keeps the active users' ids: the fresh worker's first plan picks from them.
    log(`${await bench.rememberActiveIds()} active users to pick from`);
    await bench.stopWorker();

    attached = heap.waitForWorker();
    await bench.startWorker({ databaseName: DATABASE_NAME });
    await attached;
    const opened = await bench.openAndPlan({ count: FIRST_PLAN, seed: 0 });
    figures.push({ name: 'open_1m_ms', value: round(opened.ms), unit: 'ms' });
    const readUsers = earlierFigure('read_users_100k_ms');
    if (readUsers) figures.push({ name: 'open_1m_vs_read_users', value: round(opened.ms / readUsers, 2), unit: 'ratio' });
    log(`fresh worker: open ${Math.round(opened.openMs)} ms + first plan of ${FIRST_PLAN.toLocaleString('en')} ${Math.round(opened.planMs)} ms`);

    const warm: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      const { ms, plan } = await bench.plan({ count: SELECTED, seed: WARM_SEED + run });
      warm.push(ms);
      log(`warm plan ${run + 1}: ${ms.toFixed(1)} ms (${plan.eligibleCount} eligible, ${plan.blockedCount} blocked, ${plan.batchCount} batches)`);
    }
    figures.push({ name: 'plan_1m_100k_ms', value: round(median(warm)), unit: 'ms' });
    await bench.stopWorker();
    await heap.detach();
    return figures;
  },
} satisfies BenchScenario;
