/**
 * Deactivation plans at 1,000,000 users, the roster worker driven directly from the worker benchmark page.
 * - plan_1m_100k_ms: median of 7 plans by a warm worker (the roster already in its memory), each a
 *   deactivation of a different 100,000 of the active users, picked at random, sent as a list of ids.
 *
 * The data is not a full demo load: loading 1,000,000 users with every table takes over half an hour on
 * a small machine. A plan reads only the worker's in-memory roster, which open() builds from the users
 * table alone (each user carries a summary of their records: communities, licenses, counts) plus the
 * organization, admins, communities, methodologies, custom fields and the session. So exactly those are
 * seeded: the demo organization's users, each with the summary computed from the generator's own chunk
 * by the helpers the app's writer uses (summarizeUserRecords, toStoredUser), and its organization-wide
 * records. The per-user record tables (licenses, memberships, tokens…) stay empty: planning never reads
 * them, only an apply would. Seeding writes the organization-wide records through the app's Dexie
 * database (so the schema is the app's own) and the users with raw IndexedDB, 10,000 generated and
 * written at a time: the page never holds more than two chunks. The worker then opens the roster as the
 * app does on start, and that open is logged, not a figure.
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
    log(`seeding ${SIZE.toLocaleString('en')} users (users table and organization-wide tables only)`);
    const seeded = await bench.seedUsersOnly({ databaseName: DATABASE_NAME, size: SIZE });
    if (seeded.users !== SIZE) throw new Error(`seeded ${seeded.users} users, not ${SIZE}`);
    log(`seeded in ${Math.round(seeded.ms)} ms`);

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
