/**
 * Why a chosen file cannot be read, as facts (the worker finds them while reading); the page says it in
 * words that tell the admin what to do (src/app/describe-file-problem.ts).
 */
export type FileProblemCode = 'empty_file' | 'not_text' | 'spreadsheet' | 'unreadable' | 'too_large' | 'row_too_long' | 'unclosed_quote';

export interface FileProblem {
  code: FileProblemCode;
  /** The file's name; null for a blob without one. */
  fileName: string | null;
  /** The row where reading stopped (1-based), for the problems found in a row. */
  row?: number;
  /** The file's size and the limit it passed, in bytes (too_large), or the longest row read (row_too_long). */
  size?: number;
  limit?: number;
}

/** A file an import's check could not use: unreadable, no longer chosen, or mapped in a way that cannot be used. */
export type ImportFileProblem =
  | (FileProblem & { fileName: string })
  | { code: 'not_chosen'; fileName: string }
  | { code: 'unusable_mapping'; fileName: string; reasons: string[] };
