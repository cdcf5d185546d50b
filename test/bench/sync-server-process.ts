/**
 * The reference sync server alone in a process of its own, for benchmarks that measure the server (its
 * memory is then its own): `node --import tsx test/bench/sync-server-process.ts <data directory> <demo size>`
 * prints one JSON line, `{"url":…,"readyMs":…}`, once it serves, and serves until killed.
 */
import { startReferenceServer } from '../../src/server/reference-sync-server.ts';

const [directory, size] = process.argv.slice(2);
if (!directory) throw new Error('usage: sync-server-process.ts <data directory> [demo size]');
const startedAt = performance.now();
const server = await startReferenceServer({ dataDirectory: directory, demoSize: size ? Number(size) : undefined });
process.stdout.write(`${JSON.stringify({ url: server.url, readyMs: performance.now() - startedAt })}\n`);
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
