/**
 * Users of a block's head written straight into the worker's columns (`UserTable`), without making each
 * one an object first: opening the app reads every head, and decoding 1,000,000 users into objects only
 * to take them apart again cost more than reading them. A head's strings are translated to the table's
 * pools once per head, not once per user, and timestamps go across as milliseconds.
 *
 * Users are written as `encodeHead` lays them out. A head laid out otherwise (a field of mixed types, say)
 * goes through the object path whole, and so does a user this path does not cover (a license released
 * from an ELA, a value where none is expected): the result is the same, only slower.
 */
import { COUNT_NAMES, TOKEN_KINDS, type TimeColumn, type UserTable } from '../user-table.ts';
import { ABSENT, MARK_ABSENT, MARK_NULL, NULL, type CodeArray, type Column, type RecordColumns, type StartArray } from './record-columns.ts';
import { userAt, type BlockHead } from './user-block.ts';

type StringColumn = Extract<Column, { type: 'string' }>;
type NumberColumn = Extract<Column, { type: 'number' }>;

function fieldOf(columns: RecordColumns, name: string): Column | undefined {
  const at = columns.fields.indexOf(name);
  return at < 0 ? undefined : columns.columns[at];
}

function stringField(columns: RecordColumns, name: string): StringColumn | null {
  const column = fieldOf(columns, name);
  return column?.type === 'string' ? column : null;
}

/** A timestamp field: a time column, or a string column where some value is not a canonical timestamp (or all are null). */
function timeField(columns: RecordColumns, name: string): Column | null {
  const column = fieldOf(columns, name);
  return column?.type === 'time' || column?.type === 'string' ? column : null;
}

function numberFields(columns: RecordColumns, names: readonly string[]): NumberColumn[] | null {
  const found: NumberColumn[] = [];
  for (const name of names) {
    const column = fieldOf(columns, name);
    if (column?.type !== 'number') return null;
    found.push(column);
  }
  return found;
}

/** Whether a timestamp field's value at `row` is a time or null (not absent, not undefined). */
function isTimeOrNull(column: Column, row: number): boolean {
  if (column.type === 'time') {
    const mark = column.marks?.[row] ?? 0;
    return mark === 0 || mark === MARK_NULL;
  }
  const code = (column as StringColumn).values[row]!;
  return code >= 0 || code === NULL;
}

function writeTime(target: TimeColumn, column: Column, row: number, at: number, strings: readonly string[]): void {
  if (column.type === 'time') {
    target.setMs(at, (column.marks?.[row] ?? 0) === 0 ? column.values[row]! : NaN);
  } else {
    const code = (column as StringColumn).values[row]!;
    target.set(at, code === NULL ? null : strings[code]!);
  }
}

/** The columns of a head, found once per head. */
interface HeadLayout {
  id: StringColumn;
  email: StringColumn;
  firstName: StringColumn;
  lastName: StringColumn;
  status: StringColumn;
  managerId: StringColumn;
  deactivatedBy: StringColumn;
  lastLoginAt: Column;
  createdAt: Column;
  deactivatedAt: Column;
  revision: NumberColumn | null;
  customFields: { names: string[]; columns: StringColumn[] };
  communities: { start: StartArray; items: CodeArray };
  licenses: { start: StartArray; methodologyId: CodeArray; state: CodeArray; released: Column | null };
  counts: NumberColumn[];
  tokens: NumberColumn[];
  hasRetainedHistory: Extract<Column, { type: 'boolean' }>;
  lastActivityAt: Column;
}

function layoutOf(users: RecordColumns): HeadLayout | null {
  const id = stringField(users, 'id');
  const email = stringField(users, 'email');
  const firstName = stringField(users, 'firstName');
  const lastName = stringField(users, 'lastName');
  const status = stringField(users, 'status');
  const managerId = stringField(users, 'managerId');
  const deactivatedBy = stringField(users, 'deactivatedBy');
  const lastLoginAt = timeField(users, 'lastLoginAt');
  const createdAt = timeField(users, 'createdAt');
  const deactivatedAt = timeField(users, 'deactivatedAt');
  if (!id || !email || !firstName || !lastName || !status || !managerId || !deactivatedBy || !lastLoginAt || !createdAt || !deactivatedAt) return null;
  const revisionColumn = fieldOf(users, 'revision');
  if (revisionColumn && revisionColumn.type !== 'number') return null;

  const fields = fieldOf(users, 'customFields');
  if (fields?.type !== 'object' || fields.marks) return null;
  if (!fields.fields.columns.every((c) => c.type === 'string')) return null;

  const communities = fieldOf(users, 'communityIds');
  if (communities?.type !== 'list' || communities.marks || communities.items.type !== 'string') return null;

  const licenses = fieldOf(users, 'licenses');
  if (licenses?.type !== 'list' || licenses.marks) return null;
  let licenseColumns: HeadLayout['licenses'];
  if (licenses.items.type === 'object' && !licenses.items.marks) {
    const methodologyId = stringField(licenses.items.fields, 'methodologyId');
    const state = stringField(licenses.items.fields, 'state');
    if (!methodologyId || !state) return null;
    licenseColumns = { start: licenses.start, methodologyId: methodologyId.values, state: state.values, released: fieldOf(licenses.items.fields, 'releasedFromElaAt') ?? null };
  } else if (licenses.items.type === 'string' && licenses.items.values.length === 0) {
    // Nobody in the block holds a license.
    licenseColumns = { start: licenses.start, methodologyId: new Int32Array(0), state: new Int32Array(0), released: null };
  } else {
    return null;
  }

  const countsColumn = fieldOf(users, 'counts');
  if (countsColumn?.type !== 'object' || countsColumn.marks) return null;
  const counts = numberFields(countsColumn.fields, COUNT_NAMES);
  const tokensColumn = fieldOf(countsColumn.fields, 'tokens');
  if (!counts || tokensColumn?.type !== 'object' || tokensColumn.marks) return null;
  const tokens = numberFields(tokensColumn.fields, TOKEN_KINDS);
  const hasRetainedHistory = fieldOf(countsColumn.fields, 'hasRetainedHistory');
  const lastActivityAt = timeField(countsColumn.fields, 'lastActivityAt');
  if (!tokens || hasRetainedHistory?.type !== 'boolean' || !lastActivityAt) return null;

  return {
    id,
    email,
    firstName,
    lastName,
    status,
    managerId,
    deactivatedBy,
    lastLoginAt,
    createdAt,
    deactivatedAt,
    revision: revisionColumn ?? null,
    customFields: { names: fields.fields.fields, columns: fields.fields.columns as StringColumn[] },
    communities: { start: communities.start, items: communities.items.values },
    licenses: licenseColumns,
    counts,
    tokens,
    hasRetainedHistory,
    lastActivityAt,
  };
}

/** Whether the user at `row` is one this path writes exactly (else the object path does). */
function fits(layout: HeadLayout, row: number): boolean {
  const { id, email, firstName, lastName, status, managerId, deactivatedBy } = layout;
  if (id.values[row]! < 0 || email.values[row]! < 0 || firstName.values[row]! < 0 || lastName.values[row]! < 0 || status.values[row]! < 0) return false;
  const manager = managerId.values[row]!;
  const deactivator = deactivatedBy.values[row]!;
  if ((manager < 0 && manager !== NULL) || (deactivator < 0 && deactivator !== NULL)) return false;
  if (!isTimeOrNull(layout.lastLoginAt, row) || !isTimeOrNull(layout.deactivatedAt, row) || !isTimeOrNull(layout.lastActivityAt, row)) return false;
  if (layout.createdAt.type === 'time' ? (layout.createdAt.marks?.[row] ?? 0) !== 0 : (layout.createdAt as StringColumn).values[row]! < 0) return false;
  const revisionMark = layout.revision?.marks?.[row] ?? 0;
  if (revisionMark !== 0 && revisionMark !== MARK_ABSENT) return false;
  for (const column of layout.customFields.columns) {
    const code = column.values[row]!;
    if (code < 0 && code !== ABSENT) return false;
  }
  const { communities, licenses } = layout;
  for (let i = communities.start[row]!; i < communities.start[row + 1]!; i++) if (communities.items[i]! < 0) return false;
  for (let i = licenses.start[row]!; i < licenses.start[row + 1]!; i++) {
    if (licenses.methodologyId[i]! < 0 || licenses.state[i]! < 0) return false;
    // A license with an ELA release on record (or null written there) is kept whole: the object path.
    const released = licenses.released;
    if (released && !(released.type === 'string' ? released.values[i] === ABSENT : released.type === 'time' && released.marks?.[i] === MARK_ABSENT)) return false;
  }
  for (const column of layout.counts) if ((column.marks?.[row] ?? 0) !== 0) return false;
  for (const column of layout.tokens) if ((column.marks?.[row] ?? 0) !== 0) return false;
  return layout.hasRetainedHistory.values[row]! <= 1;
}

/** Pool numbers of a head's strings, worked out the first time each is met. */
function translator(strings: readonly string[], intern: (value: string) => number): (code: number) => number {
  const numbers = new Int32Array(strings.length).fill(-1);
  return (code) => {
    let number = numbers[code]!;
    if (number < 0) numbers[code] = number = intern(strings[code]!);
    return number;
  };
}

/** Adds the users at `rows` of `head` (ascending) to `table` as new rows. */
export function addHeadRows(table: UserTable, head: BlockHead, rows: readonly number[]): void {
  const layout = layoutOf(head.users);
  if (!layout) {
    for (const row of rows) table.add(userAt(head, row));
    return;
  }
  const { strings } = head;
  const name = translator(strings, (value) => table.name(value));
  const userRef = translator(strings, (value) => table.userRefs.intern(value));
  const fieldValue = translator(strings, (value) => table.fieldValues.intern(value));
  const community = translator(strings, (value) => table.communityIds.intern(value));
  const methodology = translator(strings, (value) => table.methodologyIds.intern(value));
  const fieldNumbers = layout.customFields.names.map((fieldName) => {
    table.fieldColumn(fieldName);
    return table.fieldNumberOf(fieldName);
  });
  const isConsumed = new Int8Array(strings.length).fill(-1);
  const scratch: number[] = [];
  for (const row of rows) {
    if (!fits(layout, row)) {
      table.add(userAt(head, row));
      continue;
    }
    const at = table.newRow(strings[layout.id.values[row]!]!, strings[layout.email.values[row]!]!);
    table.firstName[at] = name(layout.firstName.values[row]!);
    table.lastName[at] = name(layout.lastName.values[row]!);
    table.status[at] = strings[layout.status.values[row]!] === 'active' ? 0 : 1;
    const manager = layout.managerId.values[row]!;
    table.manager[at] = manager === NULL ? -1 : userRef(manager);
    const deactivator = layout.deactivatedBy.values[row]!;
    table.deactivatedBy[at] = deactivator === NULL ? -1 : userRef(deactivator);
    writeTime(table.lastLoginAt, layout.lastLoginAt, row, at, strings);
    writeTime(table.createdAt, layout.createdAt, row, at, strings);
    writeTime(table.deactivatedAt, layout.deactivatedAt, row, at, strings);
    const revision = layout.revision;
    table.revision[at] = revision && (revision.marks?.[row] ?? 0) === 0 ? revision.values[row]! : NaN;
    // The table's field columns may have been made anew (grown) by `newRow`: taken from it per user.
    for (let f = 0; f < fieldNumbers.length; f++) {
      const code = layout.customFields.columns[f]!.values[row]!;
      if (code >= 0) table.fieldColumns[fieldNumbers[f]!]![at] = fieldValue(code);
    }
    const { communities, licenses } = layout;
    scratch.length = 0;
    for (let i = communities.start[row]!; i < communities.start[row + 1]!; i++) scratch.push(community(communities.items[i]!));
    table.communities.set(at, scratch);
    scratch.length = 0;
    for (let i = licenses.start[row]!; i < licenses.start[row + 1]!; i++) {
      const state = licenses.state[i]!;
      if (isConsumed[state] === -1) isConsumed[state] = strings[state] === 'consumed' ? 1 : 0;
      scratch.push(methodology(licenses.methodologyId[i]!) * 2 + isConsumed[state]!);
    }
    table.licenses.set(at, scratch);
    for (let k = 0; k < layout.counts.length; k++) table.setCount(at, k, layout.counts[k]!.values[row]!);
    for (let k = 0; k < layout.tokens.length; k++) table.setCount(at, layout.counts.length + k, layout.tokens[k]!.values[row]!);
    table.setRetainedHistory(at, layout.hasRetainedHistory.values[row] === 1);
    writeTime(table.lastActivityAt, layout.lastActivityAt, row, at, strings);
  }
}
