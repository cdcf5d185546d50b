/**
 * Writes CSV the way Excel opens cleanly: UTF-8 with a byte order mark (without it Excel reads the file
 * in the machine's ANSI code page and mangles "Zoë"), CRLF line ends, and every cell through
 * `neutralizeFormula` so that a name like `=HYPERLINK(…)` is shown, never run. Rows arrive a page at a
 * time and leave as text at once, so a report of 1,000,000 users is never one string or one array.
 * One file becomes a Blob; several become one zip (fflate), compressed as they are written.
 */
import Papa from 'papaparse';
import { Zip, ZipDeflate } from 'fflate';
import { neutralizeFormula } from '../src/core/csv/csv-formats.ts';
import { codedError } from '../src/core/coded-error.ts';

const BOM = '\uFEFF';
const CRLF = '\r\n';
/** Rows serialised at once: large enough that PapaParse's per-call cost vanishes, small enough to stay cache-friendly. */
const ROWS_PER_WRITE = 5_000;

function serialize(rows: readonly (readonly string[])[]): string {
  return Papa.unparse(
    rows.map((row) => row.map(neutralizeFormula)),
    { newline: CRLF, quotes: false, escapeFormulae: false },
  );
}

/** One CSV file being written: a header, then rows, each page handed on as text. */
export class CsvFileWriter {
  rowCount = 0;
  private pending: string[][] = [];

  constructor(
    private readonly emit: (text: string) => void,
    header: readonly string[],
  ) {
    emit(BOM + serialize([header]) + CRLF);
  }

  row(cells: string[]): void {
    this.pending.push(cells);
    if (this.pending.length >= ROWS_PER_WRITE) this.flush();
  }

  rows(rows: Iterable<string[]>): void {
    for (const cells of rows) this.row(cells);
  }

  /** Writes what is pending; the file is complete once the last rows are flushed. */
  flush(): void {
    if (this.pending.length === 0) return;
    this.emit(serialize(this.pending) + CRLF);
    this.rowCount += this.pending.length;
    this.pending = [];
  }
}

/** A single CSV file, kept as the texts written: the Blob encodes them as UTF-8 in one go at the end. */
export class CsvBlobBuilder {
  private readonly parts: string[] = [];
  readonly writer: CsvFileWriter;

  constructor(header: readonly string[]) {
    this.writer = new CsvFileWriter((text) => this.parts.push(text), header);
  }

  toBlob(): Blob {
    this.writer.flush();
    return new Blob(this.parts, { type: 'text/csv;charset=utf-8' });
  }
}

/** Several CSV files in one zip, each deflated as its rows arrive. */
export class CsvZipBuilder {
  private readonly chunks: Uint8Array[] = [];
  private readonly zip: Zip;
  private readonly encoder = new TextEncoder();
  private failure: Error | null = null;

  constructor(private readonly modifiedAt: Date) {
    this.zip = new Zip((error, data) => {
      if (error) this.failure = error;
      else this.chunks.push(data);
    });
  }

  /** Adds one file and writes it through `write`; files are written one after the other. */
  async addFile(name: string, header: readonly string[], write: (writer: CsvFileWriter) => Promise<void> | void): Promise<number> {
    const entry = new ZipDeflate(name, { level: 6 });
    entry.mtime = this.modifiedAt;
    this.zip.add(entry);
    const writer = new CsvFileWriter((text) => entry.push(this.encoder.encode(text)), header);
    await write(writer);
    writer.flush();
    entry.push(new Uint8Array(0), true);
    this.throwIfFailed();
    return writer.rowCount;
  }

  toBlob(): Blob {
    this.zip.end();
    this.throwIfFailed();
    return new Blob(this.chunks as BlobPart[], { type: 'application/zip' });
  }

  private throwIfFailed(): void {
    if (this.failure) throw codedError('export_failed', `The zip could not be written: ${this.failure.message}`);
  }
}
