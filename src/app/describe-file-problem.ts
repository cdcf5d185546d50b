/** A file the import cannot read, in words an admin understands, saying what to do. */
import type { FileProblem, ImportFileProblem } from '../core/csv/file-problem.ts';
import { formatBytes } from '../core/format-bytes.ts';

/** Why a file of a checked import was left out. */
export function describeImportProblem(problem: ImportFileProblem): string {
  if (problem.code === 'not_chosen') return 'This file is no longer chosen: choose it again.';
  if (problem.code === 'unusable_mapping') return problem.reasons.join(' ');
  return describeFileProblem(problem);
}

export function describeFileProblem(problem: FileProblem): string {
  const name = problem.fileName === null ? 'The file' : `"${problem.fileName}"`;
  const inSentence = problem.fileName === null ? 'the file' : name;
  const fixRow = 'Check that row in a text editor (a quote inside a cell is written twice: ""), save the file and choose it again.';
  switch (problem.code) {
    case 'empty_file':
      return `${name} is empty: it holds no rows at all. Check that you chose the right file, or export it again.`;
    case 'not_text':
      return `${name} is not a CSV file: it holds binary data (an image, an archive or another program's own format), not text. Choose the CSV file itself, or open the data in its program and save it as CSV.`;
    case 'spreadsheet':
      return `${name} is an Excel workbook, not a CSV file. Open it in Excel, choose File → Save As → "CSV UTF-8 (Comma delimited)", and choose the saved file.`;
    case 'unreadable':
      return `${name} could not be read. It may have been moved, changed or deleted since you chose it. Choose the file again.`;
    case 'too_large':
      return `${name} is ${formatBytes(problem.size)}; the largest file Offboard reads is ${formatBytes(problem.limit)}. Split it into smaller files and import them one after the other.`;
    case 'row_too_long':
      return `Row ${problem.row} of ${inSentence} runs on for more than ${formatBytes(problem.limit)}, so a quote (") opened in it most likely never closes. ${fixRow}`;
    case 'unclosed_quote':
      return `Row ${problem.row} of ${inSentence} opens a quote (") that never closes, so everything after it was read as one cell. ${fixRow}`;
  }
}
