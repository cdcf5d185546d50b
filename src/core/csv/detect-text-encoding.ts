/**
 * Tells how the text of a CSV file is encoded from its first bytes, or that it is not text at all.
 * Admins export rosters from Excel (UTF-16 "Unicode text", Windows-1252 "CSV" on older Windows, UTF-8
 * with a BOM as "CSV UTF-8"), from HR systems and from scripts; a file picker also lets them choose a
 * spreadsheet or an image named .csv. Pure: the worker reads the bytes and decodes with what this says.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DetectedEncoding {
  encoding: TextEncodingName;
  /** The file starts with a byte order mark, which decoding drops. */
  hasBom: boolean;
}

/** How many bytes of a file the worker hands to `detectTextEncoding`. */
export const ENCODING_SAMPLE_BYTES = 64 * 1024;

/**
 * Control characters that no text file holds (tab, line feed, form feed and carriage return are text).
 * Ctrl-Z (0x1A) stays out: old DOS tools end files with one.
 */
function isBinaryControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d && code !== 0x1a;
}

/**
 * A handful of stray control characters happen in text typed by people; a binary file has them everywhere.
 * Zero is the usual count: the allowance only keeps one odd byte from rejecting a whole roster.
 */
function hasTooManyControls(controls: number, units: number): boolean {
  return controls > Math.max(1, units / 1000);
}

/** The first bytes of a ZIP archive (an .xlsx workbook is one) and of an old Office file (.xls). */
export function isSpreadsheetFile(head: Uint8Array): boolean {
  const startsWith = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
  return startsWith(0x50, 0x4b, 0x03, 0x04) || startsWith(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1);
}

/**
 * The length of the valid UTF-8 prefix of `bytes`; `bytes.length` when they all are. A sequence cut off
 * by the end of the sample counts as valid: the sample is only the head of the file.
 */
function validUtf8Length(bytes: Uint8Array): number {
  let i = 0;
  const length = bytes.length;
  while (i < length) {
    const first = bytes[i]!;
    if (first < 0x80) {
      i += 1;
      continue;
    }
    let needed: number;
    let min: number;
    if (first >= 0xc2 && first <= 0xdf) {
      needed = 1;
      min = 0x80;
    } else if (first >= 0xe0 && first <= 0xef) {
      needed = 2;
      min = 0x800;
    } else if (first >= 0xf0 && first <= 0xf4) {
      needed = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let codePoint = first & (0x3f >> needed);
    for (let k = 1; k <= needed; k++) {
      if (i + k >= length) return length;
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points beyond Unicode are not UTF-8.
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += needed + 1;
  }
  return length;
}

/** Whether the bytes are UTF-8, a character cut off at the end allowed. */
export function isUtf8(bytes: Uint8Array): boolean {
  return validUtf8Length(bytes) === bytes.length;
}

/** Whether any byte is outside ASCII, where UTF-8 and Windows-1252 part ways. */
export function hasNonAsciiByte(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
  return false;
}

function singleByteControls(bytes: Uint8Array, from: number): number {
  let controls = 0;
  for (let i = from; i < bytes.length; i++) if (isBinaryControl(bytes[i]!)) controls++;
  return controls;
}

/** Whether the code units from `from` on look like text; a NUL character means a binary file. */
function isUtf16Text(bytes: Uint8Array, from: number, isLittleEndian: boolean): boolean {
  let controls = 0;
  let units = 0;
  for (let i = from; i + 1 < bytes.length; i += 2) {
    const unit = isLittleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
    if (unit === 0) return false;
    if (isBinaryControl(unit)) controls++;
    units++;
  }
  return !hasTooManyControls(controls, units);
}

/**
 * UTF-16 without a BOM, told by its NUL bytes: Latin text in UTF-16 has a zero high byte in nearly every
 * code unit (the odd bytes in little-endian, the even ones in big-endian) and none in the low bytes.
 */
function utf16ByNulPattern(bytes: Uint8Array): TextEncodingName | null {
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    if (i % 2 === 0) evenZeros++;
    else oddZeros++;
  }
  const units = Math.floor(bytes.length / 2);
  if (units === 0) return null;
  if (oddZeros >= units * 0.25 && evenZeros <= units * 0.02) return 'utf-16le';
  if (evenZeros >= units * 0.25 && oddZeros <= units * 0.02) return 'utf-16be';
  return null;
}

/**
 * The encoding of a file from its first bytes (`ENCODING_SAMPLE_BYTES` is plenty), or null when the
 * bytes are not text: an image, an archive or a workbook named .csv.
 * - A byte order mark decides: UTF-8, UTF-16 LE or UTF-16 BE (and the rest must then be text; a stray
 *   invalid byte after a UTF-8 BOM is decoded as U+FFFD rather than making the file Windows-1252).
 * - UTF-16 without one shows by its pattern of NUL bytes; any other NUL byte means binary.
 * - Bytes that are valid UTF-8 are UTF-8 (plain ASCII included); anything else is Windows-1252, the
 *   encoding Excel on Windows uses for "CSV" in Western Europe and the Americas.
 */
export function detectTextEncoding(head: Uint8Array): DetectedEncoding | null {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    if (head.indexOf(0) !== -1 || hasTooManyControls(singleByteControls(head, 3), head.length - 3)) return null;
    return { encoding: 'utf-8', hasBom: true };
  }
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) {
    return isUtf16Text(head, 2, true) ? { encoding: 'utf-16le', hasBom: true } : null;
  }
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) {
    return isUtf16Text(head, 2, false) ? { encoding: 'utf-16be', hasBom: true } : null;
  }
  if (isSpreadsheetFile(head)) return null;
  if (head.indexOf(0) !== -1) {
    const utf16 = utf16ByNulPattern(head);
    if (utf16 !== null && isUtf16Text(head, 0, utf16 === 'utf-16le')) return { encoding: utf16, hasBom: false };
    return null;
  }
  if (hasTooManyControls(singleByteControls(head, 0), head.length)) return null;
  return { encoding: isUtf8(head) ? 'utf-8' : 'windows-1252', hasBom: false };
}
