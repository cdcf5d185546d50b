/**
 * The worker's CSV reads in progress, by an id the page chose, so that the page's cancel button can stop
 * one: the page cannot hand an AbortSignal across Comlink, only the id. The page makes the id up before
 * it starts the read (`crypto.randomUUID()`), so a cancel that arrives before the read has begun still
 * counts.
 */
import {
  readCsvRows,
  sniffCsvFile,
  type CsvFileSniff,
  type CsvReadOptions,
  type CsvReadProgress,
  type CsvReadResult,
  type CsvSniffResult,
} from './read-csv-file.ts';

/** Cancels for reads not started (or already over) are kept this long, oldest forgotten first. */
const EARLY_CANCELS_KEPT = 64;

export class CsvReadIdInUseError extends Error {
  readonly code = 'csv_read_id_in_use';
  constructor(readId: string) {
    super(`A CSV read with id ${readId} is already running.`);
    this.name = 'CsvReadIdInUseError';
  }
}

export class CsvFileReader {
  private reads = new Map<string, AbortController>();
  private earlyCancels = new Set<string>();

  sniff(file: Blob): Promise<CsvSniffResult> {
    return sniffCsvFile(file);
  }

  /** `readCsvRows` under `readId`, so that `cancel(readId)` stops it. */
  async read(
    readId: string,
    file: Blob,
    sniff: CsvFileSniff,
    onRows: (rows: string[][], progress: CsvReadProgress) => void | Promise<void>,
    options: Omit<CsvReadOptions, 'signal'> = {},
  ): Promise<CsvReadResult> {
    if (this.reads.has(readId)) throw new CsvReadIdInUseError(readId);
    const controller = new AbortController();
    if (this.earlyCancels.delete(readId)) controller.abort();
    this.reads.set(readId, controller);
    try {
      return await readCsvRows(file, sniff, onRows, { ...options, signal: controller.signal });
    } finally {
      this.reads.delete(readId);
    }
  }

  /** Stops the read; true when it was running. The read returns `isCancelled` after its current chunk. */
  cancel(readId: string): boolean {
    const controller = this.reads.get(readId);
    if (controller) {
      controller.abort();
      return true;
    }
    this.earlyCancels.add(readId);
    if (this.earlyCancels.size > EARLY_CANCELS_KEPT) this.earlyCancels.delete(this.earlyCancels.values().next().value!);
    return false;
  }

  isReading(readId: string): boolean {
    return this.reads.has(readId);
  }
}
