/**
 * A worker that runs the app's CSV reading code (CsvFileReader, readCsvRows) as the import flow will, and
 * reports what a test or a benchmark needs to see: the rows, or their count and a check of each against
 * the generated users file; every progress report; and whether the reader ever asked for more of the file
 * while a chunk of rows was still being handled (it must not: that is the back-pressure).
 */
import { expose, type Remote } from 'comlink';
import { CsvFileReader } from '../../workers/csv-file-reader.ts';
import type { CsvFileSniff, CsvReadProgress, CsvReadResult } from '../../workers/read-csv-file.ts';
import { GENERATED_USERS_HEADER, generatedUserRow } from '../fixtures/generate-users-csv.ts';

export interface ProbeReadOptions {
  chunkBytes?: number;
  /** Keep every row and return them (small files only). */
  keepRows?: boolean;
  /** Compare each row with the generated users file's (see generate-users-csv.ts). */
  checkGeneratedUsers?: boolean;
  /** How long each chunk of rows is "handled", standing for the import's validation and writes. */
  handleMs?: number;
}

export interface ProbeReadReport {
  result: CsvReadResult;
  rows: string[][] | null;
  chunks: number;
  /** Slices of the file requested while a chunk of rows was still being handled. */
  slicesReadWhileHandling: number;
  /** The first row that differs from the generated file's, with its index; null when all match. */
  firstMismatch: { index: number; row: string[] } | null;
  ms: number;
}

class CsvReadProbe {
  private reader = new CsvFileReader();

  sniff(file: Blob) {
    return this.reader.sniff(file);
  }

  cancel(readId: string): boolean {
    return this.reader.cancel(readId);
  }

  async read(
    readId: string,
    file: Blob,
    sniff: CsvFileSniff,
    options: ProbeReadOptions = {},
    onProgress?: (progress: CsvReadProgress) => void | Promise<void>,
  ): Promise<ProbeReadReport> {
    let isHandling = false;
    let slicesReadWhileHandling = 0;
    // The file as the reader sees it, counting the slices it asks for.
    const counted = new Proxy(file, {
      get(target, property) {
        if (property === 'slice') {
          return (start?: number, end?: number) => {
            if (isHandling) slicesReadWhileHandling++;
            return target.slice(start, end);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const rows: string[][] | null = options.keepRows ? [] : null;
    let chunks = 0;
    let index = -1;
    let firstMismatch: ProbeReadReport['firstMismatch'] = null;
    const startedAt = performance.now();
    const result = await this.reader.read(
      readId,
      counted,
      sniff,
      async (chunk, progress) => {
        isHandling = true;
        chunks++;
        if (rows) rows.push(...chunk);
        if (options.checkGeneratedUsers) {
          for (const row of chunk) {
            const expected = index === -1 ? GENERATED_USERS_HEADER : generatedUserRow(index);
            if (firstMismatch === null && (row.length !== expected.length || row.some((cell, i) => cell !== expected[i]))) firstMismatch = { index, row };
            index++;
          }
        }
        if (options.handleMs) await new Promise((resolve) => setTimeout(resolve, options.handleMs));
        await onProgress?.(progress);
        isHandling = false;
      },
      { chunkBytes: options.chunkBytes },
    );
    return { result, rows, chunks, slicesReadWhileHandling, firstMismatch, ms: performance.now() - startedAt };
  }
}

expose(new CsvReadProbe());

export type CsvReadProbeApi = Remote<CsvReadProbe>;
