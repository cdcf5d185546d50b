/**
 * What the CSV benchmark page (csv-bench.ts) offers on `window.csvBench`, and a typed way for a scenario
 * to call it. Times are measured in the page or the worker, so the round trip to Node never counts.
 */
import type { Page } from 'playwright-core';

export interface CsvBenchApi {
  /** Generates the users file of `rowCount` rows (generate-users-csv.ts) and keeps it as a Blob. */
  generate(args: { rowCount: number }): Promise<{ ms: number; bytes: number }>;
  /** Ends the CSV worker, if any, and starts a fresh one with its code loaded. */
  startWorker(): Promise<void>;
  /** Sniffs the kept file, then reads every row through readCsvRows in the worker, counting and dropping them. */
  parse(args: { chunkBytes?: number }): Promise<{ ms: number; sniffMs: number; rowCount: number; chunks: number; bytes: number }>;
}

export type CsvBenchWindow = typeof globalThis & { csvBench?: CsvBenchApi };

/** `window.csvBench` of `page`, called from Node. */
export function csvBenchOf(page: Page): CsvBenchApi {
  const call =
    (method: keyof CsvBenchApi) =>
    (args?: unknown): Promise<never> =>
      page.evaluate(
        ({ method: name, value }) => {
          const bench = (globalThis as CsvBenchWindow).csvBench;
          if (!bench) throw new Error('window.csvBench is missing: the CSV benchmark page did not load');
          return (bench[name] as (args?: unknown) => Promise<never>)(value);
        },
        { method, value: args },
      );
  return { generate: call('generate'), startWorker: call('startWorker'), parse: call('parse') };
}
