import type { CsvDelimiter } from './detect-delimiter.ts';
import type { DetectedEncoding } from './detect-text-encoding.ts';

/** How a CSV file reads: its encoding, its delimiter and its first rows. */
export interface CsvFileSniff {
  encoding: DetectedEncoding;
  delimiter: CsvDelimiter;
  /** The first rows (header first), parsed exactly as the full read will parse them. */
  firstRows: string[][];
}
