/**
 * Memory of a 1,000,000-row users import (about 125 MB, generate-users-csv.ts, written to a temporary
 * folder and set on the worker benchmark page's file input) onto an empty device, in the app's roster
 * worker driven from the worker benchmark page, in a fresh on-disk profile.
 * - import_1m_peak_heap_mb: the largest used JS heap of the roster worker (MB of 1,000,000 bytes) while
 *   it checks all 1,000,000 rows and then writes every one of them, the in-memory roster rebuilt at the
 *   end (a 1,000,000-user roster held in memory is most of it). The check's and the write's peaks, and
 *   their times, are logged apart.
 *   Sampled every 20 ms from Node with CDP `Runtime.getHeapUsage` on the worker's target
 *   (worker-heap-sampler.ts), garbage not yet collected included, so the figure moves with when V8
 *   collects (from about 320 to 540 MB over four runs on a 2-core machine). The file stays a
 *   disk-backed File, outside any JS heap, read again at each pass (the check; on an empty device, the
 *   search for the admin's row; the write) rather than held, so what the worker keeps is the check's
 *   state, the chunks in flight and the roster rebuilt in memory from what was written. The worker's
 *   garbage is collected between the check and the write, as the admin reads the preview; the peak, time
 *   and heap still held of each are logged apart.
 */
import type { BenchScenario } from '../bench-scenario.ts';
import { round } from '../bench-statistics.ts';
import { generatedUsersFile } from '../generated-users-file.ts';
import { BENCH_FILE_INPUT, workerBenchOf } from '../pages/worker-bench-api.ts';
import { attachWorkerHeapSampler } from '../worker-heap-sampler.ts';

const ROWS = 1_000_000;
const SAMPLE_INTERVAL_MS = 20;

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export default {
  name: 'import-worker-1m',
  async run({ openWorkerBenchPage, log }) {
    const file = await generatedUsersFile(ROWS);
    log(`users file: ${ROWS.toLocaleString('en')} rows, ${(file.bytes / 1e6).toFixed(1)} MB, written in ${Math.round(file.ms)} ms`);
    const page = await openWorkerBenchPage();
    const bench = workerBenchOf(page);
    const heap = await attachWorkerHeapSampler(page);

    const attached = heap.waitForWorker();
    await bench.startWorker({ databaseName: `bench-import-1m-${Date.now()}` });
    await attached;
    const opened = await bench.open();
    if (opened.userCount !== 0) throw new Error(`the device is not empty: ${opened.userCount} users`);
    await page.setInputFiles(BENCH_FILE_INPUT, file.path);
    await heap.collectGarbage();
    const baseline = await heap.usedHeapBytes();

    let sampling = heap.startSampling(SAMPLE_INTERVAL_MS);
    const check = await bench.checkChosenFile();
    const checkSamples = await sampling.stop();
    if (check.kind !== 'users' || check.counts.created !== ROWS) throw new Error(`unexpected check: ${JSON.stringify({ ...check, importId: undefined })}`);
    // The admin reads the preview before importing, time enough for the worker to collect its garbage;
    // what the check still holds then is what the write starts from.
    await heap.collectGarbage();
    const held = await heap.usedHeapBytes();
    log(
      `check: ${Math.round(check.inspectMs + check.checkMs)} ms, worker heap peak ${mb(checkSamples.peakBytes)} over ${checkSamples.samples} samples ` +
        `(${mb(baseline)} before, ${mb(held)} held after it, garbage collected)`,
    );

    sampling = heap.startSampling(SAMPLE_INTERVAL_MS);
    const written = await bench.writeCheckedImport({ importId: check.importId, adminEmail: file.firstUserEmail });
    const writeSamples = await sampling.stop();
    if (written.failure || written.isCancelled || written.created !== ROWS) throw new Error(`the write did not finish: ${JSON.stringify(written)}`);
    await heap.collectGarbage();
    const after = await heap.usedHeapBytes();
    log(
      `write of ${written.created.toLocaleString('en')} rows: ${Math.round(written.ms)} ms (roster rebuilt included), ` +
        `worker heap peak ${mb(writeSamples.peakBytes)} over ${writeSamples.samples} samples, ${mb(after)} held after it, garbage collected`,
    );
    log(written.notice);
    const { usage } = await page.evaluate(() => navigator.storage.estimate());
    log(`the origin's storage after the write: ${((usage ?? 0) / 1e6).toFixed(0)} MB`);
    await heap.detach();
    return { name: 'import_1m_peak_heap_mb', value: round(Math.max(checkSamples.peakBytes, writeSamples.peakBytes) / 1e6), unit: 'MB' };
  },
} satisfies BenchScenario;
