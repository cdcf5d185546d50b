/**
 * The sync protocol over HTTP (the README's "Sync protocol"), as a Node request handler that serves
 * `GET /session`, `POST /push` and `GET /pull` under a base path. It authenticates the bearer token,
 * maps the core's outcomes to status codes, and answers a push only once its commits are on disk.
 *
 * `faults` lets tests break it the ways a network does (a dropped answer after the commit, 500s, slow
 * answers, a refused connection); a real deployment passes none.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants as zlibConstants, gunzip, gzip as gzipCallback, inflate } from 'node:zlib';
import { pullPageOf } from '../core/sync/pull-page-wire.ts';
import type { Admin } from '../core/roster-types.ts';
import { SYNC_PROTOCOL_VERSION, type PushRequest, type SessionResponse, type SyncErrorBody, type SyncErrorCode } from '../core/sync/sync-protocol.ts';
import type { SyncDatabase } from './sync-database.ts';

/** Bearer token → the admin of the organization it signs in as. */
export type SyncTokens = ReadonlyMap<string, string>;

/** What a test asks of the next requests; each count is used up one request at a time. */
export interface SyncFaults {
  /** Answer 500 without doing anything. */
  failNext?: number;
  /** Commit a push, then destroy the connection before answering. */
  dropAfterCommitNext?: number;
  /** Destroy the connection at once, as if nothing listened. */
  refuseNext?: number;
  /** Answer a compressed push with 415, as a server that takes no compressed bodies does. */
  refuseCompressedBodies?: boolean;
  /** Wait this long before handling each request. */
  delayMs?: number;
  /** Seeded, for a run of random faults: each push fails with this probability… */
  failRate?: number;
  /** …or commits and loses its answer with this one. */
  dropRate?: number;
  random?: () => number;
}

export interface SyncHandlerOptions {
  data: SyncDatabase;
  tokens: SyncTokens;
  /** Where the protocol is mounted, e.g. `/api`. */
  basePath: string;
  faults?: SyncFaults;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

export interface SyncRequestCounts {
  pushes: number;
  pulls: number;
  failed: number;
  dropped: number;
  refused: number;
  /** Pushes whose body came compressed (Content-Encoding), read or refused. */
  compressed: number;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);
/** Request bodies a push may come in (`Content-Encoding`), each with its decoder. */
const DECODERS: Record<string, (body: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  br: promisify(brotliDecompress),
  deflate: promisify(inflate),
};

export interface SyncHandler {
  (request: IncomingMessage, response: ServerResponse, next?: () => void): void;
  counts: SyncRequestCounts;
  faults: SyncFaults;
  /** The tokens it knows; a test may revoke or re-point one while it runs. */
  tokens: Map<string, string>;
}

export function createSyncHandler(options: SyncHandlerOptions): SyncHandler {
  const { data, tokens, basePath } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const counts: SyncRequestCounts = { pushes: 0, pulls: 0, failed: 0, dropped: 0, refused: 0, compressed: 0 };

  const handler = ((request: IncomingMessage, response: ServerResponse, next?: () => void): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${basePath}/`)) {
      if (next) next();
      else send(response, 404, { code: 'bad_request', message: 'Not found.' });
      return;
    }
    const route = url.pathname.slice(basePath.length);
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Content-Encoding');
    response.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    response.setHeader('Cache-Control', 'no-store');
    if (request.method === 'OPTIONS') {
      response.statusCode = 204;
      response.end();
      return;
    }
    void handle(route, url, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { code: 'server_error', message: `The sync server failed: ${(error as Error).message}` });
    });
  }) as SyncHandler;
  handler.counts = counts;
  handler.faults = options.faults ?? {};
  handler.tokens = new Map(tokens);

  async function handle(route: string, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const faults = handler.faults;
    if (take(faults, 'refuseNext')) {
      counts.refused++;
      request.socket.destroy();
      return;
    }
    if (faults.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
    const random = faults.random ?? Math.random;
    if (take(faults, 'failNext') || (route === '/push' && faults.failRate && random() < faults.failRate)) {
      counts.failed++;
      return send(response, 500, { code: 'server_error', message: 'Injected failure.' });
    }

    const admin = authenticate(request);
    if (!admin) return send(response, 401, { code: 'unauthorized', message: 'Sign in again: the server does not know this token.' });

    if (route === '/session' && request.method === 'GET') {
      const state = data.organizationState;
      const session: SessionResponse = {
        protocol: SYNC_PROTOCOL_VERSION,
        organizationId: state.organization.id,
        organizationName: state.organization.name,
        admin: { userId: admin.userId, permissions: admin.permissions },
        limits: data.limits,
      };
      return send(response, 200, session);
    }

    if (route === '/pull' && request.method === 'GET') {
      counts.pulls++;
      const limitParam = Number(url.searchParams.get('limit') ?? data.limits.usersPerPull);
      const limit = Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, data.limits.usersPerPull) : data.limits.usersPerPull;
      const page = await data.pull(url.searchParams.get('cursor'), limit);
      if (page === 'bad_cursor') return send(response, 400, { code: 'bad_cursor', message: 'This cursor is not one the server gave: pull again from the start.' });
      return sendCompressed(request, response, 200, pullPageOf(page));
    }

    if (route === '/push' && request.method === 'POST') {
      counts.pushes++;
      const isCompressed = request.headers['content-encoding'] !== undefined && request.headers['content-encoding'] !== 'identity';
      if (isCompressed) counts.compressed++;
      if (isCompressed && faults.refuseCompressedBodies) {
        request.resume();
        return send(response, 415, { code: 'bad_request', message: 'This server takes push bodies uncompressed only.' });
      }
      const body = await readBody(request, maxBodyBytes);
      if (body === 'too_large') return send(response, 413, { code: 'too_large', message: `A push body holds at most ${maxBodyBytes} bytes.`, limits: data.limits });
      if (body === 'unknown_encoding') return send(response, 415, { code: 'bad_request', message: `This server takes push bodies as they are or in ${Object.keys(DECODERS).join(', ')}; send it uncompressed.` });
      if (body === 'corrupt') return send(response, 400, { code: 'bad_request', message: 'The push body could not be decompressed as its Content-Encoding says.' });
      let push: PushRequest;
      try {
        push = JSON.parse(body) as PushRequest;
      } catch {
        return send(response, 400, { code: 'bad_request', message: 'The push is not valid JSON.' });
      }
      if (push.protocol !== SYNC_PROTOCOL_VERSION) {
        return send(response, 400, { code: 'protocol_mismatch', message: `This server speaks sync protocol ${SYNC_PROTOCOL_VERSION}; update the app.` });
      }
      // The database runs pushes one at a time, each against the state the one before left.
      const outcome = await data.push(push, admin);
      if (!outcome.ok) return send(response, outcome.status, { code: outcome.code, message: outcome.message, ...(outcome.status === 413 ? { limits: data.limits } : {}) });
      if (take(faults, 'dropAfterCommitNext') || (faults.dropRate && random() < faults.dropRate)) {
        counts.dropped++;
        request.socket.destroy();
        return;
      }
      return send(response, 200, { results: outcome.results });
    }
    send(response, 404, { code: 'bad_request', message: `No ${request.method} ${route} here.` });
  }

  function authenticate(request: IncomingMessage): Admin | null {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const userId = match ? handler.tokens.get(match[1]!.trim()) : undefined;
    if (!userId) return null;
    // Permissions are the organization's, as they are now: a revoked one takes effect at once.
    return data.adminOf(userId) ?? { userId, permissions: [] };
  }

  return handler;
}

function take(faults: SyncFaults, key: 'failNext' | 'dropAfterCommitNext' | 'refuseNext'): boolean {
  const left = faults[key] ?? 0;
  if (left <= 0) return false;
  faults[key] = left - 1;
  return true;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(text);
}

/** Bodies smaller than this go as they are: compressing them saves less than it costs. */
const COMPRESS_FROM_BYTES = 1024;

/**
 * Sends `body` compressed as the client accepts (brotli, else gzip): a pull page is most of what a first
 * sign-in moves, over links of a megabit. Brotli at quality 4 compresses a page of the demo in about 45
 * ms, a little smaller than at 5 (which takes 80) and a tenth smaller than gzip; its best qualities take
 * seconds a page.
 */
async function sendCompressed(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): Promise<void> {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  const accepted = acceptedCodings(request.headers['accept-encoding']);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Vary', 'Accept-Encoding');
  let encoded: Buffer = text;
  if (text.length >= COMPRESS_FROM_BYTES && accepted.has('br')) {
    encoded = await brotli(text, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: text.length } });
    response.setHeader('Content-Encoding', 'br');
  } else if (text.length >= COMPRESS_FROM_BYTES && accepted.has('gzip')) {
    encoded = await gzip(text);
    response.setHeader('Content-Encoding', 'gzip');
  }
  response.setHeader('Content-Length', encoded.length);
  response.end(encoded);
}

/** The content codings an Accept-Encoding header takes (those given q=0 refused), lower case. */
function acceptedCodings(header: string | string[] | undefined): Set<string> {
  const codings = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [name = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (name !== '' && (q === undefined || Number(q.slice(2)) > 0)) codings.add(name);
  }
  return codings;
}

/**
 * A request's body as text: decompressed as its Content-Encoding says (a large push comes gzip-compressed
 * over thin links), at most `maxBytes` before and after, so that a small body cannot inflate into a huge one.
 */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | 'too_large' | 'unknown_encoding' | 'corrupt'> {
  const coding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decode = coding === 'identity' || coding === '' ? null : DECODERS[coding];
  if (decode === undefined) return 'unknown_encoding';
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  if (!decode) return body.toString('utf8');
  try {
    return (await decode(body, { maxOutputLength: maxBytes })).toString('utf8');
  } catch (error) {
    return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too_large' : 'corrupt';
  }
}

export type { SyncErrorBody, SyncErrorCode };
