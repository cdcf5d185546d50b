/**
 * How the columns of an imported file map to our fields. A file with a canonical header maps itself;
 * one with other headers (another platform's export), or none at all (Fuse's files have no header row),
 * goes through the mapping step, whose answer is remembered for the next file of the same shape.
 */
import type { CustomFieldDefinition } from '../roster-types.ts';
import { formatList, pluralWord } from '../plural.ts';
import { CSV_HEADERS, CSV_KINDS, CUSTOM_FIELD_PREFIX, KIND_LABELS, REQUIRED_COLUMNS, detectCsvKind, isValidEmail, normalizeHeaderCell, restoreNeutralizedCell, type CsvKind } from './csv-formats.ts';
import { normalizeValueWord, vocabularyOf, type Vocabulary } from './value-vocabularies.ts';

/**
 * What a file does: load records of a canonical kind, set custom fields on existing users (A13 "change
 * via upload"), or name users for a lifecycle action (F6 "bulk actions by file").
 */
export type ImportKind = CsvKind | 'custom_fields' | 'user_list';

export const IMPORT_KINDS: readonly ImportKind[] = [...CSV_KINDS, 'custom_fields', 'user_list'];

export const IMPORT_KIND_LABELS: Readonly<Record<ImportKind, string>> = {
  ...KIND_LABELS,
  custom_fields: 'Custom fields of existing users (change via upload)',
  user_list: 'Users to deactivate, reactivate or delete (bulk action)',
};

export interface ColumnMapping {
  kind: ImportKind;
  /** Whether the first row is a header (skipped) or already data. */
  hasHeader: boolean;
  /** By column position: the field it fills (a canonical column name, `custom.<field>`, `action`), or null to ignore it. */
  targets: (string | null)[];
  /**
   * The admin's answers for values of enumerated fields that Offboard does not know, by field: the
   * value as compared (`normalizeValueWord`) → the allowed value it means, or null to reject its rows.
   */
  values?: ValueAnswers;
}

export type ValueAnswers = Record<string, Record<string, string | null>>;

/** The fields a kind's columns can map to; users and change-via-upload add every custom field. */
export function targetsOf(kind: ImportKind, customFieldNames: readonly string[]): string[] {
  const custom = customFieldNames.map((name) => CUSTOM_FIELD_PREFIX + name);
  if (kind === 'custom_fields') return ['id', 'email', ...custom];
  if (kind === 'user_list') return ['id', 'email', 'action'];
  return kind === 'users' ? [...CSV_HEADERS.users, ...custom] : [...CSV_HEADERS[kind]];
}

/**
 * The mapping a header gives by itself, or null when it needs the mapping step: a canonical header, a
 * key column with custom fields only (A13), or a key column with an optional `action` column (F6).
 */
export function mappingFromHeader(header: readonly string[]): ColumnMapping | null {
  // Empty header cells (columns a spreadsheet saved past the last one used) are ignored, not fields.
  const targets = header.map((cell) => normalizeHeaderCell(cell) || null);
  const cells = targets.filter((c): c is string => c !== null);
  const kind = detectCsvKind(header);
  if (kind) return { kind, hasHeader: true, targets };
  if (new Set(cells).size !== cells.length) return null;
  const keys = cells.filter((c) => c === 'id' || c === 'email');
  if (keys.length === 0) return null;
  const others = cells.filter((c) => c !== 'id' && c !== 'email');
  if (others.length > 0 && others.every((c) => c.startsWith(CUSTOM_FIELD_PREFIX) && c.length > CUSTOM_FIELD_PREFIX.length)) {
    return { kind: 'custom_fields', hasHeader: true, targets };
  }
  if (others.every((c) => c === 'action')) return { kind: 'user_list', hasHeader: true, targets };
  return null;
}

/** A column name the header gives more than once, with its 1-based positions. */
export interface DuplicateColumn {
  name: string;
  positions: number[];
}

/**
 * Header cells that name the same column (case, spacing and dashes ignored): a file with two `email`
 * columns cannot say which one is the user's email, so the admin is told before any mapping.
 */
export function duplicateColumns(header: readonly string[]): DuplicateColumn[] {
  const positions = new Map<string, { name: string; positions: number[] }>();
  header.forEach((cell, index) => {
    const key = normalizeHeaderCell(cell);
    if (key === '') return;
    const entry = positions.get(key);
    if (entry) entry.positions.push(index + 1);
    else positions.set(key, { name: cell.trim(), positions: [index + 1] });
  });
  return [...positions.values()].filter((entry) => entry.positions.length > 1);
}

/** Other platforms' names for our columns (normalized as `normalizeHeaderCell` does). */
const HEADER_ALIASES: Readonly<Record<string, string>> = {
  user_id: 'id',
  userid: 'id',
  employee_id: 'id',
  login: 'id',
  username: 'id',
  e_mail: 'email',
  email_address: 'email',
  mail: 'email',
  firstname: 'first_name',
  first: 'first_name',
  given_name: 'first_name',
  lastname: 'last_name',
  last: 'last_name',
  surname: 'last_name',
  family_name: 'last_name',
  manager: 'manager_id',
  managerid: 'manager_id',
  manager_user_id: 'manager_id',
  active: 'status',
  state: 'status',
  last_login: 'last_login_at',
  last_sign_in: 'last_login_at',
  created: 'created_at',
  creation_date: 'created_at',
  operation: 'action',
};

/** The aliases and our own names without separators, so "E-mail Address" and "FirstName" are recognised. */
function compactName(normalized: string): string {
  return normalized.replace(/_/g, '');
}

/** The field a header cell names, by our own names, other platforms' names and the custom fields. */
function fieldNamedBy(customFieldNames: readonly string[]): (cell: string) => string | null {
  const byCompactName = new Map<string, string>();
  // Another platform's "Department" column is our custom field `department`, if the organization has
  // one; our own columns and their aliases come after, so they win over a custom field of the same name.
  for (const name of customFieldNames) byCompactName.set(compactName(normalizeHeaderCell(name)), CUSTOM_FIELD_PREFIX + name);
  for (const name of [...CSV_KINDS.flatMap((k) => CSV_HEADERS[k]), 'action']) byCompactName.set(compactName(name), name);
  for (const [alias, target] of Object.entries(HEADER_ALIASES)) byCompactName.set(compactName(alias), target);
  return (cell) => {
    const normalized = normalizeHeaderCell(cell);
    if (normalized.startsWith(CUSTOM_FIELD_PREFIX)) return normalized.length > CUSTOM_FIELD_PREFIX.length ? normalized : null;
    return byCompactName.get(compactName(normalized)) ?? null;
  };
}

/**
 * Why a file needs the mapping step, in the admin's words: a header naming a column twice, no header at
 * all, columns Offboard does not know by name, or columns it knows that make no one kind of file.
 */
export function whyMappingIsNeeded(header: readonly string[], hasHeader: boolean, customFieldNames: readonly string[]): string {
  if (!hasHeader) return 'This file has no header row: say which field each column fills.';
  if (duplicateColumns(header).length > 0) return 'Choose which of the columns with the same name fills the field; the other is not imported.';
  const named = fieldNamedBy(customFieldNames);
  const unknown = header.map((cell) => cell.trim()).filter((cell) => cell !== '' && named(cell) === null);
  if (unknown.length > 0) {
    const isOne = unknown.length === 1;
    const list = formatList(unknown.map((cell) => `“${cell}”`));
    return `Offboard does not know the ${pluralWord(unknown.length, 'column')} ${list}: say which field ${isOne ? 'it fills' : 'each one fills'}, or ignore ${isOne ? 'it' : 'them'}.`;
  }
  return 'Offboard knows these columns but not what kind of file they make together: say what the file holds.';
}

/**
 * A first guess for a file that did not map itself: header cells by name and alias, and for a file
 * without a header, a column of emails as `email` and the column before it as `id`. The admin reviews
 * the guess in the mapping step before anything is read.
 */
export function guessMapping(firstRows: readonly (readonly string[])[], customFieldNames: readonly string[]): ColumnMapping {
  const first = firstRows[0] ?? [];
  const width = Math.max(0, ...firstRows.map((row) => row.length));
  const byName = first.map(fieldNamedBy(customFieldNames));
  // A column of emails; a few blank cells (users named by id only) do not make it something else.
  const isEmailColumn = (column: number, rows: readonly (readonly string[])[]) => {
    const values = rows.map((row) => (row[column] ?? '').trim()).filter((value) => value !== '');
    return values.length > 0 && values.every(isValidEmail);
  };
  // No header names an email address: a first row holding one is already data, whatever its other cells say.
  const isFirstRowData = first.some((cell) => isValidEmail(cell.trim()));
  const hasHeader =
    !isFirstRowData &&
    (byName.some((t) => t !== null) || (first.length > 0 && firstRows.length > 1 && Array.from({ length: width }, (_, c) => c).some((c) => isEmailColumn(c, firstRows.slice(1)))));

  let targets: (string | null)[];
  if (hasHeader && byName.some((t) => t !== null)) {
    const seen = new Set<string>();
    targets = byName.map((t) => (t && !seen.has(t) ? (seen.add(t), t) : null));
  } else {
    const data = hasHeader ? firstRows.slice(1) : firstRows;
    targets = new Array<string | null>(width).fill(null);
    const emailColumn = Array.from({ length: width }, (_, c) => c).find((c) => isEmailColumn(c, data));
    if (emailColumn !== undefined) {
      targets[emailColumn] = 'email';
      if (emailColumn > 0) targets[emailColumn - 1] = 'id';
      // Fuse's user files: id, email, first name, last name.
      if (width >= emailColumn + 3) {
        targets[emailColumn + 1] = 'first_name';
        targets[emailColumn + 2] = 'last_name';
      }
    } else if (width >= 1) {
      targets[0] = 'id';
    }
  }
  return { kind: guessKind(targets), hasHeader, targets };
}

function guessKind(targets: readonly (string | null)[]): ImportKind {
  const mapped = targets.filter((t): t is string => t !== null);
  const userColumns = new Set(CSV_HEADERS.users.filter((c) => c !== 'id' && c !== 'email'));
  if (mapped.some((t) => userColumns.has(t))) return 'users';
  if (mapped.some((t) => t.startsWith(CUSTOM_FIELD_PREFIX))) return 'custom_fields';
  for (const kind of CSV_KINDS) {
    if (kind !== 'users' && REQUIRED_COLUMNS[kind].every((c) => mapped.includes(c)) && mapped.every((t) => CSV_HEADERS[kind].includes(t))) return kind;
  }
  return 'user_list';
}

/**
 * The shape a remembered mapping is filed under: the normalized header, or for a file without one the
 * number of columns. The next file of the same shape gets the same mapping without asking again.
 */
export function shapeKeyOf(firstRow: readonly string[], hasHeader: boolean): string {
  return hasHeader ? `header:${firstRow.map(normalizeHeaderCell).join('\u0001')}` : `columns:${firstRow.length}`;
}

/** One column of a file as a mapping reads it: its 1-based position, its heading, and the field it fills. */
export interface MappedColumn {
  position: number;
  /** The header cell, or `Column N` for a file without a header (or a blank header cell). */
  heading: string;
  target: string | null;
}

/** Every column of the file and what the mapping does with it, to show before the mapping is used. */
export function mappedColumns(mapping: ColumnMapping, firstRow: readonly string[]): MappedColumn[] {
  const width = Math.max(mapping.targets.length, firstRow.length);
  return Array.from({ length: width }, (_, index) => {
    const cell = mapping.hasHeader ? (firstRow[index] ?? '').trim() : '';
    return { position: index + 1, heading: cell || `Column ${index + 1}`, target: mapping.targets[index] ?? null };
  });
}

/**
 * The columns whose values a mapping leaves out, so the admin is told: every ignored column that has a
 * name (a blank header cell is what a spreadsheet saves past the last column) or, without a header, any.
 */
export function ignoredColumns(mapping: ColumnMapping, firstRow: readonly string[]): MappedColumn[] {
  return mappedColumns(mapping, firstRow).filter((column, index) => column.target === null && (!mapping.hasHeader || (firstRow[index] ?? '').trim() !== ''));
}

/** What stops a mapping from being used, in words; empty when it can be. */
export function mappingProblems(mapping: ColumnMapping): string[] {
  const problems: string[] = [];
  const mapped = mapping.targets.filter((t): t is string => t !== null);
  const twice = [...new Set(mapped.filter((t, i) => mapped.indexOf(t) !== i))];
  for (const target of twice) problems.push(`More than one column is mapped to ${target}: keep one.`);
  // A column mapped to a field the kind does not have would be read and then silently dropped.
  const takesCustomFields = mapping.kind === 'users' || mapping.kind === 'custom_fields';
  const fixed = targetsOf(mapping.kind, []);
  for (const target of new Set(mapped)) {
    const isCustom = target.startsWith(CUSTOM_FIELD_PREFIX) && target.length > CUSTOM_FIELD_PREFIX.length;
    if (!fixed.includes(target) && !(isCustom && takesCustomFields)) problems.push(`${IMPORT_KIND_LABELS[mapping.kind]} have no field ${target}: map that column to another field, or ignore it.`);
  }
  if (mapping.kind === 'custom_fields' || mapping.kind === 'user_list') {
    if (!mapped.includes('id') && !mapped.includes('email')) problems.push('Map a column to id or to email: it says which user each row is about.');
    if (mapping.kind === 'custom_fields' && !mapped.some((t) => t.startsWith(CUSTOM_FIELD_PREFIX))) problems.push('Map at least one column to a custom field.');
  } else {
    for (const column of REQUIRED_COLUMNS[mapping.kind]) if (!mapped.includes(column)) problems.push(`Map a column to ${column}: every row needs one.`);
  }
  return problems;
}

/**
 * The cells of one row by field, as the mapping says. Cells a spreadsheet export neutralized against
 * formulas (`'=…`) are restored, so that our own exports import back to the same values.
 */
export function mapCells(mapping: ColumnMapping, row: readonly string[]): Record<string, string> {
  const cells: Record<string, string> = {};
  mapping.targets.forEach((target, column) => {
    if (target !== null) cells[target] = restoreNeutralizedCell(row[column] ?? '');
  });
  return cells;
}

/**
 * Reads the enumerated fields of mapped cells into Offboard's own values, in place: the admin's answer
 * for the value first, then the known words (`value-vocabularies.ts`). A value neither knows stays as
 * it is, for the row's check to reject, and is reported to `onUnknown` (the value mapping step lists it).
 */
export type ValueTranslator = (cells: Record<string, string>, onUnknown?: (target: string, cell: string) => void) => void;

export function valueTranslatorOf(mapping: ColumnMapping, customFields: readonly CustomFieldDefinition[]): ValueTranslator {
  const enumerated: [string, Vocabulary, Record<string, string | null>][] = [];
  for (const target of new Set(mapping.targets)) {
    if (target === null) continue;
    const vocabulary = vocabularyOf(mapping.kind, target, customFields);
    if (vocabulary) enumerated.push([target, vocabulary, mapping.values?.[target] ?? {}]);
  }
  return (cells, onUnknown) => {
    for (const [target, vocabulary, answers] of enumerated) {
      const cell = cells[target];
      if (cell === undefined || cell.trim() === '') continue;
      const known = vocabulary.canonical(cell);
      if (known !== null) {
        cells[target] = known;
        continue;
      }
      const answer = answers[normalizeValueWord(cell)];
      if (typeof answer === 'string') cells[target] = answer;
      else onUnknown?.(target, cell);
    }
  };
}

/** Whether a row's cell count differs from the header's (a missing delimiter, an unquoted comma). */
export function isRaggedRow(mapping: ColumnMapping, row: readonly string[]): boolean {
  if (row.length < mapping.targets.length) return true;
  // Empty cells past the last column are what a spreadsheet saves after a wider row elsewhere: harmless.
  for (let column = mapping.targets.length; column < row.length; column++) if (row[column]!.trim() !== '') return true;
  return false;
}
