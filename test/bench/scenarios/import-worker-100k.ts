/**
 * Importing a 100,000-row users file onto an empty device, in the app's roster worker driven from the
 * worker benchmark page (a fresh on-disk profile, as every write figure). The file (generate-users-csv.ts,
 * about 12.5 MB) is written to a temporary folder and set on the page's file input, so the worker reads it
 * from disk as it would an admin's file; the mapping is the one the worker proposes, and the admin's email
 * is that of the file's first user, as an empty device asks for one.
 * - import_100k_ms: from handing the file over to the roster ready for the list: inspect (encoding,
 *   delimiter, mapping), check every row, write every chunk (users, audit, outbox, the import's marker),
 *   the worker's in-memory roster rebuilt, then the list's first read answering 100,000. The sum of those
 *   calls, each timed in the page; the import code is loaded before the clock starts (see worker-bench.ts).
 * - import_vs_raw_idb: that time over 100,000 users put in one raw IndexedDB transaction (idb-raw-put.ts's
 *   timeRawPut), measured in this scenario's own profile just before the import, so the ratio never
 *   depends on which other scenarios ran. The check and write times are logged apart, to tell where the
 *   import spends its time against the floor: parsing and validation should overlap the writes.
 */
import type { BenchScenario } from '../bench-scenario.ts';
import { round } from '../bench-statistics.ts';
import { generatedUsersFile } from '../generated-users-file.ts';
import { BENCH_FILE_INPUT, workerBenchOf } from '../pages/worker-bench-api.ts';
import { timeRawPut } from './idb-raw-put.ts';

const ROWS = 100_000;

export default {
  name: 'import-worker-100k',
  async run({ openWorkerBenchPage, log, earlierFigure }) {
    const file = await generatedUsersFile(ROWS);
    log(`users file: ${ROWS.toLocaleString('en')} rows, ${(file.bytes / 1e6).toFixed(1)} MB, written in ${Math.round(file.ms)} ms`);
    const page = await openWorkerBenchPage();
    const bench = workerBenchOf(page);

    const rawMs = await page.evaluate(timeRawPut, { databaseName: `bench-import-raw-put-${Date.now()}`, userCount: ROWS });
    const runnerRaw = earlierFigure('idb_raw_put_100k_ms');
    log(`raw put of ${ROWS.toLocaleString('en')} users, this profile: ${Math.round(rawMs)} ms${runnerRaw === undefined ? '' : ` (idb-raw-put of this run: ${runnerRaw} ms)`}`);

    await bench.startWorker({ databaseName: `bench-import-${Date.now()}` });
    const opened = await bench.open();
    if (opened.userCount !== 0) throw new Error(`the device is not empty: ${opened.userCount} users`);
    await page.setInputFiles(BENCH_FILE_INPUT, file.path);

    const check = await bench.checkChosenFile();
    if (check.kind !== 'users' || check.counts.created !== ROWS || !check.needsSetup) {
      throw new Error(`unexpected check: ${JSON.stringify({ ...check, importId: undefined })}`);
    }
    const written = await bench.writeCheckedImport({ importId: check.importId, adminEmail: file.firstUserEmail });
    if (written.failure || written.isCancelled || written.created !== ROWS) throw new Error(`the write did not finish: ${JSON.stringify(written)}`);
    const list = await bench.queryAll();
    if (list.count !== ROWS) throw new Error(`the list shows ${list.count} users, not ${ROWS}`);

    const ms = check.inspectMs + check.checkMs + written.ms + list.ms;
    log(
      `inspect ${Math.round(check.inspectMs)} ms, check ${Math.round(check.checkMs)} ms (${check.progressReports} progress reports), ` +
        `write ${Math.round(written.ms)} ms (${written.progressReports} progress reports; roster rebuilt included), list's first read ${Math.round(list.ms)} ms`,
    );
    log(`write alone over the raw put: ${(written.ms / rawMs).toFixed(2)}; check alone over it: ${(check.checkMs / rawMs).toFixed(2)}`);
    log(written.notice);
    // The import's progress marker holds the file and is stored again with every chunk: what the
    // origin's storage grew to shows whether each chunk copied the file.
    const { usage } = await page.evaluate(() => navigator.storage.estimate());
    log(`the origin's storage after the import: ${((usage ?? 0) / 1e6).toFixed(0)} MB (the file is ${(file.bytes / 1e6).toFixed(1)} MB)`);
    return [
      { name: 'import_100k_ms', value: round(ms, 0), unit: 'ms' },
      { name: 'import_vs_raw_idb', value: round(ms / rawMs, 2), unit: 'ratio' },
    ];
  },
} satisfies BenchScenario;
