import { afterAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { proxy, wrap } from 'comlink';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import type { CsvFileSniff, CsvReadProgress } from '../../workers/read-csv-file.ts';
import { CSV_FIXTURES } from '../fixtures/csv-fixture-expectations.ts';
import { generateUsersCsvBlob } from '../fixtures/generate-users-csv.ts';
import type { CsvReadProbeApi } from './csv-read-probe.worker.ts';
import { describeFileProblem } from '../../src/app/describe-file-problem.ts';

// The reading code runs in a real worker, as in the app: the probe worker drives CsvFileReader the way
// the import flow does, and the roster worker is asked for its own sniff and cancel.
const probe = wrap(new Worker(new URL('./csv-read-probe.worker.ts', import.meta.url), { type: 'module' })) as unknown as CsvReadProbeApi;
const databaseName = `csv-${crypto.randomUUID()}`;
const roster = startRosterWorker(databaseName);

afterAll(async () => {
  await Dexie.delete(databaseName);
});

const FIXTURE_URLS = import.meta.glob<string>('../fixtures/csv/*.{csv,tsv}', { query: '?url', import: 'default', eager: true });

async function fixtureFile(name: string): Promise<File> {
  const url = FIXTURE_URLS[`../fixtures/csv/${name}`];
  if (!url) throw new Error(`no fixture ${name}`);
  const response = await fetch(url);
  return new File([await response.blob()], name, { type: 'text/csv' });
}

async function sniffed(file: Blob): Promise<CsvFileSniff> {
  const result = await probe.sniff(file);
  if (!result.ok) throw new Error(describeFileProblem(result.problem));
  return result.sniff;
}

// One byte splits everything; three puts chunk ends inside UTF-16 code units.
const SPLITTING_CHUNK_SIZES = [1, 3, 64];

describe('reading CSV files in the worker', () => {
  it('has a fixture file for every expectation', () => {
    expect(Object.keys(FIXTURE_URLS).map((path) => path.split('/').pop()).sort()).toEqual(Object.keys(CSV_FIXTURES).sort());
  });

  for (const [name, expected] of Object.entries(CSV_FIXTURES)) {
    it(`sniffs and reads ${name}`, async () => {
      const file = await fixtureFile(name);
      const sniff = await probe.sniff(file);
      if (expected.problem === 'empty_file' || expected.problem === 'not_text' || expected.problem === 'spreadsheet') {
        expect(sniff).toMatchObject({ ok: false, problem: { code: expected.problem } });
        if (!sniff.ok) expect(describeFileProblem(sniff.problem)).toContain(`"${name}"`);
        return;
      }
      if (!sniff.ok) throw new Error(describeFileProblem(sniff.problem));
      expect(sniff.sniff.encoding).toEqual(expected.encoding);
      expect(sniff.sniff.delimiter).toBe(expected.delimiter);
      const report = await probe.read(crypto.randomUUID(), file, sniff.sniff, { keepRows: true });
      expect(report.result.isCancelled).toBe(false);
      expect(report.result.problem?.code ?? null).toBe(expected.problem ?? null);
      if (expected.rows) expect(report.rows).toEqual(expected.rows);
      expect(report.result.rowCount).toBe(expected.rowCount ?? expected.rows?.length);
      expect(sniff.sniff.firstRows).toEqual(report.rows!.slice(0, 20));
    });
  }

  it('gives the same rows when chunks split characters, byte order marks, CRLFs and quoted cells', async () => {
    const names = Object.entries(CSV_FIXTURES)
      .filter(([, expected]) => expected.rows && expected.encoding)
      .map(([name]) => name);
    for (const name of names) {
      const file = await fixtureFile(name);
      const sniff = await sniffed(file);
      for (const chunkBytes of SPLITTING_CHUNK_SIZES) {
        const report = await probe.read(crypto.randomUUID(), file, sniff, { keepRows: true, chunkBytes });
        expect(report.rows, `${name} in chunks of ${chunkBytes} bytes`).toEqual(CSV_FIXTURES[name]!.rows);
      }
    }
  });

  it('reads a Windows-1252 file whose first accent comes after the sniffed head as Windows-1252', async () => {
    const asciiRows = Array.from({ length: 3_000 }, (_, i) => `N${i},user${i}@northwind.example,Ada,Park\r\n`).join('');
    const late = new Uint8Array([0x4e, 0x39, 0x39, 0x39, 0x39, 0x2c, 0x7a, 0x40, 0x6e, 0x2e, 0x65, 0x2c, 0x5a, 0x6f, 0xeb, 0x2c, 0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0d, 0x0a]);
    const file = new File(['id,email,first_name,last_name\r\n', asciiRows, late], 'late-accent.csv');
    expect(file.size).toBeGreaterThan(64 * 1024);
    const sniff = await sniffed(file);
    expect(sniff.encoding).toEqual({ encoding: 'utf-8', hasBom: false });
    for (const chunkBytes of [undefined, 4_099]) {
      const report = await probe.read(crypto.randomUUID(), file, sniff, { keepRows: true, chunkBytes });
      expect(report.result.encoding).toBe('windows-1252');
      expect(report.rows?.at(-1)).toEqual(['N9999', 'z@n.e', 'Zoë', 'Müller']);
      expect(report.rows).toHaveLength(3_002);
    }
  });

  it('tells an Excel workbook named .csv apart and says how to save it as CSV', async () => {
    const sniff = await probe.sniff(await fixtureFile('excel-workbook.csv'));
    expect(sniff).toMatchObject({ ok: false, problem: { code: 'spreadsheet', fileName: 'excel-workbook.csv' } });
    if (!sniff.ok) expect(describeFileProblem(sniff.problem)).toMatch(/Excel workbook.*Save As.*CSV/);
  });

  it('finds the first text past a long blank start, and calls a file of blank space only empty', async () => {
    const lineBreaks = '\r\n\n'.repeat(40_000);
    const late = await sniffed(new File([lineBreaks, 'id;email\nU1;a@b.example\n'], 'late.csv'));
    expect(late.delimiter).toBe(';');
    expect(late.firstRows).toEqual([
      ['id', 'email'],
      ['U1', 'a@b.example'],
    ]);
    const blank = new File(['\r\n   \t\n'.repeat(20_000)], 'blank.csv');
    expect(await probe.sniff(blank)).toMatchObject({ ok: false, problem: { code: 'empty_file' } });
  });

  it('refuses a file over the size limit without reading it', async () => {
    const megabyte = new Blob([new Uint8Array(1_000_000).fill(0x41)]);
    const huge = new File(Array.from({ length: 1_001 }, () => megabyte), 'huge.csv');
    const sniff = await probe.sniff(huge);
    expect(sniff).toMatchObject({ ok: false, problem: { code: 'too_large' } });
    if (!sniff.ok) expect(describeFileProblem(sniff.problem)).toContain('1 GB');
  });

  it('stops at a row that runs on past the row limit: a quote that never closes', async () => {
    const file = new File(['id,note\nU1,fine\nU2,"opens\n', 'x,'.repeat(1_500_000), '\nU3,never reached\n'], 'runaway.csv');
    // Caught as soon as the file is chosen, when the runaway row is among its first rows…
    expect(await probe.sniff(file)).toMatchObject({ ok: false, problem: { code: 'row_too_long' } });
    // …and by the full read in any case.
    const sniff: CsvFileSniff = { encoding: { encoding: 'utf-8', hasBom: false }, delimiter: ',', firstRows: [] };
    const report = await probe.read(crypto.randomUUID(), file, sniff, { keepRows: true });
    expect(report.result.problem?.code).toBe('row_too_long');
    expect(describeFileProblem(report.result.problem!)).toContain('Row 3 of "runaway.csv"');
    expect(report.rows).toEqual([
      ['id', 'note'],
      ['U1', 'fine'],
    ]);
  });

  it('streams 200,000 rows in chunks with progress, every row intact, never reading ahead of the handler', async () => {
    const file = generateUsersCsvBlob({ rowCount: 200_000 });
    const sniff = await sniffed(file);
    expect(sniff).toMatchObject({ encoding: { encoding: 'utf-8', hasBom: false }, delimiter: ',' });
    const progress: CsvReadProgress[] = [];
    // An odd chunk size, so that chunk ends fall inside accented letters and quoted cells.
    const report = await probe.read(
      crypto.randomUUID(),
      file,
      sniff,
      { chunkBytes: 262_147, checkGeneratedUsers: true, handleMs: 1 },
      proxy((p: CsvReadProgress) => {
        progress.push(p);
      }),
    );
    expect(report.result).toEqual({ rowCount: 200_001, encoding: 'utf-8', isCancelled: false, problem: null });
    expect(report.firstMismatch).toBeNull();
    expect(report.slicesReadWhileHandling).toBe(0);
    expect(report.chunks).toBe(Math.ceil(file.size / 262_147));
    expect(progress).toHaveLength(report.chunks);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.bytesRead).toBeGreaterThan(progress[i - 1]!.bytesRead);
      expect(progress[i]!.rowsRead).toBeGreaterThan(progress[i - 1]!.rowsRead);
    }
    expect(progress.at(-1)).toEqual({ bytesRead: file.size, totalBytes: file.size, rowsRead: 200_001 });
  });

  it('stops early when cancelled in the middle, after the chunk in hand', async () => {
    const file = generateUsersCsvBlob({ rowCount: 200_000 });
    const sniff = await sniffed(file);
    const readId = crypto.randomUUID();
    let rowsAtCancel = 0;
    const report = await probe.read(
      readId,
      file,
      sniff,
      {},
      proxy(async (p: CsvReadProgress) => {
        if (rowsAtCancel === 0 && p.rowsRead >= 50_000) {
          rowsAtCancel = p.rowsRead;
          expect(await probe.cancel(readId)).toBe(true);
        }
      }),
    );
    expect(report.result.isCancelled).toBe(true);
    expect(report.result.rowCount).toBe(rowsAtCancel);
    expect(report.result.rowCount).toBeLessThan(200_001);
    // The read is over: its id is free again, and cancelling it now changes nothing.
    expect(await probe.cancel(readId)).toBe(false);
  });

  it('honours a cancel that arrives before its read starts', async () => {
    const file = await fixtureFile('users.csv');
    const sniff = await sniffed(file);
    const readId = crypto.randomUUID();
    expect(await probe.cancel(readId)).toBe(false);
    const report = await probe.read(readId, file, sniff, { keepRows: true });
    expect(report.result).toEqual({ rowCount: 0, encoding: 'utf-8', isCancelled: true, problem: null });
  });

  it('is offered by the roster worker: sniff a chosen file, cancel a read by id', async () => {
    const sniff = await roster.sniffCsvFile(await fixtureFile('users-windows-1252.csv'));
    expect(sniff).toMatchObject({ ok: true, sniff: { encoding: { encoding: 'windows-1252', hasBom: false }, delimiter: ',' } });
    if (sniff.ok) expect(sniff.sniff.firstRows[4]?.slice(2, 4)).toEqual(['François', 'Lefèvre-Cœur']);
    expect(await roster.sniffCsvFile(await fixtureFile('binary.csv'))).toMatchObject({ ok: false, problem: { code: 'not_text' } });
    expect(await roster.cancelCsvRead('no-such-read')).toBe(false);
  });
});
