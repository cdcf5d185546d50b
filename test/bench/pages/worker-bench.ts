/**
 * The worker benchmark page, served by the bench dev server (start-bench-dev-server.ts): the app's roster
 * worker, started by the app's own client code, driven through `window.workerBench` (see
 * worker-bench-api.ts) without the screens in between, plus the raw IndexedDB read its cold start is held
 * against.
 */
import { proxy } from 'comlink';
import { progressCallback, startRosterWorker, type RosterWorker } from '../../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../../src/core/roster-filter.ts';
import { createRandom } from '../../../src/core/seeded-random.ts';
import type { StoredUser } from '../../../src/core/stored-user.ts';
import { OffboardDatabase } from '../../../src/db/offboard-database.ts';
import { RosterStore } from '../../../src/db/roster-store.ts';
import type { ApplyResult, PlanView } from '../../../workers/roster-engine.ts';
import type { ImportProgress } from '../../../workers/roster-import.ts';
import { BENCH_FILE_INPUT, type ApplySummary, type PlanSummary, type WorkerBenchApi, type WorkerBenchWindow } from './worker-bench-api.ts';

/** Pages of the raw read, as many users as the app's own reader takes at a time. */
const RAW_READ_PAGE_SIZE = 20_000;
/** Users put per transaction into the raw copy the raw read reads. */
const RAW_WRITE_CHUNK_SIZE = 10_000;

let current: { api: RosterWorker; worker: Worker } | null = null;

// The import scenarios set a file from disk here, so that the worker reads a file as an admin's browser
// hands it over, not a Blob held in the page's memory.
const fileInput = document.createElement('input');
fileInput.type = 'file';
fileInput.id = BENCH_FILE_INPUT.slice(1);
fileInput.setAttribute('aria-label', 'Benchmark file');
document.body.append(fileInput);
let activeIds: string[] = [];

/**
 * Starts the roster worker through `startRosterWorker`, as the app does, while keeping hold of the Worker
 * it creates: the Comlink proxy it returns cannot end its worker, and a cold start needs a worker that
 * never held the roster, with the previous one gone.
 */
function startTrackedRosterWorker(databaseName: string): { api: RosterWorker; worker: Worker } {
  const NativeWorker = globalThis.Worker;
  const started: Worker[] = [];
  globalThis.Worker = class extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started.push(this);
    }
  };
  try {
    const api = startRosterWorker(databaseName);
    const [worker] = started;
    if (!worker) throw new Error('startRosterWorker() started no Worker');
    return { api, worker };
  } finally {
    globalThis.Worker = NativeWorker;
  }
}

function requireWorker(): RosterWorker {
  if (!current) throw new Error('no roster worker: call startWorker() first');
  return current.api;
}

function summarizePlan(view: PlanView): PlanSummary {
  return {
    planId: view.planId,
    eligibleCount: view.eligibleCount,
    blockedCount: view.blockedCount,
    skippedCount: view.skippedCount,
    batchCount: view.batchCount,
    canApply: view.canApply,
  };
}

function summarizeApply(result: ApplyResult): ApplySummary {
  return { usersApplied: result.usersApplied, batchesApplied: result.batchesApplied, batchCount: result.batchCount, failure: result.failure };
}

/** `count` ids of active users, a different sample for every seed and the same one for the same seed. */
function pickIds(count: number, seed: number): string[] {
  if (count > activeIds.length) throw new Error(`cannot pick ${count} of ${activeIds.length} active users: call rememberActiveIds() first`);
  const pool = activeIds.slice();
  const random = createRandom(seed);
  for (let i = 0; i < count; i++) {
    const j = i + random.int(pool.length - i);
    const picked = pool[j]!;
    pool[j] = pool[i]!;
    pool[i] = picked;
  }
  return pool.slice(0, count);
}

function deactivation(ids: string[]): Parameters<RosterWorker['planLifecycle']>[0] {
  return { action: 'deactivate', selection: { kind: 'ids', ids } };
}

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function completion(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new Error('the transaction was aborted'));
  });
}

function openRaw(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error(`opening ${name} was blocked`));
  });
}

async function deleteRaw(name: string): Promise<void> {
  await requestResult(indexedDB.deleteDatabase(name));
}

const workerBench: WorkerBenchApi = {
  async startWorker({ databaseName }) {
    await workerBench.stopWorker();
    current = startTrackedRosterWorker(databaseName);
    // A cheap call: once it answers the worker's code is loaded, which is no part of what is measured.
    await current.api.summary();
  },

  async stopWorker() {
    current?.worker.terminate();
    current = null;
  },

  async open() {
    const api = requireWorker();
    const startedAt = performance.now();
    const { summary } = await api.open(progressCallback(() => undefined));
    return { ms: performance.now() - startedAt, userCount: summary.userCount };
  },

  async loadDemo({ size }) {
    const api = requireWorker();
    await api.open(progressCallback(() => undefined));
    const startedAt = performance.now();
    const summary = await api.loadDemo(size, progressCallback(() => undefined));
    return { ms: performance.now() - startedAt, userCount: summary.userCount };
  },

  async rememberActiveIds() {
    const api = requireWorker();
    const { queryId } = await api.query({ ...EMPTY_FILTER, status: 'active' });
    const ids = await api.matchingIds(queryId);
    if (!ids) throw new Error('the query of active users was replaced before its ids were read');
    activeIds = ids;
    return ids.length;
  },

  async plan({ count, seed }) {
    const api = requireWorker();
    const request = deactivation(pickIds(count, seed));
    const startedAt = performance.now();
    const view = await api.planLifecycle(request);
    return { ms: performance.now() - startedAt, plan: summarizePlan(view) };
  },

  async openAndPlan({ count, seed }) {
    const api = requireWorker();
    const request = deactivation(pickIds(count, seed));
    const startedAt = performance.now();
    await api.open(progressCallback(() => undefined));
    const openedAt = performance.now();
    const view = await api.planLifecycle(request);
    const plannedAt = performance.now();
    return { ms: plannedAt - startedAt, openMs: openedAt - startedAt, planMs: plannedAt - openedAt, plan: summarizePlan(view) };
  },

  async apply({ planId }) {
    const api = requireWorker();
    const startedAt = performance.now();
    // A progress callback as the plan review passes one: every batch reports back to the page.
    const result = await api.applyPlan(planId, proxy(() => undefined));
    return { ms: performance.now() - startedAt, result: summarizeApply(result) };
  },

  async signInToServer({ url, token }) {
    const api = requireWorker();
    const startedAt = performance.now();
    // A progress callback as the sign-in form would pass one: every pulled page reports back to the page.
    const result = await api.signInToServer(url, token, false, proxy(() => undefined));
    const ms = performance.now() - startedAt;
    return result.ok
      ? { ms, ok: true, code: null, message: null, usersPulled: result.report.usersPulled }
      : { ms, ok: false, code: result.code, message: 'detail' in result ? result.detail : result.code, usersPulled: 0 };
  },

  async planPlainDeactivation({ count }) {
    const api = requireWorker();
    const { queryId } = await api.query({ ...EMPTY_FILTER, status: 'active' });
    const active = await api.matchingIds(queryId);
    if (!active) throw new Error('the query of active users was replaced before its ids were read');
    // A plan view lists at most a few hundred blocked users: plan, set aside those it lists, pick again,
    // until a plan of exactly `count` blocks and skips nobody.
    const excluded = new Set<string>();
    for (let attempt = 1; attempt <= 20; attempt++) {
      const ids = active.filter((id) => !excluded.has(id)).slice(-count);
      if (ids.length < count) throw new Error(`only ${ids.length} plain active users, not ${count}`);
      const startedAt = performance.now();
      const view = await api.planLifecycle(deactivation(ids));
      const ms = performance.now() - startedAt;
      if (view.blockedCount === 0 && view.skippedCount === 0) return { ms, plan: summarizePlan(view) };
      for (const outcome of [...view.blocked, ...view.skipped]) excluded.add(outcome.userId);
    }
    throw new Error(`no plan of ${count} plain active users after 20 attempts`);
  },

  async syncNow() {
    const api = requireWorker();
    const startedAt = performance.now();
    const report = await api.syncNow();
    const ms = performance.now() - startedAt;
    const { pendingOperations } = await api.syncState();
    const { ran, operationsPushed, operationsRefused, usersRejected, usersPulled } = report;
    return { ms, ran, operationsPushed, operationsRefused, usersRejected, usersPulled, pendingOperations };
  },

  async writeRawUsers({ databaseName }) {
    // The users as the store reads them for the cold start: the same records the worker builds its roster
    // from, one IndexedDB record each in a database of their own.
    const users: StoredUser[] = [];
    const db = new OffboardDatabase(databaseName);
    try {
      await new RosterStore(db).readStoredUsersInPages((page) => {
        for (const user of page) users.push(user);
      });
    } finally {
      db.close();
    }
    const rawDatabaseName = `${databaseName}-raw-users`;
    await deleteRaw(rawDatabaseName);
    const startedAt = performance.now();
    const raw = await openRaw(rawDatabaseName, 1, (created) => created.createObjectStore('users', { keyPath: 'id' }));
    try {
      for (let from = 0; from < users.length; from += RAW_WRITE_CHUNK_SIZE) {
        const transaction = raw.transaction('users', 'readwrite');
        const done = completion(transaction);
        const store = transaction.objectStore('users');
        for (const user of users.slice(from, from + RAW_WRITE_CHUNK_SIZE)) store.add(user);
        await done;
      }
    } finally {
      raw.close();
    }
    return { databaseName: rawDatabaseName, users: users.length, ms: performance.now() - startedAt };
  },

  async readUsersRaw({ databaseName }) {
    const startedAt = performance.now();
    const db = await openRaw(databaseName);
    const users: unknown[] = [];
    try {
      let after: IDBValidKey | null = null;
      for (;;) {
        const range: IDBKeyRange | null = after === null ? null : IDBKeyRange.lowerBound(after, true);
        const page = (await requestResult(db.transaction('users', 'readonly').objectStore('users').getAll(range, RAW_READ_PAGE_SIZE))) as { id: string }[];
        for (const user of page) users.push(user);
        if (page.length < RAW_READ_PAGE_SIZE) break;
        after = page[page.length - 1]!.id;
      }
    } finally {
      db.close();
    }
    return { ms: performance.now() - startedAt, count: users.length };
  },

  async deleteRawUsers({ databaseName }) {
    await deleteRaw(databaseName);
  },

  async checkChosenFile() {
    const api = requireWorker();
    const file = fileInput.files?.[0];
    if (!file) throw new Error(`no file on ${BENCH_FILE_INPUT}: setInputFiles first`);
    // The import code loads on first use; from the dev server that is dozens of modules one by one, which
    // the built app (one chunk, usually cached) never pays, so it is loaded before the clock starts.
    await api.importTargets('users');
    let progressReports = 0;
    const onProgress = proxy((_progress: ImportProgress) => void progressReports++);
    const startedAt = performance.now();
    const views = await api.inspectImportFiles([file]);
    const inspectedAt = performance.now();
    const choices = views.map((view) => ({ fileId: view.fileId, mapping: view.mapping ?? view.guess, remember: false }));
    const check = await api.checkImport(crypto.randomUUID(), choices, onProgress);
    const checkedAt = performance.now();
    const [checked] = check.files;
    if (!checked) throw new Error(`the file was not checked: ${JSON.stringify([views[0]?.problem, ...check.problems].filter(Boolean))}`);
    return {
      importId: check.importId,
      inspectMs: inspectedAt - startedAt,
      checkMs: checkedAt - inspectedAt,
      kind: checked.kind,
      rowCount: checked.rowCount,
      counts: { created: checked.counts.created, updated: checked.counts.updated, unchanged: checked.counts.unchanged, rejected: checked.counts.rejected },
      needsSetup: check.needsSetup,
      hasChanges: check.hasChanges,
      problems: check.problems.map((p) => `${p.fileName}: ${JSON.stringify(p)}`),
      progressReports,
    };
  },

  async writeCheckedImport({ importId, adminEmail, stopAfterRows }) {
    const api = requireWorker();
    const readId = crypto.randomUUID();
    let progressReports = 0;
    let isCancelling = false;
    const onProgress = proxy((progress: ImportProgress) => {
      progressReports++;
      if (stopAfterRows !== undefined && !isCancelling && progress.rowsRead >= stopAfterRows) {
        isCancelling = true;
        void api.cancelCsvRead(readId);
      }
    });
    const startedAt = performance.now();
    const result = await api.writeImport(readId, importId, { adminEmail }, onProgress);
    const ms = performance.now() - startedAt;
    const { created, updated, unchanged, rejected, isCancelled, failure, notice } = result;
    return { ms, created, updated, unchanged, rejected, isCancelled, failure, notice, progressReports };
  },

  async queryAll() {
    const api = requireWorker();
    const startedAt = performance.now();
    const { count } = await api.query(EMPTY_FILTER);
    return { ms: performance.now() - startedAt, count };
  },
};

(globalThis as WorkerBenchWindow).workerBench = workerBench;
