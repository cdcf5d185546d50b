/**
 * Reading a 1,000,000-row users file (about 125 MB, generated at test time by generate-users-csv.ts: the
 * canonical users header, accented names, a quoted cell every 50th row), from the CSV benchmark page
 * (pages/csv-bench.html): the app's reading code, sniffCsvFile then readCsvRows through CsvFileReader, in a
 * worker, in its default chunks (256 KiB), every row counted and dropped.
 * - parse_1m_rows_ms: median of 3 reads, each by a fresh worker, timed in the worker from the first slice
 *   read to the last row handed over (the sniff, a few milliseconds, is logged apart).
 * - parse_1m_peak_heap_mb: the largest used JS heap of that worker during the reads (MB of 1,000,000 bytes),
 *   sampled every 20 ms from Node with CDP `Runtime.getHeapUsage` on the worker's target (see
 *   worker-heap-sampler.ts), garbage not yet collected included. The file itself is a Blob, kept by the
 *   browser outside any JS heap; the page that made it holds no copy of its text.
 */
import type { BenchScenario } from '../bench-scenario.ts';
import { median, round } from '../bench-statistics.ts';
import { csvBenchOf, type CsvBenchWindow } from '../pages/csv-bench-api.ts';
import { attachWorkerHeapSampler } from '../worker-heap-sampler.ts';

const ROWS = 1_000_000;
const RUNS = 3;
const SAMPLE_INTERVAL_MS = 20;
const CSV_BENCH_PAGE_PATH = '/test/bench/pages/csv-bench.html';

export default {
  name: 'csv-parse-1m',
  async run({ openWorkerBenchPage, log }) {
    // The runner opens the worker benchmark page on the bench dev server; this scenario's page is served
    // by the same server, next to it.
    const page = await openWorkerBenchPage();
    await page.goto(new URL(CSV_BENCH_PAGE_PATH, page.url()).href);
    await page.waitForFunction(() => (globalThis as CsvBenchWindow).csvBench !== undefined, undefined, { timeout: 60_000 });
    const bench = csvBenchOf(page);
    const heap = await attachWorkerHeapSampler(page);

    const generated = await bench.generate({ rowCount: ROWS });
    log(`generated ${ROWS.toLocaleString('en')} rows, ${(generated.bytes / 1e6).toFixed(1)} MB, in ${Math.round(generated.ms)} ms`);

    const times: number[] = [];
    let peakBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const attached = heap.waitForWorker();
      await bench.startWorker();
      await attached;
      await heap.collectGarbage();
      const baseline = await heap.usedHeapBytes();
      const sampling = heap.startSampling(SAMPLE_INTERVAL_MS);
      const parsed = await bench.parse({});
      const sampled = await sampling.stop();
      if (parsed.rowCount !== ROWS + 1) throw new Error(`read ${parsed.rowCount} rows, not ${ROWS + 1}`);
      times.push(parsed.ms);
      peakBytes = Math.max(peakBytes, sampled.peakBytes);
      log(
        `run ${run + 1}: ${Math.round(parsed.ms)} ms (sniff ${parsed.sniffMs.toFixed(1)} ms), ${parsed.chunks} chunks, ` +
          `worker heap ${(baseline / 1e6).toFixed(1)} MB before, peak ${(sampled.peakBytes / 1e6).toFixed(1)} MB over ${sampled.samples} samples`,
      );
    }
    await heap.detach();
    return [
      { name: 'parse_1m_rows_ms', value: round(median(times)), unit: 'ms' },
      { name: 'parse_1m_peak_heap_mb', value: round(peakBytes / 1e6), unit: 'MB' },
    ];
  },
} satisfies BenchScenario;
