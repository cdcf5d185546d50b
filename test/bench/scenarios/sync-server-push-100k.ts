/**
 * The reference server taking a large push, alone (no device writing meanwhile), on a real PostgreSQL
 * (a throwaway cluster from Debian's packages, as the tests start) and on PGlite: each holds the
 * 100,000-user demo (default seed), and gets the deactivation of 10,000 plain active users (no admin
 * role, no reports: no A8 moves) as 100 operations of 100 users, sent as a device sends them: two pushes
 * of 50 over HTTP, gzip-compressed, one after the other.
 * - server_push_ops_per_s: operations applied per second on PostgreSQL, from the first push sent to the
 *   last answer received (every operation evaluated against the rules and committed).
 * - server_push_ops_per_s_pglite: the same on PGlite (the default, embedded).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEMO_ADMIN_TOKEN, startReferenceServer, type RunningReferenceServer } from '../../../src/server/reference-sync-server.ts';
import { SYNC_PROTOCOL_VERSION, type PushOperation, type PushResponse } from '../../../src/core/sync/sync-protocol.ts';
import { PgDatabase } from '../../../src/server/sql/pg-database.ts';
import { startThrowawayPostgres } from '../../server/throwaway-postgres.ts';
import type { BenchScenario } from '../bench-scenario.ts';
import { round } from '../bench-statistics.ts';

const SIZE = 100_000;
const OPERATIONS = 100;
const USERS_PER_OPERATION = 100;
const OPERATIONS_PER_PUSH = 50;

/** Active users with no admin role and no reports, as the server holds them. */
async function plainActiveIds(server: RunningReferenceServer, count: number): Promise<string[]> {
  const { bundles, organization } = await server.data.snapshot();
  const protectedIds = new Set([...organization.admins.map((a) => a.userId), ...organization.communities.flatMap((c) => c.adminIds)]);
  const managers = new Set(bundles.map((b) => b.user?.managerId));
  const ids = bundles.filter((b) => b.user?.status === 'active' && !protectedIds.has(b.id) && !managers.has(b.id)).map((b) => b.id);
  if (ids.length < count) throw new Error(`only ${ids.length} plain active users, not ${count}`);
  return ids.slice(-count);
}

/** The 100 operations' pushes, timed from the first sent to the last answered; every operation must apply. */
async function timePushes(server: RunningReferenceServer, ids: readonly string[]): Promise<number> {
  const operations: PushOperation[] = Array.from({ length: OPERATIONS }, (_, i) => ({
    id: crypto.randomUUID(),
    seq: i + 1,
    kind: 'deactivate',
    args: { reportMoves: [] },
    userIds: ids.slice(i * USERS_PER_OPERATION, (i + 1) * USERS_PER_OPERATION),
    seen: {},
    createdAt: new Date().toISOString(),
  }));
  const startedAt = performance.now();
  for (let start = 0; start < OPERATIONS; start += OPERATIONS_PER_PUSH) {
    const body = gzipSync(JSON.stringify({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'bench-device', operations: operations.slice(start, start + OPERATIONS_PER_PUSH) }));
    const response = await fetch(`${server.url}/push`, { method: 'POST', body, headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    if (!response.ok) throw new Error(`push answered ${response.status}: ${await response.text()}`);
    const { results } = (await response.json()) as PushResponse;
    const notApplied = results.filter((r) => r.status !== 'applied' || r.unchanged.length > 0);
    if (notApplied.length > 0) throw new Error(`${notApplied.length} operations not applied as sent: ${JSON.stringify(notApplied[0]).slice(0, 300)}`);
  }
  return performance.now() - startedAt;
}

export default {
  name: 'sync-server-push-100k',
  async run({ log }) {
    const figures = [];
    const cluster = await startThrowawayPostgres();
    if (!cluster) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql): the push on PostgreSQL cannot be measured.');
    const directory = await mkdtemp(join(tmpdir(), 'offboard-bench-push-'));
    try {
      const admin = await PgDatabase.open(cluster.url);
      await admin.query('create database offboard_bench');
      await admin.close();
      for (const database of ['PostgreSQL', 'PGlite'] as const) {
        const seededAt = performance.now();
        const server = await startReferenceServer({
          dataDirectory: join(directory, database),
          demoSize: SIZE,
          ...(database === 'PostgreSQL' ? { databaseUrl: cluster.url.replace(/\/postgres$/, '/offboard_bench') } : {}),
        });
        try {
          log(`${database}: ${SIZE.toLocaleString('en')} demo users seeded in ${Math.round(performance.now() - seededAt)} ms (not timed)`);
          const ids = await plainActiveIds(server, OPERATIONS * USERS_PER_OPERATION);
          const ms = await timePushes(server, ids);
          log(`${database}: ${OPERATIONS} operations (${ids.length.toLocaleString('en')} users) pushed in ${Math.round(ms)} ms`);
          figures.push({ name: database === 'PostgreSQL' ? 'server_push_ops_per_s' : 'server_push_ops_per_s_pglite', value: round(OPERATIONS / (ms / 1000), 1), unit: 'ops/s' });
        } finally {
          await server.close();
        }
      }
      return figures;
    } finally {
      await cluster.stop();
      await rm(directory, { recursive: true, force: true });
    }
  },
} satisfies BenchScenario;
