/**
 * The CSV benchmark page, served by the bench dev server: generates a users file in the page and has the
 * app's CSV reading code (readCsvRows, through CsvFileReader) stream it in a worker of its own, the probe
 * worker of the browser tests, as the import flow will in the roster worker.
 */
import { wrap } from 'comlink';
import { generateUsersCsvBlob } from '../../fixtures/generate-users-csv.ts';
import type { CsvReadProbeApi } from '../../workers/csv-read-probe.worker.ts';
import type { CsvBenchApi, CsvBenchWindow } from './csv-bench-api.ts';

let file: Blob | null = null;
let current: { api: CsvReadProbeApi; worker: Worker } | null = null;

const csvBench: CsvBenchApi = {
  async generate({ rowCount }) {
    file = null;
    const startedAt = performance.now();
    file = generateUsersCsvBlob({ rowCount });
    return { ms: performance.now() - startedAt, bytes: file.size };
  },

  async startWorker() {
    current?.worker.terminate();
    const worker = new Worker(new URL('../../workers/csv-read-probe.worker.ts', import.meta.url), { type: 'module' });
    current = { worker, api: wrap(worker) as unknown as CsvReadProbeApi };
    // A first call, so the worker's modules are loaded before anything is timed.
    await current.api.cancel('warm-up');
  },

  async parse({ chunkBytes }) {
    if (!file) throw new Error('generate() first');
    if (!current) throw new Error('startWorker() first');
    const sniffStartedAt = performance.now();
    const sniff = await current.api.sniff(file);
    const sniffMs = performance.now() - sniffStartedAt;
    if (!sniff.ok) throw new Error(JSON.stringify(sniff.problem));
    const report = await current.api.read(crypto.randomUUID(), file, sniff.sniff, { chunkBytes });
    if (report.result.problem) throw new Error(JSON.stringify(report.result.problem));
    return { ms: report.ms, sniffMs, rowCount: report.result.rowCount, chunks: report.chunks, bytes: file.size };
  },
};

(globalThis as CsvBenchWindow).csvBench = csvBench;
