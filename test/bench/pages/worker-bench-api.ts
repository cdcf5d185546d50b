/**
 * What the worker benchmark page (worker-bench.ts) offers on `window.workerBench`, and a typed way for a
 * scenario to call it. Times are measured inside the page, around the awaited calls, so the round trip
 * between Node and the browser never counts.
 */
import type { Page } from 'playwright-core';

export interface PlanSummary {
  planId: string;
  eligibleCount: number;
  blockedCount: number;
  skippedCount: number;
  batchCount: number;
  canApply: boolean;
}

export interface ApplySummary {
  usersApplied: number;
  batchesApplied: number;
  batchCount: number;
  failure: { batchIndex: number; code: string; message: string } | null;
}

export interface ImportCheckSummary {
  importId: string;
  /** `inspectImportFiles` of the chosen file, from the call to its answer. */
  inspectMs: number;
  /** `checkImport` of every row, from the call to its answer. */
  checkMs: number;
  kind: string;
  rowCount: number;
  counts: { created: number; updated: number; unchanged: number; rejected: number };
  needsSetup: boolean;
  hasChanges: boolean;
  problems: string[];
  /** Progress reports that reached the page. */
  progressReports: number;
}

export interface ImportWriteSummary {
  /** `writeImport`, from the call to its answer: every chunk committed and the in-memory roster rebuilt. */
  ms: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  isCancelled: boolean;
  failure: { code: string; message: string } | null;
  notice: string;
  progressReports: number;
}

export interface SignInSummary {
  /** `signInToServer`, from the call to its answer: the session checked, every page pulled and written, the roster re-read by the worker. */
  ms: number;
  ok: boolean;
  /** The refusal's code and message when `ok` is false. */
  code: string | null;
  message: string | null;
  usersPulled: number;
}

export interface SyncRunSummary {
  /** `syncNow`, from the call to its answer: the push of the whole outbox, then the pull that follows it. */
  ms: number;
  ran: boolean;
  operationsPushed: number;
  operationsRefused: number;
  usersRejected: number;
  usersPulled: number;
  /** Outbox operations still pending once it answered. */
  pendingOperations: number;
}

export interface WorkerBenchApi {
  /** Ends the current roster worker, if any, and starts a fresh one on `databaseName`, its code loaded. */
  startWorker(args: { databaseName: string }): Promise<void>;
  stopWorker(): Promise<void>;
  /** `open()` as the app calls it on start, progress callback included. */
  open(): Promise<{ ms: number; userCount: number }>;
  /** The demo organization loaded by the worker, as the first screen's button does. */
  loadDemo(args: { size: number }): Promise<{ ms: number; userCount: number }>;
  /** Keeps the ids of the active users (a query in the worker) to pick selections from. */
  rememberActiveIds(): Promise<number>;
  /** A deactivation of `count` active users picked with `seed`, planned by the current worker. */
  plan(args: { count: number; seed: number }): Promise<{ ms: number; plan: PlanSummary }>;
  /** `open()` then the first plan, timed as one: what an admin waits for after opening the app. */
  openAndPlan(args: { count: number; seed: number }): Promise<{ ms: number; openMs: number; planMs: number; plan: PlanSummary }>;
  apply(args: { planId: string }): Promise<{ ms: number; result: ApplySummary }>;
  /**
   * Copies every user of the app's database `databaseName`, as the roster store reads them for the cold
   * start (summaries included), into a raw IndexedDB database of its own (`<databaseName>-raw-users`,
   * replaced if there is one): one object store `users` keyed by id, one record per user. Resolves with
   * that database's name, the users copied and the ms of the raw writes alone.
   */
  writeRawUsers(args: { databaseName: string }): Promise<{ databaseName: string; users: number; ms: number }>;
  /**
   * Reads the whole `users` store of a raw database written by `writeRawUsers` with raw IndexedDB, in
   * pages, keeping every record as the worker does.
   */
  readUsersRaw(args: { databaseName: string }): Promise<{ ms: number; count: number }>;
  /** Deletes a raw database written by `writeRawUsers`. */
  deleteRawUsers(args: { databaseName: string }): Promise<void>;
  /**
   * Inspects and checks the file last set on the page's file input (`#bench-file`, see BENCH_FILE_INPUT)
   * with the mapping the worker proposes, as the Import screen does; a progress callback as the screen
   * passes one. Nothing is written.
   */
  checkChosenFile(): Promise<ImportCheckSummary>;
  /**
   * Writes the checked import. `stopAfterRows` cancels the write, as the screen's Cancel button does, once
   * the reader has passed that many rows: it stops at the next chunk boundary.
   */
  writeCheckedImport(args: { importId: string; adminEmail?: string; stopAfterRows?: number }): Promise<ImportWriteSummary>;
  /** The list's first read, as the users screen asks for it: every user, no filter. */
  queryAll(): Promise<{ ms: number; count: number }>;
  /** `signInToServer(url, token, false)`, as the sign-in form calls it; the worker should be open. */
  signInToServer(args: { url: string; token: string }): Promise<SignInSummary>;
  /**
   * A deactivation of `count` plain active users (no community admin, not the signed-in admin: nobody the
   * plan blocks or skips), the last `count` by id order, planned by the current worker. Finding them may
   * take a few plans, each setting aside the users the one before listed as blocked; `ms` is the last one.
   */
  planPlainDeactivation(args: { count: number }): Promise<{ ms: number; plan: PlanSummary }>;
  /** `syncNow()`, as the sync button calls it, then the outbox's pending count. */
  syncNow(): Promise<SyncRunSummary>;
}

/** The page's file input, for `page.setInputFiles`: the file reaches the worker as the Import screen's would. */
export const BENCH_FILE_INPUT = '#bench-file';

export type WorkerBenchWindow = typeof globalThis & { workerBench?: WorkerBenchApi };

/** `window.workerBench` of `page`, called from Node. */
export function workerBenchOf(page: Page): WorkerBenchApi {
  return new Proxy({} as WorkerBenchApi, {
    get(_target, name) {
      // Not a thenable: an async function returning this object must not try to await it.
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (args?: unknown): Promise<unknown> =>
        page.evaluate(
          ({ method, value }) => {
            const bench = (globalThis as WorkerBenchWindow).workerBench;
            if (!bench) throw new Error('window.workerBench is missing: the worker benchmark page did not load');
            return (bench[method as keyof WorkerBenchApi] as (args?: unknown) => Promise<unknown>)(value);
          },
          { method: name, value: args },
        );
    },
  });
}
