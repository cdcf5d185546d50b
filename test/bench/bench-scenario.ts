/** What a benchmark scenario is given and what it returns; the runner in run-bench.ts drives them. */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/** One measured value, printed as one JSON line: `{"name":…,"value":…,"unit":…}`. */
export interface BenchFigure {
  /** snake_case with the unit last, e.g. `idb_raw_put_100k_ms`, so figures can be compared across runs. */
  name: string;
  value: number;
  unit: string;
}

export interface BenchContext {
  browser: Browser;
  /** The preview server's origin, e.g. `http://127.0.0.1:41234`. */
  baseUrl: string;
  /** A fresh context with its storage on disk, as in an admin's browser; the runner closes it after the scenario. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /**
   * An empty page on the app's origin that runs none of the app's code: storage measured there shares
   * the app's quota and origin without the app's own database and worker competing for the disk.
   */
  openBlankPage(): Promise<Page>;
  /**
   * The worker benchmark page (pages/worker-bench.html, from a Vite dev server of the sources, started on
   * first use) in a fresh context of its own: `workerBenchOf(page)` drives the app's roster worker with no
   * screen in between. Its origin is not the app's, so it never shares the app's storage.
   */
  openWorkerBenchPage(): Promise<Page>;
  /** A figure an earlier scenario of this run printed (scenarios run in file-name order), for ratios. */
  earlierFigure(name: string): number | undefined;
  /** Progress for a person watching; goes to stderr so stdout stays one figure per line. */
  log(message: string): void;
}

export interface BenchScenario {
  name: string;
  run(context: BenchContext): Promise<BenchFigure | BenchFigure[]>;
}
