/**
 * The canonical CSV formats: one record per row, lists joined with `;`, times in ISO 8601 (UTC). Import
 * and export use the same headers and the same mapping, so export → import → export gives the same file.
 * Pure: the worker parses files with PapaParse and hands rows here; the sync server can use it too.
 */
import type {
  Assignment,
  AssignmentStatus,
  Certificate,
  Community,
  CompletionRecord,
  LicenseGrant,
  LicenseState,
  Membership,
  Methodology,
  User,
  UserStatus,
} from '../roster-types.ts';
import { fixedVocabularyOf } from './value-vocabularies.ts';
import { formatList } from '../plural.ts';
import { canonicalTimeOf } from '../columns/iso-time.ts';

export const CSV_KINDS = ['users', 'communities', 'memberships', 'methodologies', 'licenses', 'assignments', 'completions', 'certificates'] as const;

export type CsvKind = (typeof CSV_KINDS)[number];

/** The fixed columns of each kind; users add one `custom.<field>` column per custom field. */
export const CSV_HEADERS: Readonly<Record<CsvKind, readonly string[]>> = {
  users: ['id', 'email', 'first_name', 'last_name', 'status', 'manager_id', 'last_login_at', 'created_at'],
  communities: ['id', 'name', 'global', 'admin_ids'],
  memberships: ['user_id', 'community_id'],
  methodologies: ['id', 'name', 'model', 'seats'],
  licenses: ['user_id', 'methodology_id', 'state'],
  assignments: ['id', 'user_id', 'content_id', 'due_at', 'status'],
  completions: ['user_id', 'course_id', 'community_id', 'completed_at'],
  certificates: ['id', 'user_id', 'course_id', 'community_id', 'issued_at'],
};

/** Columns a row of the kind cannot do without; the others may be blank. */
export const REQUIRED_COLUMNS: Readonly<Record<CsvKind, readonly string[]>> = {
  users: ['id', 'email'],
  communities: ['id', 'name'],
  memberships: ['user_id', 'community_id'],
  methodologies: ['id', 'name', 'model', 'seats'],
  licenses: ['user_id', 'methodology_id', 'state'],
  assignments: ['id', 'user_id', 'content_id'],
  completions: ['user_id', 'course_id', 'community_id', 'completed_at'],
  certificates: ['id', 'user_id', 'course_id', 'community_id'],
};

export const KIND_LABELS: Readonly<Record<CsvKind, string>> = {
  users: 'Users',
  communities: 'Communities',
  memberships: 'Community memberships',
  methodologies: 'Methodologies',
  licenses: 'Licenses',
  assignments: 'Assignments',
  completions: 'Completion records',
  certificates: 'Certificates',
};

export const CUSTOM_FIELD_PREFIX = 'custom.';
export const LIST_SEPARATOR = ';';

/** The record each kind's rows map to. Memberships carry no join time in the file: import stamps it. */
export interface CsvRecordOf {
  users: User;
  communities: Community;
  memberships: Omit<Membership, 'joinedAt'>;
  methodologies: Methodology;
  licenses: LicenseGrant;
  assignments: Assignment;
  completions: CompletionRecord;
  certificates: Certificate;
}

export type CsvRecord = CsvRecordOf[CsvKind];

/** One thing wrong with one cell (or the row, when `column` is null), in words an admin understands. */
export interface CellProblem {
  column: string | null;
  code: CellProblemCode;
  message: string;
}

export type CellProblemCode =
  | 'required'
  | 'invalid_email'
  | 'invalid_status'
  | 'invalid_state'
  | 'invalid_model'
  | 'invalid_boolean'
  | 'invalid_number'
  | 'invalid_time'
  | 'invalid_value'
  | 'ragged_row'
  | 'duplicate_id'
  | 'duplicate_email'
  | 'unknown_reference'
  | 'manager_cycle'
  | 'self_manager'
  | 'unknown_user';

export type RowMapping<K extends CsvKind> = { record: CsvRecordOf[K]; problems: [] } | { record: null; problems: CellProblem[] };

/** The header of a users file for these custom fields, in the given order. */
export function usersHeader(customFieldNames: readonly string[]): string[] {
  return [...CSV_HEADERS.users, ...customFieldNames.map((name) => CUSTOM_FIELD_PREFIX + name)];
}

export function headerOf(kind: CsvKind, customFieldNames: readonly string[] = []): string[] {
  return kind === 'users' ? usersHeader(customFieldNames) : [...CSV_HEADERS[kind]];
}

/** A header cell as compared: trimmed, lower case, spaces and dashes as underscores. */
export function normalizeHeaderCell(cell: string): string {
  const trimmed = cell.trim().replace(/^\uFEFF/, '');
  if (trimmed.toLowerCase().startsWith(CUSTOM_FIELD_PREFIX)) return CUSTOM_FIELD_PREFIX + trimmed.slice(CUSTOM_FIELD_PREFIX.length).trim();
  return trimmed.toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * The kind whose canonical header this is (any column order, case ignored), or null: a file with other
 * headers, or none at all, goes through the column-mapping step.
 */
export function detectCsvKind(header: readonly string[]): CsvKind | null {
  // A spreadsheet often saves a few empty columns after the last one used: they name nothing.
  const cells = header.map(normalizeHeaderCell).filter((c) => c !== '');
  if (new Set(cells).size !== cells.length) return null;
  if (cells.includes(CUSTOM_FIELD_PREFIX)) return null;
  const fixed = cells.filter((c) => !c.startsWith(CUSTOM_FIELD_PREFIX));
  const hasCustom = fixed.length !== cells.length;
  for (const kind of CSV_KINDS) {
    const expected = CSV_HEADERS[kind];
    if (hasCustom && kind !== 'users') continue;
    if (fixed.length === expected.length && expected.every((column) => fixed.includes(column))) return kind;
  }
  return null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function isValidEmail(value: string): boolean {
  return EMAIL.test(value);
}

/**
 * An ISO 8601 day or time as the canonical UTC string, or null when it is not one. A day means its
 * midnight UTC; a time without a zone is read as UTC, never as the device's zone (files travel).
 */
export function canonicalTime(value: string): string | null {
  const text = value.trim();
  // A time as `toISOString` writes it (every export of this app, most platforms' files) is its own
  // canonical form: checked field by field, several times faster than the expressions and Date below.
  if (canonicalTimeOf(text) !== null) return text;
  const isDay = DAY.test(text);
  if (!isDay && !DATE_TIME.test(text)) return null;
  // Date.parse rolls 2026-02-30 over to March: a day that does not exist is not a day.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  // An offset without its colon (+0200) is ISO 8601 but not the form Date.parse is required to read.
  const withColon = text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(isDay ? `${text}T00:00:00Z` : `${withColon}${hasZone ? '' : 'Z'}`);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

export function splitList(value: string): string[] {
  return value
    .split(LIST_SEPARATOR)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Reads one row (cells by canonical column) of `kind` into its record, or says every cell that is wrong. */
export function mapRow<K extends CsvKind>(kind: K, cells: Readonly<Record<string, string>>): RowMapping<K> {
  const read = readRow(kind, cells);
  return read.problems.length > 0 ? { record: null, problems: read.problems } : { record: read.record, problems: [] };
}

/**
 * Reads one row into a record as far as its cells allow (a wrong cell reads as the field's default) and
 * says every cell that is wrong: the import's check goes on with the record, so a row with no id and an
 * unknown manager is told both at once.
 */
export function readRow<K extends CsvKind>(kind: K, cells: Readonly<Record<string, string>>): { record: CsvRecordOf[K]; problems: CellProblem[] } {
  const problems: CellProblem[] = [];
  const text = (column: string) => (cells[column] ?? '').trim();
  for (const column of REQUIRED_COLUMNS[kind]) {
    if (text(column) === '') problems.push({ column, code: 'required', message: `${column} is required.` });
  }
  const time = (column: string): string | null => {
    const value = text(column);
    if (value === '') return null;
    const iso = canonicalTime(value);
    if (iso === null) {
      problems.push({ column, code: 'invalid_time', message: `${column} must be an ISO 8601 day or time (2026-03-31 or 2026-03-31T09:30:00Z), not "${value}".` });
    }
    return iso;
  };
  // Other platforms' words for these values (`Done`, `enabled`, `Enterprise`) are read as ours.
  const oneOf = <T extends string>(column: string, code: CellProblemCode, fallback: T): T => {
    const value = text(column);
    if (value === '') return fallback;
    const vocabulary = fixedVocabularyOf(kind, column)!;
    const known = vocabulary.canonical(value);
    if (known !== null) return known as T;
    problems.push({ column, code, message: `${column} must be ${formatList(vocabulary.allowed, 'or')}, not "${value}".` });
    return fallback;
  };

  let record: CsvRecord | null = null;
  switch (kind) {
    case 'users': {
      const email = text('email');
      if (email !== '' && !isValidEmail(email)) problems.push({ column: 'email', code: 'invalid_email', message: `"${email}" is not an email address.` });
      const customFields: Record<string, string> = {};
      for (const [column, value] of Object.entries(cells)) {
        if (column.startsWith(CUSTOM_FIELD_PREFIX) && value.trim() !== '') customFields[column.slice(CUSTOM_FIELD_PREFIX.length)] = value.trim();
      }
      const status = oneOf<UserStatus>('status', 'invalid_status', 'active');
      const createdAt = time('created_at');
      const user: User = {
        id: text('id'),
        email,
        firstName: text('first_name'),
        lastName: text('last_name'),
        status,
        managerId: text('manager_id') || null,
        customFields,
        lastLoginAt: time('last_login_at'),
        createdAt: createdAt ?? '',
        deactivatedAt: null,
        deactivatedBy: null,
      };
      record = user;
      break;
    }
    case 'communities': {
      const isGlobal = oneOf<'true' | 'false'>('global', 'invalid_boolean', 'false') === 'true';
      record = { id: text('id'), name: text('name'), global: isGlobal, adminIds: [...new Set(splitList(text('admin_ids')))] } satisfies Community;
      break;
    }
    case 'memberships':
      record = { userId: text('user_id'), communityId: text('community_id') };
      break;
    case 'methodologies': {
      const model = oneOf<Methodology['model']>('model', 'invalid_model', 'seat');
      const seatsText = text('seats');
      const seats = Number(seatsText);
      if (seatsText !== '' && (!/^\d+$/.test(seatsText) || !Number.isSafeInteger(seats))) {
        problems.push({ column: 'seats', code: 'invalid_number', message: `seats must be a whole number, 0 or more, not "${seatsText}".` });
      }
      record = { id: text('id'), name: text('name'), model, seats: Number.isSafeInteger(seats) ? seats : 0 } satisfies Methodology;
      break;
    }
    case 'licenses':
      record = {
        userId: text('user_id'),
        methodologyId: text('methodology_id'),
        state: oneOf<LicenseState>('state', 'invalid_state', 'reserved'),
      } satisfies LicenseGrant;
      break;
    case 'assignments':
      record = {
        id: text('id'),
        userId: text('user_id'),
        contentId: text('content_id'),
        dueAt: time('due_at'),
        status: oneOf<AssignmentStatus>('status', 'invalid_status', 'not_started'),
      } satisfies Assignment;
      break;
    case 'completions':
      record = { userId: text('user_id'), courseId: text('course_id'), communityId: text('community_id'), completedAt: time('completed_at') ?? '' } satisfies CompletionRecord;
      break;
    case 'certificates':
      record = {
        id: text('id'),
        userId: text('user_id'),
        courseId: text('course_id'),
        communityId: text('community_id'),
        issuedAt: time('issued_at') ?? '',
      } satisfies Certificate;
      break;
  }
  return { record: record as CsvRecordOf[K], problems };
}

/** The cells of one record in the order of `headerOf(kind, customFieldNames)`. */
export function recordToRow<K extends CsvKind>(kind: K, record: CsvRecordOf[K], customFieldNames: readonly string[] = []): string[] {
  switch (kind) {
    case 'users': {
      const u = record as User;
      return [u.id, u.email, u.firstName, u.lastName, u.status, u.managerId ?? '', u.lastLoginAt ?? '', u.createdAt, ...customFieldNames.map((name) => u.customFields[name] ?? '')];
    }
    case 'communities': {
      const c = record as Community;
      return [c.id, c.name, String(c.global), c.adminIds.join(LIST_SEPARATOR)];
    }
    case 'memberships': {
      const m = record as CsvRecordOf['memberships'];
      return [m.userId, m.communityId];
    }
    case 'methodologies': {
      const m = record as Methodology;
      return [m.id, m.name, m.model, String(m.seats)];
    }
    case 'licenses': {
      const l = record as LicenseGrant;
      return [l.userId, l.methodologyId, l.state];
    }
    case 'assignments': {
      const a = record as Assignment;
      return [a.id, a.userId, a.contentId, a.dueAt ?? '', a.status];
    }
    case 'completions': {
      const c = record as CompletionRecord;
      return [c.userId, c.courseId, c.communityId, c.completedAt];
    }
    case 'certificates': {
      const c = record as Certificate;
      return [c.id, c.userId, c.courseId, c.communityId, c.issuedAt];
    }
  }
  throw new Error(`Unknown CSV kind ${String(kind)}`);
}

/**
 * A cell that starts like a formula, after any apostrophes. Apostrophes count so that a value which
 * itself starts with `'=` gets one more on export and keeps its own on import: without that, the import
 * would strip an apostrophe that was part of the value.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * A cell made safe for a spreadsheet: one that starts like a formula (`=`, `+`, `-`, `@`, a tab or a
 * carriage return) gets a leading apostrophe, which Excel and LibreOffice show as text and never run.
 */
export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** The inverse of `neutralizeFormula`, applied on import so that export → import → export is stable. */
export function restoreNeutralizedCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
