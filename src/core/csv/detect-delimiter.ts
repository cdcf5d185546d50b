/**
 * Tells which delimiter a CSV file uses from its first records. Excel writes semicolons wherever the
 * decimal separator is a comma (most of Europe), tabs for "Unicode text", commas elsewhere; the file
 * itself never says which. Pure: the worker hands over the decoded head of the file.
 */

export type CsvDelimiter = ',' | ';' | '\t';

/** In order of preference when the sample cannot tell them apart (a file of one column, say). */
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/** Records looked at: enough to see a pattern, few enough to stay within the head of any file. */
const SAMPLE_RECORDS = 50;

/**
 * How many times `delimiter` splits each of the first records of `sample`. A quote opens a quoted cell
 * only at the start of a cell, as in RFC 4180 and PapaParse: delimiters and line breaks inside it do not
 * count, and `5" screen` in an unquoted cell is just text. Blank lines are skipped; a last record that the
 * sample cuts off is left out, unless it is the only one.
 */
function delimiterCounts(sample: string, delimiter: CsvDelimiter): number[] {
  const counts: number[] = [];
  let count = 0;
  let hasContent = false;
  let isAtCellStart = true;
  let isInQuotes = false;
  for (let i = 0; i < sample.length && counts.length < SAMPLE_RECORDS; i++) {
    const char = sample[i];
    if (isInQuotes) {
      if (char === '"') {
        if (sample[i + 1] === '"') i++;
        else isInQuotes = false;
      }
      continue;
    }
    if (char === '\r' || char === '\n') {
      if (hasContent) counts.push(count);
      count = 0;
      hasContent = false;
      isAtCellStart = true;
      continue;
    }
    hasContent = true;
    if (char === delimiter) {
      count++;
      isAtCellStart = true;
    } else if (char === '"' && isAtCellStart) {
      isInQuotes = true;
      isAtCellStart = false;
    } else {
      isAtCellStart = false;
    }
  }
  if (hasContent && counts.length === 0) counts.push(count);
  return counts;
}

/** The count most records share (the larger on a tie), and how many records share it. */
function commonCount(counts: readonly number[]): { count: number; records: number } {
  const frequency = new Map<number, number>();
  for (const count of counts) if (count > 0) frequency.set(count, (frequency.get(count) ?? 0) + 1);
  let best = { count: 0, records: 0 };
  for (const [count, records] of frequency) {
    if (records > best.records || (records === best.records && count > best.count)) best = { count, records };
  }
  return best;
}

/**
 * The delimiter of a CSV file from its first lines of decoded text (the first 64 KiB is plenty): the one
 * that splits the most records into the same number of cells, quotes respected, then the one that splits
 * them into more cells. A semicolon file with decimal commas in some cells, or a comma file whose cells
 * hold `;`-separated lists, come out right. A comma when nothing splits (a file of one column).
 */
export function detectDelimiter(sample: string): CsvDelimiter {
  let best: { delimiter: CsvDelimiter; count: number; records: number } = { delimiter: ',', count: 0, records: 0 };
  for (const delimiter of CSV_DELIMITERS) {
    const common = commonCount(delimiterCounts(sample, delimiter));
    if (common.records > best.records || (common.records === best.records && common.count > best.count)) best = { delimiter, ...common };
  }
  return best.delimiter;
}
