/**
 * The worker benchmark page, served by the bench dev server (start-bench-dev-server.ts): the app's roster
 * worker, started by the app's own client code, driven through `window.workerBench` (see
 * worker-bench-api.ts) without the screens in between, plus the raw IndexedDB reads and writes its figures
 * are held against.
 */
import { proxy } from 'comlink';
import type { Table } from 'dexie';
import { progressCallback, startRosterWorker, type RosterWorker } from '../../../src/app/roster-worker-client.ts';
import { generateDemoOrganization } from '../../../src/core/generate-demo-organization.ts';
import { EMPTY_FILTER } from '../../../src/core/roster-filter.ts';
import { createRandom } from '../../../src/core/seeded-random.ts';
import { summarizeUserRecords } from '../../../src/core/summarize-user-records.ts';
import { OffboardDatabase, toStoredUser } from '../../../src/db/offboard-database.ts';
import { SESSION_KEY } from '../../../src/db/write-roster-in-chunks.ts';
import type { ApplyResult, PlanView } from '../../../workers/roster-engine.ts';
import type { ImportProgress } from '../../../workers/roster-import.ts';
import { BENCH_FILE_INPUT, type ApplySummary, type PlanSummary, type RawApplyFloor, type WorkerBenchApi, type WorkerBenchWindow } from './worker-bench-api.ts';

/** Pages of the raw read, as many users as the app's own reader takes at a time. */
const RAW_READ_PAGE_SIZE = 20_000;
/** Users generated and written per transaction when seeding. */
const SEED_CHUNK_SIZE = 10_000;

type StoredRecord = Record<string, unknown>;

interface StoreSchema {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[];
}

let current: { api: RosterWorker; worker: Worker } | null = null;

// The import scenarios set a file from disk here, so that the worker reads a file as an admin's browser
// hands it over, not a Blob held in the page's memory.
const fileInput = document.createElement('input');
fileInput.type = 'file';
fileInput.id = BENCH_FILE_INPUT.slice(1);
fileInput.setAttribute('aria-label', 'Benchmark file');
document.body.append(fileInput);
let activeIds: string[] = [];
/** Per-user records of a selection before an apply, by table then primary key. */
let snapshot: { ids: string[]; tables: Map<string, Map<string, StoredRecord>> } | null = null;

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

function keyOf(record: StoredRecord, keyPath: string | string[]): string {
  return JSON.stringify(Array.isArray(keyPath) ? keyPath.map((path) => record[path]) : record[keyPath]);
}

/** Tables whose records each belong to one user (licenses, memberships, tokens…): what a lifecycle change touches. */
function perUserTables(db: OffboardDatabase): Table<StoredRecord, unknown>[] {
  return (db.tables as Table<StoredRecord, unknown>[]).filter((table) => {
    const { primKey, idxByName } = table.schema;
    const keyPath = primKey.keyPath;
    return table.name !== 'users' && (keyPath === 'userId' || (Array.isArray(keyPath) && keyPath[0] === 'userId') || idxByName['userId'] !== undefined);
  });
}

async function recordsOfUsers(table: Table<StoredRecord, unknown>, userIds: string[]): Promise<Map<string, StoredRecord>> {
  const keyPath = table.schema.primKey.keyPath;
  if (keyPath === undefined) throw new Error(`${table.name} has no inline primary key`);
  const records = await table.where('userId').anyOf(userIds).toArray();
  return new Map(records.map((record) => [keyOf(record, keyPath), record]));
}

async function readSchema(databaseName: string, storeNames: string[]): Promise<StoreSchema[]> {
  const db = await openRaw(databaseName);
  try {
    const transaction = db.transaction(storeNames, 'readonly');
    return storeNames.map((name) => {
      const store = transaction.objectStore(name);
      return {
        name,
        keyPath: store.keyPath,
        autoIncrement: store.autoIncrement,
        indexes: [...store.indexNames].map((indexName) => {
          const index = store.index(indexName);
          return { name: indexName, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
        }),
      };
    });
  } finally {
    db.close();
  }
}

function createStores(db: IDBDatabase, schema: StoreSchema[]): void {
  for (const store of schema) {
    const created = db.createObjectStore(store.name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement });
    for (const index of store.indexes) created.createIndex(index.name, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry });
  }
}

/**
 * What applying `planId` wrote, one map of store → records per batch, in batch order: the users it
 * changed (as stored now; a deleted one as it was), the per-user records it added, changed or deleted
 * (the snapshot taken before the apply against the tables now), and its audit entries and outbox operation.
 */
async function recordsWrittenBy(databaseName: string, planId: string): Promise<Map<string, StoredRecord[]>[]> {
  if (!snapshot) throw new Error('no snapshot of the selection: call snapshotUserRecords() before the apply');
  const { ids, tables } = snapshot;
  const db = new OffboardDatabase(databaseName);
  try {
    const operations = await db.outbox.where('planId').equals(planId).toArray();
    if (operations.length === 0) throw new Error(`the outbox holds no operation of plan ${planId}`);
    operations.sort((a, b) => a.batchIndex - b.batchIndex);
    const batches = operations.map(() => new Map<string, StoredRecord[]>());
    const add = (batch: number, store: string, record: StoredRecord): void => {
      const records = batches[batch]!.get(store);
      if (records) records.push(record);
      else batches[batch]!.set(store, [record]);
    };
    const batchOfUser = new Map<string, number>();
    for (const [batch, operation] of operations.entries()) {
      for (const id of operation.userIds) batchOfUser.set(id, batch);
      const moves = operation.kind === 'deactivate' || operation.kind === 'reactivate' || operation.kind === 'delete' ? operation.args.reportMoves : [];
      const userIds = [...operation.userIds, ...moves.map((move) => move.userId)];
      const now = await db.users.bulkGet(userIds);
      const before = new Map((operation.before?.bundles ?? []).map((bundle) => [bundle.id, bundle.user!]));
      userIds.forEach((id, i) => {
        const user = now[i] ?? before.get(id);
        if (user === undefined) throw new Error(`user ${id} of batch ${batch} is neither stored nor in the batch's before-image`);
        add(batch, 'users', { ...user });
      });
      for (const entry of await db.audit.where('batchId').equals(operation.id).toArray()) add(batch, 'audit', { ...entry });
      add(batch, 'outbox', { ...operation });
    }
    const batchOf = (record: StoredRecord): number => {
      const batch = batchOfUser.get(record['userId'] as string);
      if (batch === undefined) throw new Error(`a record of ${String(record['userId'])} changed, but no batch of the plan holds that user`);
      return batch;
    };
    for (const table of perUserTables(db)) {
      const before = tables.get(table.name) ?? new Map<string, StoredRecord>();
      const after = await recordsOfUsers(table, ids);
      for (const [key, record] of after) {
        const was = before.get(key);
        if (!was || JSON.stringify(was) !== JSON.stringify(record)) add(batchOf(record), table.name, record);
      }
      for (const [key, record] of before) if (!after.has(key)) add(batchOf(record), table.name, record);
    }
    return batches;
  } finally {
    db.close();
  }
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

  async readUsersRaw({ databaseName }) {
    const startedAt = performance.now();
    const db = await openRaw(databaseName);
    const users: StoredRecord[] = [];
    try {
      let after: IDBValidKey | null = null;
      for (;;) {
        const range: IDBKeyRange | null = after === null ? null : IDBKeyRange.lowerBound(after, true);
        const page = (await requestResult(db.transaction('users', 'readonly').objectStore('users').getAll(range, RAW_READ_PAGE_SIZE))) as StoredRecord[];
        for (const user of page) users.push(user);
        if (page.length < RAW_READ_PAGE_SIZE) break;
        after = page[page.length - 1]!['id'] as string;
      }
    } finally {
      db.close();
    }
    return { ms: performance.now() - startedAt, count: users.length };
  },

  async snapshotUserRecords({ databaseName, count, seed }) {
    const ids = pickIds(count, seed);
    const db = new OffboardDatabase(databaseName);
    const tables = new Map<string, Map<string, StoredRecord>>();
    try {
      for (const table of perUserTables(db)) tables.set(table.name, await recordsOfUsers(table, ids));
    } finally {
      db.close();
    }
    snapshot = { ids, tables };
    let records = 0;
    for (const table of tables.values()) records += table.size;
    return { records };
  },

  async putAppliedRecordsRaw({ databaseName, planId }): Promise<RawApplyFloor> {
    const batches = await recordsWrittenBy(databaseName, planId);
    const storeNames = [...new Set(batches.flatMap((batch) => [...batch.keys()]))].sort();
    const schema = await readSchema(databaseName, storeNames);
    const generatedKeyOf = new Map(schema.map((store) => [store.name, store.autoIncrement && typeof store.keyPath === 'string' ? store.keyPath : null]));
    const byStore: Record<string, number> = {};
    let records = 0;
    for (const batch of batches) {
      for (const [name, written] of batch) {
        // Added as the app adds them: the database numbers them.
        const generatedKey = generatedKeyOf.get(name);
        if (generatedKey) for (const record of written) delete record[generatedKey];
        byStore[name] = (byStore[name] ?? 0) + written.length;
        records += written.length;
      }
    }

    const scratchName = `bench-apply-floor-${Date.now()}`;
    const scratch = await openRaw(scratchName, 1, (db) => createStores(db, schema));
    try {
      const startedAt = performance.now();
      for (const batch of batches) {
        const transaction = scratch.transaction(storeNames, 'readwrite');
        const done = completion(transaction);
        for (const [name, written] of batch) {
          const store = transaction.objectStore(name);
          const isNumbered = generatedKeyOf.get(name) !== null;
          for (const record of written) {
            if (isNumbered) store.add(record);
            else store.put(record);
          }
        }
        await done;
      }
      return { ms: performance.now() - startedAt, records, transactions: batches.length, byStore };
    } finally {
      scratch.close();
      await deleteRaw(scratchName);
    }
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

  async seedUsersOnly({ databaseName, size }) {
    const startedAt = performance.now();
    const demo = generateDemoOrganization({ size });
    const { header } = demo;
    // Through the app's Dexie database first, so the schema is the app's own, migrations included.
    const db = new OffboardDatabase(databaseName);
    try {
      await db.transaction('rw', [db.meta, db.organization, db.admins, db.methodologies, db.communities, db.customFields], async () => {
        await db.meta.put({ key: SESSION_KEY, value: { adminId: header.signedInAdminId } });
        await db.organization.put(header.organization);
        await db.admins.bulkPut(header.admins);
        await db.methodologies.bulkPut(header.methodologies);
        await db.communities.bulkPut(header.communities);
        await db.customFields.bulkPut(header.customFields);
      });
    } finally {
      db.close();
    }
    // The users themselves with raw IndexedDB: the same records Dexie would store, a minute or more
    // sooner at 1,000,000 users on a slow disk.
    const raw = await openRaw(databaseName);
    let users = 0;
    try {
      const globalCommunityId = header.communities.find((c) => c.global)?.id ?? null;
      // The next chunk is generated while the previous one is written; two chunks at most are ever held.
      let writing = Promise.resolve();
      for (const chunk of demo.chunks(SEED_CHUNK_SIZE)) {
        const summaries = summarizeUserRecords(chunk, globalCommunityId);
        const stored = chunk.users.map((user) => toStoredUser(user, summaries.get(user.id)));
        await writing;
        const transaction = raw.transaction('users', 'readwrite');
        const store = transaction.objectStore('users');
        for (const user of stored) store.add(user);
        writing = completion(transaction);
        users += stored.length;
      }
      await writing;
    } finally {
      raw.close();
    }
    return { ms: performance.now() - startedAt, users };
  },
};

(globalThis as WorkerBenchWindow).workerBench = workerBench;
