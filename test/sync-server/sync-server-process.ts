/**
 * The reference sync server alone in a process of its own, for benchmarks that measure the server (its
 * memory is then its own) and tests that kill it: `node --import tsx test/sync-server/sync-server-process.ts
 * <data directory> [demo size] [port]` prints one JSON line, `{"url":…,"readyMs":…}`, once it serves, and
 * serves until killed. `OFFBOARD_SYNC_DATABASE_URL` keeps the data in that PostgreSQL instead of PGlite.
 *
 * `OFFBOARD_TEST_CRASH_RATE` (with `OFFBOARD_TEST_CRASH_SEED`): at each push's commit, with this
 * probability the process kills itself with SIGKILL, half the time with the push's writes sent and not
 * committed, half the time committed and not answered: nothing is flushed, nothing is closed.
 * `OFFBOARD_TEST_OPERATIONS_PER_PUSH` makes pushes smaller (more of them, more commits to crash at).
 */
import { startReferenceServer } from '../../src/server/reference-sync-server.ts';
import { createRandom } from '../../src/core/seeded-random.ts';
import { DEFAULT_SYNC_LIMITS } from '../../src/core/sync/server-roster.ts';

const [directory, size, port] = process.argv.slice(2);
if (!directory) throw new Error('usage: sync-server-process.ts <data directory> [demo size] [port]');
const crashRate = Number(process.env.OFFBOARD_TEST_CRASH_RATE ?? 0);
const operationsPerPush = Number(process.env.OFFBOARD_TEST_OPERATIONS_PER_PUSH ?? 0);
const random = createRandom(Number(process.env.OFFBOARD_TEST_CRASH_SEED ?? 1));
const startedAt = performance.now();
const server = await startReferenceServer({
  dataDirectory: directory,
  databaseUrl: process.env.OFFBOARD_SYNC_DATABASE_URL || undefined,
  demoSize: size ? Number(size) : undefined,
  port: port ? Number(port) : 0,
  limits: operationsPerPush > 0 ? { ...DEFAULT_SYNC_LIMITS, operationsPerPush } : undefined,
  faultPoint:
    crashRate > 0
      ? (point) => {
          if (random.next() >= crashRate) return;
          if ((point === 'before_commit') === random.next() < 0.5) process.kill(process.pid, 'SIGKILL');
        }
      : undefined,
});
process.stdout.write(`${JSON.stringify({ url: server.url, readyMs: performance.now() - startedAt })}\n`);
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
