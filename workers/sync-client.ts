/**
 * One sync run: push the outbox in order, then pull what changed on the server. One tab at a time runs
 * it (a Web Lock, as Dexie Cloud guards its sync jobs); another tab asking meanwhile is told so and sees
 * the result through the roster-change broadcast. Each step commits before the next is sent, so a run
 * cut anywhere (offline, tab closed, server down) resumes where it stopped: an operation whose answer was
 * lost is sent again and the server answers it again without redoing it.
 */
import { pushOperationOf } from '../src/core/sync/push-operation-of.ts';
import { pendingOperations } from '../src/db/outbox-records.ts';
import { isRetryableStatus } from '../src/core/sync/retry-backoff.ts';
import { pullResponseOf, type PullPage } from '../src/core/sync/pull-page-wire.ts';
import { SYNC_PROTOCOL_VERSION, type PullResponse, type PushRequest, type PushResponse, type SessionResponse, type SyncErrorBody } from '../src/core/sync/sync-protocol.ts';
import { applyPulledPage } from '../src/db/apply-pulled-page.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import { rollBackRefusedOperations, settlePushResults } from '../src/db/settle-push-results.ts';
import { SYNC_CURSOR_KEY, readSyncCursor, readSyncServer, recordSyncOutcome, type SyncServer } from '../src/db/sync-state.ts';
import { prepareNewUsers, type PreparedBundles, type WrittenBundles } from '../src/db/write-user-bundles.ts';
import { globalCommunityIdOf } from '../src/core/changes/change-outcome.ts';
import { deleteMeta } from '../src/db/meta-records.ts';

export const SYNC_LOCK_NAME = 'offboard-sync';

/** Users asked for in a pull's first page (later pages as many as the server allows). */
const FIRST_PAGE_USERS = 1_000;

/**
 * A failed run or sign-in, as data: `retryable` failures are tried again with backoff. The page words the
 * code; `message` keeps what the server or the browser said (an HTTP status, a fetch error), as a detail.
 */
export class SyncFailure extends Error {
  override readonly name = 'SyncFailure';
  constructor(
    readonly code: 'offline' | 'timeout' | 'server_error' | 'unauthorized' | 'forbidden' | 'protocol_mismatch' | 'bad_response' | 'not_signed_in' | 'csp_blocked',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface SyncRunReport {
  /** False when another tab holds the sync lock: that tab's run is the one that counts. */
  ran: boolean;
  operationsPushed: number;
  operationsRefused: number;
  usersRejected: number;
  usersPulled: number;
  pullRemaining: number;
  /** Bytes of the pull's answers as they came over the network (compressed). */
  bytesPulled: number;
}

export interface SyncClientOptions {
  db: OffboardDatabase;
  store: RosterStore;
  /**
   * Runs each write step (a push's outcome, a pulled page) in the worker's write queue, so that it never
   * interleaves with a local change, and applies what it wrote to the in-memory roster as it commits.
   */
  runWrite: <T extends WrittenBundles>(write: () => Promise<T>) => Promise<T>;
  onPullProgress?: (done: number, total: number, bytes: number) => void;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Kept by the tab across runs: whether the server refused a compressed push (415). */
  pushCompression?: PushCompression;
}

export interface PushCompression {
  isRefused: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Checks a server URL and token; nothing is stored. */
export async function fetchSession(url: string, token: string, fetchImpl: typeof fetch = fetch, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SessionResponse> {
  let session: SessionResponse;
  try {
    session = await request<SessionResponse>(fetchImpl, `${normalizeServerUrl(url)}/session`, token, { method: 'GET' }, timeoutMs);
  } catch (error) {
    throw toSyncFailure(error);
  }
  if (session.protocol !== SYNC_PROTOCOL_VERSION) {
    throw new SyncFailure('protocol_mismatch', `server protocol ${session.protocol}, app protocol ${SYNC_PROTOCOL_VERSION}`, false);
  }
  return session;
}

export function normalizeServerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export class SyncClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly pushCompression: PushCompression;

  constructor(private readonly options: SyncClientOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.pushCompression = options.pushCompression ?? { isRefused: false };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Runs a sync unless another tab is running one. Throws a SyncFailure when it could not finish. */
  async run(): Promise<SyncRunReport> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return this.runLocked();
    const report = await locks.request(SYNC_LOCK_NAME, { ifAvailable: true }, (lock) => (lock ? this.runLocked() : null));
    return report ?? { ran: false, operationsPushed: 0, operationsRefused: 0, usersRejected: 0, usersPulled: 0, pullRemaining: 0, bytesPulled: 0 };
  }

  private async runLocked(): Promise<SyncRunReport> {
    const { db } = this.options;
    const server = await readSyncServer(db);
    if (!server) throw new SyncFailure('not_signed_in', 'no sync server on this device', false);
    const report: SyncRunReport = { ran: true, operationsPushed: 0, operationsRefused: 0, usersRejected: 0, usersPulled: 0, pullRemaining: 0, bytesPulled: 0 };
    const attemptAt = new Date().toISOString();
    try {
      await this.push(server, report);
      await this.pull(server, report);
    } catch (error) {
      const failure = error instanceof SyncFailure ? error : new SyncFailure('bad_response', (error as Error).message, true);
      await recordSyncOutcome(db, { lastAttemptAt: attemptAt, lastError: { code: failure.code, message: failure.message } });
      throw failure;
    }
    await recordSyncOutcome(db, { lastAttemptAt: attemptAt, lastSuccessAt: new Date().toISOString(), lastError: null });
    return report;
  }

  private async push(server: SyncServer, report: SyncRunReport): Promise<void> {
    const { db } = this.options;
    let limit = server.session.limits.operationsPerPush;
    for (;;) {
      const operations = await pendingOperations(db, limit);
      if (operations.length === 0) return;
      const body: PushRequest = { protocol: SYNC_PROTOCOL_VERSION, clientId: server.clientId, operations: operations.map(pushOperationOf) };
      const text = JSON.stringify(body);
      const isCompressed = !this.pushCompression.isRefused && text.length >= COMPRESS_PUSH_FROM_CHARS && typeof CompressionStream === 'function';
      let response: PushResponse;
      try {
        const init: RequestInit = isCompressed ? { method: 'POST', body: await gzipped(text), headers: { 'Content-Encoding': 'gzip' } } : { method: 'POST', body: text };
        response = await request<PushResponse>(this.fetch, `${server.url}/push`, server.token, init, this.timeoutMs);
      } catch (error) {
        if (error instanceof HttpFailure && error.status === 415 && isCompressed) {
          // A server that takes no compressed bodies: this tab sends them as they are from now on.
          this.pushCompression.isRefused = true;
          continue;
        }
        if (error instanceof HttpFailure && error.status === 413) {
          // The server takes fewer at a time than it said (or than this device assumed): halve and go on.
          if (limit === 1) throw new SyncFailure('bad_response', 'HTTP 413 for a single operation', false);
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        if (error instanceof HttpFailure && error.status === 403) {
          const settled = await this.options.runWrite(() => rollBackRefusedOperations(this.options.store, operations, error.message, new Date().toISOString()));
          report.operationsRefused += settled.rejectedOperations;
          continue;
        }
        throw toSyncFailure(error);
      }
      const settled = await this.options.runWrite(() => settlePushResults(this.options.store, operations, response.results, new Date().toISOString()));
      report.operationsPushed += settled.applied;
      report.operationsRefused += settled.rejectedOperations;
      report.usersRejected += settled.rejectedUsers;
    }
  }

  private async pull(server: SyncServer, report: SyncRunReport): Promise<void> {
    const { db, store } = this.options;
    const cursor = await readSyncCursor(db);
    const isFirstPullOnEmptyDevice = cursor === null && (await store.userCount()) === 0;
    // On an empty device records are only added; a user met again later in the same pull (they changed
    // on the server meanwhile) needs the old records removed first, so that page is written the slow way.
    const written = new Set<string>();
    // The global community the pages' summaries are worked out with ahead: the one the first page's
    // organization names (a page's transaction checks it is still the one stored).
    let globalId: string | null | undefined;
    let total = 0;
    // Page k is asked for as soon as page k - 1 has arrived (its cursor known) and page k - 2 is being
    // written: the server and the network work on the next pages while this device encodes and writes,
    // and at most three pages are held at a time.
    const writeStarts: WriteStart[] = [];
    const writeStart = (k: number): WriteStart => {
      if (!writeStarts[k]) {
        const gate: WriteStart = { isStarted: false, started: Promise.resolve(), start: () => undefined };
        gate.started = new Promise<void>((resolve) => {
          gate.start = () => {
            gate.isStarted = true;
            resolve();
          };
        });
        writeStarts[k] = gate;
      }
      return writeStarts[k];
    };
    // Asked at once where it may be (not in a later microtask: this page's decoding comes first there).
    const askAfter = (index: number, cursor: string): Promise<ArrivedPage> => {
      const gate = index === 0 ? null : writeStart(index - 1);
      return !gate || gate.isStarted ? ask(index + 1, cursor) : gate.started.then(() => ask(index + 1, cursor));
    };
    const ask = (index: number, after: string | null): Promise<ArrivedPage> => {
      // The first page small: the server answers it sooner and the device starts writing while the
      // next, full page is made, instead of waiting for a whole page at each end of the pipeline.
      const limit = index === 0 ? Math.min(FIRST_PAGE_USERS, server.session.limits.usersPerPull) : server.session.limits.usersPerPull;
      const query = new URLSearchParams({ limit: String(limit) });
      if (after !== null) query.set('cursor', after);
      const size = { bytes: 0 };
      const arrived = request<PullPage>(this.fetch, `${server.url}/pull?${query}`, server.token, { method: 'GET' }, this.timeoutMs, size).then((wire): ArrivedPage => {
        const next = wire?.hasMore === true && typeof wire.cursor === 'string' ? askAfter(index, wire.cursor) : null;
        // Awaited in turn by the loop; a page asked for ahead and then not needed (a write failed, this
        // page could not be read) is dropped quietly.
        next?.catch(() => undefined);
        let page: PullResponse;
        try {
          page = pullResponseOf(wire);
          if (page.hasMore && !next) throw new Error('It says more follows, without a cursor to ask for it.');
        } catch (error) {
          throw new SyncFailure('bad_response', `The server's pull page could not be read: ${(error as Error).message}`, true);
        }
        if (!isFirstPullOnEmptyDevice) return { page, prepared: null, next, bytes: size.bytes };
        if (page.organization) globalId = globalCommunityIdOf(page.organization);
        // Encoded as it arrives, while the page before it commits: most of a first pull's work in the
        // worker, which would otherwise run inside the page's own transaction.
        return { page, prepared: globalId === undefined ? null : prepareNewUsers(store, page.users, globalId), next, bytes: size.bytes };
      });
      arrived.catch(() => undefined);
      return arrived;
    };
    let k = 0;
    let current = ask(0, cursor);
    for (;;) {
      let arrived: ArrivedPage;
      try {
        arrived = await current;
      } catch (error) {
        if (error instanceof HttpFailure && error.status === 400 && error.code === 'bad_cursor') {
          // The server no longer knows this cursor (its data was reset): start from the beginning.
          await deleteMeta(db, [SYNC_CURSOR_KEY]);
          current = ask(k, null);
          continue;
        }
        throw toSyncFailure(error);
      }
      const { page, prepared } = arrived;
      writeStart(k).start();
      // Each page's cursor is written with it, so a tab closed midway asks for the next page again.
      if (total === 0) total = page.remaining;
      const isRosterEmpty = isFirstPullOnEmptyDevice && !page.users.some((u) => written.has(u.id));
      if (isFirstPullOnEmptyDevice) for (const u of page.users) written.add(u.id);
      await this.options.runWrite(() => applyPulledPage(store, page, { isRosterEmpty, prepared }));
      report.usersPulled += page.users.length;
      report.pullRemaining = page.remaining - page.users.length;
      report.bytesPulled += arrived.bytes;
      this.options.onPullProgress?.(report.usersPulled, total, report.bytesPulled);
      if (!arrived.next) return;
      current = arrived.next;
      k++;
    }
  }
}

/** When the pull's loop starts writing a page: the page two after it may be asked for then. */
interface WriteStart {
  isStarted: boolean;
  started: Promise<void>;
  start: () => void;
}

/** A pulled page as it arrived, its users encoded ahead where it can be, and the next page as asked for. */
interface ArrivedPage {
  page: PullResponse;
  prepared: PreparedBundles | null;
  next: Promise<ArrivedPage> | null;
  /** Its bytes on the wire. */
  bytes: number;
}

/** A non-2xx answer, with the server's code and message. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function toSyncFailure(error: unknown): SyncFailure {
  if (error instanceof SyncFailure) return error;
  if (error instanceof HttpFailure) {
    if (error.status === 401) return new SyncFailure('unauthorized', `HTTP 401: ${error.message}`, false);
    if (error.status === 403) return new SyncFailure('forbidden', error.message, false);
    if (error.code === 'protocol_mismatch') return new SyncFailure('protocol_mismatch', error.message, false);
    return new SyncFailure(isRetryableStatus(error.status) ? 'server_error' : 'bad_response', `HTTP ${error.status}: ${error.message}`, isRetryableStatus(error.status));
  }
  return new SyncFailure('bad_response', (error as Error).message, true);
}

/**
 * Push bodies from this many characters go gzip-compressed (`Content-Encoding: gzip`): an import's push
 * carries whole rows, a megabyte or more over links of a megabit; a small one is not worth the work.
 */
const COMPRESS_PUSH_FROM_CHARS = 16 * 1024;

async function gzipped(text: string): Promise<ArrayBuffer> {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
}

/**
 * One request and its JSON answer. `size` hears the answer's bytes on the wire: its Content-Length
 * (compressed, as it came), else its text's length.
 */
async function request<T>(fetchImpl: typeof fetch, url: string, token: string, init: RequestInit, timeoutMs: number, size?: { bytes: number }): Promise<T> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new SyncFailure('timeout', `no answer within ${Math.round(timeoutMs / 1000)} s`, true);
    throw new SyncFailure('offline', (error as Error).message, true);
  }
  let body: unknown;
  try {
    if (size) {
      const text = await response.text();
      size.bytes = Number(response.headers.get('content-length')) || new TextEncoder().encode(text).length;
      body = JSON.parse(text);
    } else body = await response.json();
  } catch {
    if (response.ok) throw new SyncFailure('bad_response', `The server's answer to ${new URL(url).pathname} is not JSON.`, true);
    body = null;
  }
  if (!response.ok) {
    const error = body as Partial<SyncErrorBody> | null;
    throw new HttpFailure(response.status, error?.code ?? 'server_error', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}
