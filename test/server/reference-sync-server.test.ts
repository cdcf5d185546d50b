import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN, DEMO_REPORTS_TOKEN, startReferenceServer, type RunningReferenceServer } from '../../src/server/reference-sync-server.ts';
import { pullResponseOf, type PullPage } from '../../src/core/sync/pull-page-wire.ts';
import { SYNC_PROTOCOL_VERSION, type PullResponse, type PushOperation, type PushResponse, type SessionResponse } from '../../src/core/sync/sync-protocol.ts';

let directory: string;
let server: RunningReferenceServer;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'offboard-sync-'));
  server = await startReferenceServer({ dataDirectory: directory, demoSize: 500 });
});

afterEach(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${init.token ?? DEMO_ADMIN_TOKEN}`, 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** A pull over the protocol, its page read as the device reads it. */
async function pull(path: string): Promise<PullResponse> {
  const { status, body } = await call<PullPage>(path);
  expect(status).toBe(200);
  return pullResponseOf(body);
}

function push(operations: PushOperation[], token?: string) {
  return call<PushResponse>('/push', { method: 'POST', body: JSON.stringify({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations }), token });
}

async function plainUsers(count: number): Promise<string[]> {
  const body = await pull('/pull?limit=5000');
  const adminIds = new Set([...body.organization!.communities.flatMap((c) => c.adminIds), ...body.organization!.admins.map((a) => a.userId)]);
  const managers = new Set(body.users.map((u) => u.user?.managerId));
  return body.users.filter((u) => u.user!.status === 'active' && !adminIds.has(u.id) && !managers.has(u.id)).slice(0, count).map((u) => u.id);
}

const deactivate = (id: string, seq: number, userIds: string[]): PushOperation => ({ id, seq, kind: 'deactivate', args: { reportMoves: [] }, userIds, seen: {}, createdAt: '2026-11-20T10:00:00.000Z' });

describe('reference sync server over HTTP', () => {
  it('makes its data directory when it has none (a first npm start), and keeps its data there', async () => {
    const fresh = join(directory, 'not', 'made', 'yet');
    const other = await startReferenceServer({ dataDirectory: fresh, demoSize: 50 });
    try {
      const answer = await fetch(`${other.url}/session`, { headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } });
      expect(answer.status).toBe(200);
      expect(existsSync(join(fresh, 'pglite'))).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('answers /session for a known token and 401 for any other', async () => {
    const session = await call<SessionResponse>('/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ protocol: SYNC_PROTOCOL_VERSION, admin: { permissions: expect.arrayContaining(['manage_users']) }, limits: { operationsPerPush: 50 } });
    expect((await call('/session', { token: 'wrong' })).status).toBe(401);
  });

  it('A1: a push from the reports-only token gets 403 and changes nothing', async () => {
    const [id] = await plainUsers(1);
    const refused = await push([deactivate('op-1', 1, [id!])], DEMO_REPORTS_TOKEN);
    expect(refused.status).toBe(403);
    expect((await server.data.bundle(id!))!.user!.status).toBe('active');
  });

  it('a push above the limit gets 413 with the limits', async () => {
    const [id] = await plainUsers(1);
    const operations = Array.from({ length: 51 }, (_, i) => deactivate(`op-${i}`, i + 1, [id!]));
    const answer = await push(operations);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'too_large', limits: { operationsPerPush: 50 } });
  });

  it('an answer lost after the commit: the retry gets the same result and the change is made once', async () => {
    const ids = await plainUsers(2);
    server.handler.faults.dropAfterCommitNext = 1;
    await expect(push([deactivate('op-1', 1, ids)])).rejects.toThrow();
    const revision = server.data.revision;
    const retry = await push([deactivate('op-1', 1, ids)]);
    expect(retry.status).toBe(200);
    expect(retry.body.results).toEqual([expect.objectContaining({ id: 'op-1', status: 'applied', revision })]);
    expect(server.data.revision).toBe(revision);
  });

  it('keeps every acknowledged change across a restart', async () => {
    const ids = await plainUsers(3);
    expect((await push([deactivate('op-1', 1, [ids[0]!]), deactivate('op-2', 2, [ids[1]!])])).status).toBe(200);
    await server.close();
    server = await startReferenceServer({ dataDirectory: directory, demoSize: 500 });
    expect((await server.data.bundle(ids[0]!))!.user!.status).toBe('inactive');
    expect((await server.data.bundle(ids[1]!))!.user!.status).toBe('inactive');
    // The restarted server still recognises the replay, and takes the next operation.
    const again = await push([deactivate('op-2', 2, [ids[1]!]), deactivate('op-3', 3, [ids[2]!])]);
    expect(again.body.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect((await server.data.bundle(ids[2]!))!.user!.status).toBe('inactive');
  });

  it('pulls the roster in pages, then only what changed', async () => {
    let cursor = '';
    let users = 0;
    for (;;) {
      const body = await pull(`/pull?limit=200&cursor=${encodeURIComponent(cursor)}`);
      users += body.users.length;
      cursor = body.cursor;
      if (!body.hasMore) break;
    }
    expect(users).toBe(500);
    const [id] = await plainUsers(1);
    await push([deactivate('op-1', 1, [id!])]);
    const body = await pull(`/pull?cursor=${encodeURIComponent(cursor)}`);
    expect(body.users.map((u) => [u.id, u.user!.status])).toEqual([[id, 'inactive']]);
    expect((await call('/pull?cursor=garbage')).status).toBe(400);
  });

  it('sends a pull page as columns, compressed as the client accepts (brotli, else gzip, else none), the same users whichever', async () => {
    const asked = async (acceptEncoding: string): Promise<{ coding: string | null; bytes: number; page: PullResponse }> => {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpGet(`${server.url}/pull?limit=5000`, { headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'Accept-Encoding': acceptEncoding } }, resolve);
        request.on('error', reject);
      });
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const coding = (response.headers['content-encoding'] as string | undefined) ?? null;
      expect(response.headers.vary).toBe('Accept-Encoding');
      const text = coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw;
      return { coding, bytes: raw.length, page: pullResponseOf(JSON.parse(text.toString('utf8')) as PullPage) };
    };
    const plain = await asked('identity');
    const gzipped = await asked('gzip, deflate');
    const brotli = await asked('gzip, deflate, br');
    const refused = await asked('br;q=0, gzip;q=0.5');
    expect([plain.coding, gzipped.coding, brotli.coding, refused.coding]).toEqual([null, 'gzip', 'br', 'gzip']);
    expect(plain.page.users).toHaveLength(500);
    for (const other of [gzipped, brotli, refused]) expect(other.page).toEqual(plain.page);
    // Every user exactly as the server holds them.
    const held = await server.data.bundles(plain.page.users.map((u) => u.id));
    for (const bundle of plain.page.users) expect(bundle).toEqual(held.get(bundle.id));
    expect(brotli.bytes).toBeLessThan(gzipped.bytes);
    expect(gzipped.bytes).toBeLessThan(plain.bytes / 3);
  });

  it('takes a push compressed with gzip or brotli as it takes one uncompressed, and says what it cannot read', async () => {
    const ids = await plainUsers(3);
    const body = (operations: PushOperation[]) => JSON.stringify({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device-1', operations });
    const gzipped = await call<PushResponse>('/push', { method: 'POST', body: gzipSync(body([deactivate('op-1', 1, [ids[0]!])])), headers: { 'Content-Encoding': 'gzip' } });
    expect(gzipped.status).toBe(200);
    expect(gzipped.body.results[0]!.status).toBe('applied');
    const brotli = await call<PushResponse>('/push', { method: 'POST', body: brotliCompressSync(body([deactivate('op-2', 2, [ids[1]!])])), headers: { 'Content-Encoding': 'br' } });
    expect(brotli.body.results[0]!.status).toBe('applied');
    expect((await server.data.bundles(ids.slice(0, 2))).get(ids[1]!)!.user!.status).toBe('inactive');
    // A coding it does not know: 415, which tells a device to send it uncompressed; a body that is not what its coding says: 400.
    const unknown = await call<{ code: string; message: string }>('/push', { method: 'POST', body: body([deactivate('op-3', 3, [ids[2]!])]), headers: { 'Content-Encoding': 'zstd' } });
    expect(unknown.status).toBe(415);
    expect(unknown.body.message).toMatch(/uncompressed/);
    const corrupt = await call('/push', { method: 'POST', body: 'not gzip at all', headers: { 'Content-Encoding': 'gzip' } });
    expect(corrupt.status).toBe(400);
    expect((await server.data.bundle(ids[2]!))!.user!.status).toBe('active');
  });

  it('refuses a small compressed push that inflates past the body limit (413), changing nothing', async () => {
    const small = await startReferenceServer({ dataDirectory: join(directory, 'small'), demoSize: 50, maxBodyBytes: 64 * 1024 });
    try {
      // 10 MB of spaces compress to a few kilobytes.
      const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, ' '));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const answer = await fetch(`${small.url}/push`, { method: 'POST', body: bomb, headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
      expect(answer.status).toBe(413);
      expect(small.data.revision).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('answers 500 when told to fail, then works again', async () => {
    server.handler.faults.failNext = 1;
    expect((await call('/session')).status).toBe(500);
    expect((await call('/session')).status).toBe(200);
  });
});
