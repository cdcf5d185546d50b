/**
 * Reads a CSV file the admin chose, in the worker: first its head (encoding, delimiter, the first rows
 * for the header and column-mapping step), then every row, streamed in chunks so that a 1,000,000-row
 * file never sits in memory whole.
 *
 * The file is read here in byte slices and decoded with one streaming TextDecoder, and the text is fed
 * to PapaParse's own parser (`Papa.Parser`) a chunk at a time, rather than letting `Papa.parse(file)`
 * stream it: PapaParse decodes each slice on its own, so a character whose bytes straddle two slices
 * (any accent in UTF-8, any character of UTF-16 at an odd boundary) would come out as U+FFFD, and it
 * cannot wait for the caller between chunks. Reading the slices ourselves also gives back-pressure: the
 * next slice is read only once the caller is done with the previous rows.
 */
import Papa from 'papaparse';
import { detectDelimiter, type CsvDelimiter } from '../src/core/csv/detect-delimiter.ts';
import {
  ENCODING_SAMPLE_BYTES,
  detectTextEncoding,
  hasNonAsciiByte,
  isSpreadsheetFile,
  isUtf8,
  type DetectedEncoding,
  type TextEncodingName,
} from '../src/core/csv/detect-text-encoding.ts';

export type { CsvDelimiter } from '../src/core/csv/detect-delimiter.ts';
export type { DetectedEncoding, TextEncodingName } from '../src/core/csv/detect-text-encoding.ts';

export type { FileProblem, FileProblemCode } from '../src/core/csv/file-problem.ts';
import type { FileProblem, FileProblemCode } from '../src/core/csv/file-problem.ts';

export type { CsvFileSniff } from '../src/core/csv/csv-file-sniff.ts';
import type { CsvFileSniff } from '../src/core/csv/csv-file-sniff.ts';

export type CsvSniffResult = { ok: true; sniff: CsvFileSniff } | { ok: false; problem: FileProblem };

export interface CsvReadProgress {
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

export interface CsvReadResult {
  /** Rows handed to `onRows`, the header row included. */
  rowCount: number;
  /**
   * What the rows were decoded with: the sniff's encoding, unless the sniffed head was plain ASCII and
   * the first bytes beyond it were not UTF-8 (a Windows-1252 file whose first accent comes late).
   */
  encoding: TextEncodingName;
  isCancelled: boolean;
  /**
   * Set when the read stopped short (`row_too_long`, `unreadable`), or finished on a quote that never
   * closes (`unclosed_quote`: the rest of the file became the last cell). Null for a clean read.
   */
  problem: FileProblem | null;
}

export interface CsvReadOptions {
  signal?: AbortSignal;
  /** Bytes read and decoded at a time; each call of `onRows` holds the rows they complete. */
  chunkBytes?: number;
}

/** The largest file read. Well above a 1,000,000-user roster (about 100 MB); beyond it, split the file. */
export const MAX_CSV_FILE_BYTES = 1_000_000_000;

/** How many rows `sniffCsvFile` returns: the header and enough rows to map columns by their content. */
export const SNIFF_ROW_COUNT = 20;

/**
 * About 2,000 roster rows per chunk. Measured on a 1,000,000-row file: 256 KiB reads fastest (1 MiB
 * slices keep twice the garbage for no gain, 64 KiB ones pay for more slice reads) with a worker heap
 * peak near 30 MB, whatever the size of the file.
 */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/**
 * No row of a roster comes near this; a row that does is almost always a quote opened and never
 * closed, which would otherwise swallow the rest of the file into one cell held in memory.
 */
export const MAX_ROW_CHARS = 1024 * 1024;

interface PapaChunkResult {
  data: string[][];
  errors: { code: string; row?: number }[];
  meta: { cursor: number };
}

function problem(code: FileProblemCode, file: Blob, row = 0): FileProblem {
  const fileName = typeof File !== 'undefined' && file instanceof File && file.name !== '' ? file.name : null;
  switch (code) {
    case 'too_large':
      return { code, fileName, size: file.size, limit: MAX_CSV_FILE_BYTES };
    case 'row_too_long':
      return { code, fileName, row, limit: MAX_ROW_CHARS };
    case 'unclosed_quote':
    case 'unreadable':
      return { code, fileName, row };
    case 'empty_file':
    case 'not_text':
    case 'spreadsheet':
      return { code, fileName };
  }
}

async function readBytes(file: Blob, start: number, end: number): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await file.slice(start, end).arrayBuffer());
  } catch {
    // NotReadableError: the file changed or went away on disk after it was chosen.
    return null;
  }
}

function isEmptyRow(row: readonly string[]): boolean {
  return row.length === 1 && row[0] === '';
}

/**
 * Reads the head of the file: its encoding, its delimiter and its first `rowCount` rows (for the header
 * and column-mapping step). Expected failures come back as a problem: an empty file (no bytes, only a
 * BOM or only blank space), one that is not text, one too large, or one that cannot be read.
 */
export async function sniffCsvFile(file: Blob, options: { rowCount?: number } = {}): Promise<CsvSniffResult> {
  if (file.size === 0) return { ok: false, problem: problem('empty_file', file) };
  if (file.size > MAX_CSV_FILE_BYTES) return { ok: false, problem: problem('too_large', file) };
  const head = await readBytes(file, 0, ENCODING_SAMPLE_BYTES);
  if (head === null) return { ok: false, problem: problem('unreadable', file) };
  const encoding = detectTextEncoding(head);
  if (encoding === null) return { ok: false, problem: problem(isSpreadsheetFile(head) ? 'spreadsheet' : 'not_text', file) };

  // The delimiter is told from the first text that is not blank, however far into the file it starts.
  const decoder = new TextDecoder(encoding.encoding);
  let sample = decoder.decode(head, { stream: true });
  for (let offset = head.length; !/\S/.test(sample) && offset < file.size; offset += ENCODING_SAMPLE_BYTES) {
    const bytes = await readBytes(file, offset, offset + ENCODING_SAMPLE_BYTES);
    if (bytes === null) return { ok: false, problem: problem('unreadable', file) };
    sample = decoder.decode(bytes, { stream: true });
  }
  if (!/\S/.test(sample)) return { ok: false, problem: problem('empty_file', file) };
  const delimiter = detectDelimiter(sample);

  const rowCount = options.rowCount ?? SNIFF_ROW_COUNT;
  const firstRows: string[][] = [];
  const enough = new AbortController();
  const read = await readCsvRows(
    file,
    { encoding, delimiter, firstRows: [] },
    (rows) => {
      firstRows.push(...rows.slice(0, rowCount - firstRows.length));
      if (firstRows.length >= rowCount) enough.abort();
    },
    { signal: enough.signal, chunkBytes: ENCODING_SAMPLE_BYTES },
  );
  if (read.problem !== null && read.problem.code !== 'unclosed_quote') return { ok: false, problem: read.problem };
  return { ok: true, sniff: { encoding, delimiter, firstRows } };
}

/**
 * Streams every row of the file (the header row included, as `rows[0]` of the first call) to `onRows`,
 * a chunk at a time, and waits for it before reading on. Cells are raw: quoted line breaks and doubled
 * quotes handled, the BOM stripped, nothing trimmed. Line breaks may be CRLF, LF or CR, mixed in one
 * file; inside a quoted cell they come out as LF. Completely empty rows are dropped; a row of only
 * delimiters is kept. Stops, with `isCancelled`, when `signal` aborts.
 */
export async function readCsvRows(
  file: Blob,
  sniff: CsvFileSniff,
  onRows: (rows: string[][], progress: CsvReadProgress) => void | Promise<void>,
  options: CsvReadOptions = {},
): Promise<CsvReadResult> {
  const { signal } = options;
  const chunkBytes = Math.max(1, Math.floor(options.chunkBytes ?? DEFAULT_CHUNK_BYTES));
  const totalBytes = file.size;
  let encoding = sniff.encoding.encoding;
  // Drops a BOM at the start, as it should.
  let decoder = new TextDecoder(encoding);
  // A head of plain ASCII reads as UTF-8 but says nothing about the rest: the first bytes outside ASCII
  // decide, and everything before them reads the same in Windows-1252.
  let isEncodingOpen = encoding === 'utf-8' && !sniff.encoding.hasBom;
  // One newline for the parser, whatever the file mixes: PapaParse splits rows on a single newline string.
  const parser = new Papa.Parser({ delimiter: sniff.delimiter, newline: '\n', quoteChar: '"' });
  let rowCount = 0;
  let pending = '';
  // A CR ending one slice may be the first half of a CRLF that the next slice completes.
  let heldCarriageReturn = false;

  // The next slice is read from disk while this one is parsed and handed over (readBytes never rejects).
  let reading = readBytes(file, 0, Math.min(chunkBytes, totalBytes));
  for (let offset = 0; ; ) {
    if (signal?.aborted) return { rowCount, encoding, isCancelled: true, problem: null };
    const end = Math.min(offset + chunkBytes, totalBytes);
    const isLast = end >= totalBytes;
    const bytes = await reading;
    if (bytes === null) return { rowCount, encoding, isCancelled: false, problem: problem('unreadable', file, rowCount + 1) };
    offset = end;
    if (!isLast) reading = readBytes(file, end, Math.min(end + chunkBytes, totalBytes));
    if (isEncodingOpen && hasNonAsciiByte(bytes)) {
      isEncodingOpen = false;
      // A few bytes more, so that a character the slice cuts off is judged whole.
      const lookahead = isLast ? new Uint8Array(0) : await readBytes(file, end, end + 3);
      if (lookahead === null) return { rowCount, encoding, isCancelled: false, problem: problem('unreadable', file, rowCount + 1) };
      const judged = new Uint8Array(bytes.length + lookahead.length);
      judged.set(bytes);
      judged.set(lookahead, bytes.length);
      if (!isUtf8(judged)) {
        encoding = 'windows-1252';
        decoder = new TextDecoder(encoding);
      }
    }

    let text = decoder.decode(bytes, { stream: !isLast });
    if (heldCarriageReturn) text = `\r${text}`;
    heldCarriageReturn = !isLast && text.endsWith('\r');
    if (heldCarriageReturn) text = text.slice(0, -1);
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');

    const input = pending + text;
    const result = parser.parse(input, 0, !isLast) as PapaChunkResult;
    pending = isLast ? '' : input.slice(result.meta.cursor);
    const rows = result.data.filter((row) => !isEmptyRow(row));
    if (rows.length > 0) {
      rowCount += rows.length;
      await onRows(rows, { bytesRead: offset, totalBytes, rowsRead: rowCount });
    }
    if (pending.length > MAX_ROW_CHARS) return { rowCount, encoding, isCancelled: false, problem: problem('row_too_long', file, rowCount + 1) };
    if (isLast) {
      // The row left open is the last one delivered: the rest of the file became its last cell.
      const isUnclosed = result.errors.some((error) => error.code === 'MissingQuotes');
      return { rowCount, encoding, isCancelled: false, problem: isUnclosed ? problem('unclosed_quote', file, rowCount) : null };
    }
  }
}
