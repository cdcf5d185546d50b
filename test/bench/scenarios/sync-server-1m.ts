/**
 * The reference sync server with 1,000,000 users (the demo organization, default seed), in a process of
 * its own on PGlite in a temporary folder (sync-server-process.ts), measured from outside: no browser.
 * - server_seed_1m_ms: the first start, the demo generated and written (reported, not a target).
 * - server_start_1m_ms: a start from that database, to the first request it can answer.
 * - server_pull_1m_ms: every page of a first pull served (5,000 users a page, `Accept-Encoding` as
 *   Chromium sends it), each page asked for once the one before arrived and was decompressed to read its
 *   cursor: the server's time, the device's writes left out (pull_100k_ms covers those).
 * - pull_1m_wire_bytes_per_user: bytes of those answers on the wire (compressed) per user.
 * - server_rss_1m_mb: the server process's largest resident memory (VmRSS, sampled every 100 ms) while it
 *   served that pull (MB of 1,000,000 bytes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { DEMO_ADMIN_TOKEN } from '../../../src/server/reference-sync-server.ts';
import type { BenchScenario } from '../bench-scenario.ts';
import { round } from '../bench-statistics.ts';

const SIZE = 1_000_000;
const PAGE = 5_000;
const SERVER_SCRIPT = new URL('../../sync-server/sync-server-process.ts', import.meta.url).pathname;

interface StartedServer {
  child: ChildProcess;
  url: string;
  readyMs: number;
}

async function startServer(directory: string, size: number): Promise<StartedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT, directory, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the server process ended (${code}) before it served`)));
  });
  const { url, readyMs } = JSON.parse(first) as { url: string; readyMs: number };
  return { child, url, readyMs };
}

async function stopServer(server: StartedServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return (kb * 1024) / 1e6;
}

/** One page as the wire carries it: its bytes, and the body decompressed. */
function getPage(url: string): Promise<{ bytes: number; body: { cursor: string; hasMore: boolean; users: { records: { count: number } } } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'Accept-Encoding': 'gzip, deflate, br, zstd' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}: ${raw.toString('utf8').slice(0, 300)}`));
        const coding = response.headers['content-encoding'];
        const text = coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw;
        resolve({ bytes: raw.length, body: JSON.parse(text.toString('utf8')) });
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export default {
  name: 'sync-server-1m',
  async run({ log }) {
    const directory = await mkdtemp(join(tmpdir(), 'offboard-bench-server-'));
    let server: StartedServer | undefined;
    try {
      server = await startServer(directory, SIZE);
      const seedMs = server.readyMs;
      log(`seeded ${SIZE.toLocaleString('en')} demo users in ${Math.round(seedMs)} ms`);
      await stopServer(server);
      server = await startServer(directory, SIZE);
      log(`started from the database in ${Math.round(server.readyMs)} ms, ${round(await residentMb(server.child.pid!), 0)} MB resident`);

      let peakMb = 0;
      const pid = server.child.pid!;
      const sampler = setInterval(() => {
        void residentMb(pid).then((mb) => (peakMb = Math.max(peakMb, mb)), () => undefined);
      }, 100);
      let cursor: string | null = null;
      let users = 0;
      let bytes = 0;
      let pages = 0;
      const startedAt = performance.now();
      try {
        for (;;) {
          const page = await getPage(`${server.url}/pull?limit=${PAGE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
          pages++;
          bytes += page.bytes;
          users += page.body.users.records.count;
          cursor = page.body.cursor;
          if (!page.body.hasMore) break;
        }
      } finally {
        clearInterval(sampler);
      }
      const pullMs = performance.now() - startedAt;
      peakMb = Math.max(peakMb, await residentMb(pid));
      if (users !== SIZE) throw new Error(`the pull brought ${users} users, not ${SIZE}`);
      log(`pulled ${users.toLocaleString('en')} users in ${pages} pages, ${(bytes / 1e6).toFixed(1)} MB on the wire, in ${Math.round(pullMs)} ms`);
      return [
        { name: 'server_seed_1m_ms', value: round(seedMs, 0), unit: 'ms' },
        { name: 'server_start_1m_ms', value: round(server.readyMs, 0), unit: 'ms' },
        { name: 'server_pull_1m_ms', value: round(pullMs, 0), unit: 'ms' },
        { name: 'pull_1m_wire_bytes_per_user', value: round(bytes / SIZE, 1), unit: 'B' },
        { name: 'server_rss_1m_mb', value: round(peakMb, 1), unit: 'MB' },
      ];
    } finally {
      if (server) await stopServer(server);
      await rm(directory, { recursive: true, force: true });
    }
  },
} satisfies BenchScenario;
