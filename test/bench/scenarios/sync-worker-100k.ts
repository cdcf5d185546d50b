/**
 * Sync with the reference server at 100,000 users, the app's roster worker driven from the worker
 * benchmark page (a fresh on-disk profile) against a reference server (src/server/) started in this
 * Node process on loopback, its data in a temporary folder removed at the end. The server's first state,
 * the 100,000-user demo organization (default seed) as a snapshot file, is built before anything is
 * timed. One scenario for both figures: the push needs a device holding the server's roster, which is
 * exactly what the pull leaves behind.
 * - pull_100k_ms: the first sign-in on an empty device, `signInToServer(url, token, false)` from the
 *   call to its answer: the session checked, every page of the roster pulled (5,000 users a page) and
 *   written, then the worker's roster read again and indexed, ready for the list.
 * - pull_vs_raw_idb: that over 100,000 users put in one raw IndexedDB transaction (idb-raw-put.ts's
 *   timeRawPut), measured in this scenario's own profile just before the sign-in, as import_vs_raw_idb
 *   is, so the ratio never depends on which other scenarios ran (the runner's idb_raw_put_100k_ms of the
 *   same run, if any, is logged beside it).
 * - pull_100k_wire_kb: the bytes of those pull answers' bodies as the server sent them, compressed as
 *   Chromium accepts (kB of 1,000 bytes).
 * - sync_push_10k_ms: a deactivation of 10,000 plain active users (nobody the plan blocks or skips: no
 *   community admin, not the signed-in admin), applied locally in 100 batches of 100, is 100 outbox
 *   operations; `syncNow()` then pushes them (50 a request, the server's limit) and pulls. The figure is
 *   the push alone, timed on the server's clock: from the arrival of the first push request to the
 *   arrival of the pull request that follows the last push, which the client sends only once every push
 *   result is settled in IndexedDB and the outbox is empty. The pull is left out because it is not
 *   small: it brings back every user whose bundle the push changed on the server, now at a new revision
 *   (about 19,600 here: the 10,000 and the users their deactivation changed, such as reports moved to
 *   another manager), which the device writes again.
 * - sync_push_10k_ops_per_s: operations pushed per second of that push.
 * - sync_run_10k_ms: the whole `syncNow()` as the page waits for it: the push, then that pull.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_ADMIN_TOKEN, startReferenceServer, type RunningReferenceServer } from '../../../src/server/reference-sync-server.ts';
import type { BenchScenario } from '../bench-scenario.ts';
import { round } from '../bench-statistics.ts';
import { workerBenchOf } from '../pages/worker-bench-api.ts';
import { timeRawPut } from './idb-raw-put.ts';

const SIZE = 100_000;
const DEACTIVATED = 10_000;
const BATCH_SIZE = 100;
const OPERATIONS = DEACTIVATED / BATCH_SIZE;

/** Arrival times (this process's performance.now()) of the server's requests, by route. */
function recordRequestTimes(server: RunningReferenceServer): { pushes: number[]; pulls: number[]; pullBytes: number; clear(): void } {
  const times = {
    pushes: [] as number[],
    pulls: [] as number[],
    /** Bytes of the pull answers' bodies as sent (compressed as the browser accepted). */
    pullBytes: 0,
    clear() {
      times.pushes.length = 0;
      times.pulls.length = 0;
      times.pullBytes = 0;
    },
  };
  // A second 'request' listener beside the server's own handler: it sees each request as it arrives.
  server.server.on('request', (request, response) => {
    const path = new URL(request.url ?? '/', 'http://server.invalid').pathname;
    if (request.method === 'GET' && path.endsWith('/pull')) response.once('finish', () => (times.pullBytes += Number(response.getHeader('content-length') ?? 0)));
    if (request.method === 'POST' && path.endsWith('/push')) times.pushes.push(performance.now());
    if (request.method === 'GET' && path.endsWith('/pull')) times.pulls.push(performance.now());
  });
  return times;
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((time, i) => time - times[i]!);
}

async function inactiveOnServer(server: RunningReferenceServer): Promise<number> {
  let count = 0;
  for (const bundle of (await server.data.snapshot()).bundles) if (bundle.user?.status === 'inactive') count++;
  return count;
}

export default {
  name: 'sync-worker-100k',
  async run({ openWorkerBenchPage, log, earlierFigure }) {
    const dataDirectory = await mkdtemp(join(tmpdir(), 'offboard-bench-sync-'));
    let server: RunningReferenceServer | undefined;
    try {
      const setupStartedAt = performance.now();
      server = await startReferenceServer({ dataDirectory, demoSize: SIZE });
      log(`reference server at ${server.url}, ${SIZE.toLocaleString('en')} users, ready in ${Math.round(performance.now() - setupStartedAt)} ms (not timed)`);
      const requests = recordRequestTimes(server);

      const page = await openWorkerBenchPage();
      const bench = workerBenchOf(page);
      const rawMs = await page.evaluate(timeRawPut, { databaseName: `bench-sync-raw-put-${Date.now()}`, userCount: SIZE });
      const runnerRaw = earlierFigure('idb_raw_put_100k_ms');
      log(`raw put of ${SIZE.toLocaleString('en')} users, this profile: ${Math.round(rawMs)} ms${runnerRaw === undefined ? '' : ` (idb-raw-put of this run: ${runnerRaw} ms)`}`);

      // The app opens its worker on start, before anyone signs in: not timed.
      await bench.startWorker({ databaseName: `bench-sync-${Date.now()}` });
      const opened = await bench.open();
      if (opened.userCount !== 0) throw new Error(`the device is not empty: ${opened.userCount} users`);

      const signIn = await bench.signInToServer({ url: server.url, token: DEMO_ADMIN_TOKEN });
      if (!signIn.ok) throw new Error(`the sign-in failed: ${signIn.code}: ${signIn.message}`);
      if (signIn.usersPulled !== SIZE) throw new Error(`the sign-in pulled ${signIn.usersPulled} users, not ${SIZE}`);
      const list = await bench.queryAll();
      if (list.count !== SIZE) throw new Error(`the list shows ${list.count} users after the pull, not ${SIZE}`);
      const wireBytes = requests.pullBytes;
      log(`pulled ${signIn.usersPulled.toLocaleString('en')} users in ${Math.round(signIn.ms)} ms (${requests.pulls.length} pull requests, ${(wireBytes / 1e6).toFixed(2)} MB on the wire); the list's first read after it ${Math.round(list.ms)} ms`);
      // The time between one pull request and the next is one page fetched, written and followed by the
      // worker's roster: a gap that grows page after page points at work that grows with the roster.
      log(`ms between pull requests, page by page: ${gaps(requests.pulls).map(Math.round).join(', ')}`);

      const { plan, ms: planMs } = await bench.planPlainDeactivation({ count: DEACTIVATED });
      if (plan.eligibleCount !== DEACTIVATED || plan.batchCount !== OPERATIONS || !plan.canApply) {
        throw new Error(`unexpected plan: ${JSON.stringify(plan)}`);
      }
      const applied = await bench.apply({ planId: plan.planId });
      if (applied.result.failure) throw new Error(`batch ${applied.result.failure.batchIndex} failed: ${applied.result.failure.message}`);
      log(`planned ${DEACTIVATED.toLocaleString('en')} plain users in ${Math.round(planMs)} ms, applied in ${applied.result.batchCount} batches in ${Math.round(applied.ms)} ms (not timed)`);

      const inactiveBefore = await inactiveOnServer(server);
      requests.clear();
      const sync = await bench.syncNow();
      if (!sync.ran || sync.operationsPushed !== OPERATIONS || sync.pendingOperations !== 0) throw new Error(`the sync did not push every operation: ${JSON.stringify(sync)}`);
      if (sync.operationsRefused > 0 || sync.usersRejected > 0) throw new Error(`the server refused some of the push: ${JSON.stringify(sync)}`);
      const firstPush = requests.pushes[0];
      const pullAfterPush = requests.pulls.find((at) => firstPush !== undefined && at > firstPush);
      if (firstPush === undefined || pullAfterPush === undefined) throw new Error(`the server saw ${requests.pushes.length} pushes and ${requests.pulls.length} pulls`);
      const pushMs = pullAfterPush - firstPush;
      const inactiveAfter = await inactiveOnServer(server);
      if (inactiveAfter - inactiveBefore !== DEACTIVATED) throw new Error(`the server holds ${inactiveAfter - inactiveBefore} more inactive users, not ${DEACTIVATED}`);
      log(
        `syncNow: ${requests.pushes.length} push requests in ${Math.round(pushMs)} ms, then ${requests.pulls.length} pull requests bringing back ` +
          `${sync.usersPulled.toLocaleString('en')} users; ${Math.round(sync.ms)} ms in all`,
      );
      await bench.stopWorker();

      return [
        { name: 'pull_100k_ms', value: round(signIn.ms, 0), unit: 'ms' },
        { name: 'pull_vs_raw_idb', value: round(signIn.ms / rawMs, 2), unit: 'ratio' },
        { name: 'pull_100k_wire_kb', value: round(wireBytes / 1000, 0), unit: 'kB' },
        { name: 'sync_push_10k_ms', value: round(pushMs, 0), unit: 'ms' },
        { name: 'sync_push_10k_ops_per_s', value: round(OPERATIONS / (pushMs / 1000), 1), unit: 'ops/s' },
        { name: 'sync_run_10k_ms', value: round(sync.ms, 0), unit: 'ms' },
      ];
    } finally {
      await server?.close();
      await rm(dataDirectory, { recursive: true, force: true });
    }
  },
} satisfies BenchScenario;
