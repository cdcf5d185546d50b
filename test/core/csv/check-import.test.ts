import { describe, expect, it } from 'vitest';
import {
  FileChecker,
  IMPORT_ORDER,
  ImportedKeys,
  REJECTED_SAMPLE_SIZE,
  UNKNOWN_VALUES_LISTED,
  customFieldChanges,
  mergeUserFields,
  type FileCheck,
  type ImportRosterView,
} from '../../../src/core/csv/check-import.ts';
import { mappingFromHeader, type ColumnMapping } from '../../../src/core/csv/column-mapping.ts';
import { CSV_HEADERS, headerOf, mapRow, recordToRow } from '../../../src/core/csv/csv-formats.ts';
import type { Community, CustomFieldDefinition, LicenseGrant, Methodology, User } from '../../../src/core/roster-types.ts';

function user(id: string, managerId: string | null, extra: Partial<User> = {}): User {
  return {
    id,
    email: `${id}@example.com`,
    firstName: `First ${id}`,
    lastName: `Last ${id}`,
    status: 'active',
    managerId,
    customFields: {},
    lastLoginAt: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    deactivatedAt: null,
    deactivatedBy: null,
    ...extra,
  };
}

interface RosterParts {
  users?: User[];
  customFields?: CustomFieldDefinition[];
  methodologies?: Methodology[];
  communities?: Community[];
  memberships?: [userId: string, communityId: string][];
  licenses?: LicenseGrant[];
}

/** An in-memory roster answering as the worker's index does (emails compared case-insensitively). */
function rosterView(parts: RosterParts): ImportRosterView {
  const users = new Map((parts.users ?? []).map((u) => [u.id, u]));
  const byEmail = new Map((parts.users ?? []).map((u) => [u.email.toLowerCase(), u.id]));
  const licenses = parts.licenses ?? [];
  return {
    userById: (id) => users.get(id),
    userIdByEmail: (email) => byEmail.get(email.toLowerCase()),
    customFields: parts.customFields ?? [],
    methodologies: parts.methodologies ?? [],
    communities: parts.communities ?? [],
    communityIdsOf: (userId) => (parts.memberships ?? []).filter(([u]) => u === userId).map(([, c]) => c),
    licensesOf: (userId) => licenses.filter((l) => l.userId === userId),
    grantedLicenseCount: (methodologyId) => licenses.filter((l) => l.methodologyId === methodologyId).length,
  };
}

const CUSTOM_FIELDS: CustomFieldDefinition[] = [
  { name: 'region', label: 'Region', allowedValues: ['EMEA', 'APAC', 'AMER'] },
  { name: 'offboard', label: 'Offboard', allowedValues: [] },
];

/** boss ← u2 ← u3 (inactive), boss ← u4: the roster most tests start from. */
function standardRoster(): ImportRosterView {
  return rosterView({
    users: [
      user('boss', null),
      user('u2', 'boss', { customFields: { region: 'EMEA', offboard: 'wave-1' } }),
      user('u3', 'u2', { status: 'inactive', deactivatedAt: '2026-01-01T00:00:00.000Z', deactivatedBy: 'boss' }),
      user('u4', 'boss', { email: 'Ann.Lee@Example.com' }),
    ],
    customFields: CUSTOM_FIELDS,
    methodologies: [
      { id: 'm-seat', name: 'Agile', model: 'seat', seats: 3 },
      { id: 'm-ela', name: 'Lean', model: 'ela', seats: 1 },
    ],
    communities: [
      { id: 'c-all', name: 'Everyone', global: true, adminIds: ['boss'] },
      { id: 'c-sales', name: 'Sales', global: false, adminIds: ['u2', 'boss'] },
    ],
    memberships: [['u2', 'c-all']],
    licenses: [
      { userId: 'u2', methodologyId: 'm-seat', state: 'reserved' },
      { userId: 'u3', methodologyId: 'm-seat', state: 'consumed' },
    ],
  });
}

const USERS_HEADER = headerOf('users', ['region']);

/** A users row in `USERS_HEADER` order. */
function userRow(cells: Partial<Record<(typeof CSV_HEADERS.users)[number] | 'custom.region', string>> & { id: string }): string[] {
  const defaults: Record<string, string> = { email: `${cells.id}@example.com`, first_name: `First ${cells.id}`, last_name: `Last ${cells.id}`, status: 'active', created_at: '2025-01-01' };
  return USERS_HEADER.map((column) => (cells as Record<string, string>)[column] ?? defaults[column] ?? '');
}

/** The row a roster user exports to. */
function exportedRow(u: User): string[] {
  return recordToRow('users', u, ['region']);
}

function mappingOf(header: readonly string[]): ColumnMapping {
  const mapping = mappingFromHeader(header);
  if (!mapping) throw new Error(`no mapping for ${header.join(',')}`);
  return mapping;
}

/** Checks a file whose first row is its header; data rows are lines 2, 3… */
function checkFile(header: readonly string[], rows: readonly (readonly string[])[], roster = standardRoster(), sameImport = new ImportedKeys()): { check: FileCheck; checker: FileChecker } {
  const checker = new FileChecker('file.csv', mappingOf(header), roster, sameImport);
  rows.forEach((row, i) => checker.addRow(i + 2, row));
  return { check: checker.finish(), checker };
}

function checkUsers(rows: readonly (readonly string[])[], roster = standardRoster(), sameImport = new ImportedKeys()) {
  return checkFile(USERS_HEADER, rows, roster, sameImport);
}

function codesOf(checker: FileChecker, row: number): string[] {
  return (checker.problemsOf(row) ?? []).map((p) => p.code);
}

describe('FileChecker: users files', () => {
  it('counts rows created, updated, unchanged and rejected', () => {
    const roster = standardRoster();
    const { check, checker } = checkUsers(
      [
        exportedRow(roster.userById('boss')!),
        exportedRow({ ...roster.userById('u2')!, firstName: 'Renamed' }),
        userRow({ id: 'new1', manager_id: 'boss' }),
        userRow({ id: 'new2', email: 'not an email' }),
        exportedRow(roster.userById('u4')!),
      ],
      roster,
    );
    expect(check).toMatchObject({ fileName: 'file.csv', kind: 'users', rowCount: 5, counts: { created: 1, updated: 1, unchanged: 2, rejected: 1 } });
    expect(codesOf(checker, 5)).toEqual(['invalid_email']);
    expect(checker.size).toBe(1);
    expect(checker.problemsOf(2)).toBeUndefined();
  });

  it('rejects a later row with the id of an earlier one, naming it', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1' }), userRow({ id: 'n2' }), userRow({ id: 'n1', email: 'other@example.com' })]);
    expect(check.counts).toMatchObject({ created: 2, rejected: 1 });
    expect(checker.problemsOf(4)).toEqual([{ column: 'id', code: 'duplicate_id', message: 'Row 2 has the same id, n1 (ignoring case).' }]);
  });

  it('treats ids that differ only in case as the same id, in the file and against the roster', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1' }), userRow({ id: 'N1', email: 'other@example.com' })]);
    expect(check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(checker.problemsOf(3)?.[0]).toMatchObject({ column: 'id', code: 'duplicate_id' });
  });

  it('rejects a later row whose email differs from an earlier one only in case, naming it', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1', email: 'zoe@example.com' }), userRow({ id: 'n2', email: 'Zoe@Example.COM' })]);
    expect(check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(checker.problemsOf(3)).toEqual([{ column: 'email', code: 'duplicate_email', message: 'Row 2 has the same email (ignoring case).' }]);
  });

  it('rejects an email another user of the roster holds, in any case, and accepts a user’s own', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1', email: 'ann.lee@example.com' }), userRow({ id: 'u4', email: 'ANN.LEE@example.com', manager_id: 'boss' })]);
    expect(checker.problemsOf(2)).toEqual([{ column: 'email', code: 'duplicate_email', message: 'ann.lee@example.com belongs to user u4 on this roster.' }]);
    // The rejected row does not claim the email: u4's own row is no duplicate of it.
    expect(checker.problemsOf(3)).toBeUndefined();
    expect(check.counts).toMatchObject({ updated: 1, rejected: 1 });
  });

  it('rejects an unknown manager', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1', manager_id: 'ghost' })]);
    expect(check.counts).toMatchObject({ created: 0, rejected: 1 });
    expect(checker.problemsOf(2)).toEqual([{ column: 'manager_id', code: 'unknown_reference', message: 'No user ghost on this roster or in this file to be the manager.' }]);
    expect(check.rejectedSample).toHaveLength(1);
  });

  it('accepts a manager defined later in the file, or by the users file of the same import', () => {
    const sameImport = new ImportedKeys();
    sameImport.addUser('from-before');
    const { check } = checkUsers([userRow({ id: 'n1', manager_id: 'n2' }), userRow({ id: 'n2', manager_id: 'boss' }), userRow({ id: 'n3', manager_id: 'from-before' })], standardRoster(), sameImport);
    expect(check.counts).toMatchObject({ created: 3, rejected: 0 });
  });

  it('rejects a user who is their own manager', () => {
    const { checker } = checkUsers([userRow({ id: 'n1', manager_id: 'n1' })]);
    expect(codesOf(checker, 2)).toEqual(['self_manager']);
  });

  it('rejects every row of a manager cycle inside the file, showing the cycle', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1', manager_id: 'n2' }), userRow({ id: 'n2', manager_id: 'n3' }), userRow({ id: 'n3', manager_id: 'n1' }), userRow({ id: 'n4', manager_id: 'boss' })]);
    expect(check.counts).toMatchObject({ created: 1, rejected: 3 });
    for (const row of [2, 3, 4]) {
      const [problem] = checker.problemsOf(row)!;
      expect(problem).toMatchObject({ column: 'manager_id', code: 'manager_cycle' });
      expect(problem!.message).toBe('Manager cycle: n1 → n2 → n3 → n1.');
    }
  });

  it('rejects every row of a cycle formed with roster users', () => {
    // On the roster u3 → u2 → boss: making boss report to u3 closes the loop.
    const { check, checker } = checkUsers([exportedRow({ ...standardRoster().userById('boss')!, managerId: 'u3' })]);
    expect(check.counts).toMatchObject({ updated: 0, rejected: 1 });
    expect(checker.problemsOf(2)).toEqual([{ column: 'manager_id', code: 'manager_cycle', message: 'Manager cycle: boss → u3 → u2 → boss.' }]);

    const both = checkUsers([userRow({ id: 'u4', email: 'Ann.Lee@Example.com', manager_id: 'n1' }), userRow({ id: 'n1', manager_id: 'u4' })]);
    expect(both.check.counts).toMatchObject({ created: 0, updated: 0, rejected: 2 });
    expect(codesOf(both.checker, 2)).toEqual(['manager_cycle']);
    expect(codesOf(both.checker, 3)).toEqual(['manager_cycle']);
  });

  it('rejects the rows a rejected new user manages, and theirs in turn, in any order', () => {
    const { check, checker } = checkUsers([
      userRow({ id: 'n3', manager_id: 'n2' }),
      userRow({ id: 'n2', manager_id: 'n1' }),
      userRow({ id: 'u4', email: 'Ann.Lee@Example.com', manager_id: 'n1' }),
      userRow({ id: 'n1', manager_id: 'ghost' }),
      userRow({ id: 'n5', manager_id: 'n6' }),
      userRow({ id: 'n6', manager_id: 'n5' }),
      userRow({ id: 'n7', manager_id: 'n6' }),
      userRow({ id: 'n8', manager_id: 'u4' }),
    ]);
    expect(check.counts).toMatchObject({ created: 1, updated: 0, unchanged: 0, rejected: 7 });
    for (const row of [2, 3, 4]) expect(checker.problemsOf(row)![0]!.message, `row ${row}`).toMatch(/^No user n\d on this roster or in this file to be the manager\.$/);
    expect(codesOf(checker, 5)).toEqual(['unknown_reference']);
    expect(codesOf(checker, 6)).toEqual(['manager_cycle']);
    expect(codesOf(checker, 8)).toEqual(['unknown_reference']);
    // u4's row is rejected, but u4 stays on the roster: n8 may still report to them.
    expect(checker.problemsOf(9)).toBeUndefined();
    expect(check.rejectedSample.map((r) => r.row)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects an existing user’s row whose roster manager, put back, closes a cycle', () => {
    // u2's row is rejected (its new manager is rejected): u2 stays under boss, and boss → u2 is a loop.
    const { checker } = checkUsers([userRow({ id: 'boss', manager_id: 'u2' }), userRow({ id: 'u2', manager_id: 'n1' }), userRow({ id: 'n1', manager_id: 'ghost' })]);
    expect(codesOf(checker, 4)).toEqual(['unknown_reference']);
    expect(codesOf(checker, 3)).toEqual(['unknown_reference']);
    expect(codesOf(checker, 2)).toEqual(['manager_cycle']);
  });

  it('rejects a row whose cell count differs from the header’s', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1' }).slice(0, 5), [...userRow({ id: 'n2' }), 'extra'], [...userRow({ id: 'n3' }), '', '']]);
    expect(check.counts).toMatchObject({ created: 1, rejected: 2 });
    expect(checker.problemsOf(2)).toEqual([
      { column: null, code: 'ragged_row', message: 'This row has 5 cells where the header has 9: a missing delimiter, or a comma inside an unquoted cell?' },
    ]);
    expect(codesOf(checker, 3)).toEqual(['ragged_row']);
    expect(check.rejectedSample[0]!.cells).toEqual(userRow({ id: 'n1' }).slice(0, 5));
  });

  it('skips rows of empty cells, as a spreadsheet saves them', () => {
    const { check } = checkUsers([userRow({ id: 'n1' }), USERS_HEADER.map(() => ''), USERS_HEADER.map(() => ' ')]);
    expect(check).toMatchObject({ rowCount: 1, counts: { created: 1, rejected: 0 } });
  });

  it('rejects a custom field value outside its allowed values, and accepts a blank one', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1', 'custom.region': 'Mars' }), userRow({ id: 'n2', 'custom.region': 'APAC' }), userRow({ id: 'n3', 'custom.region': '' })]);
    expect(check.counts).toMatchObject({ created: 2, rejected: 1 });
    expect(checker.problemsOf(2)).toEqual([{ column: 'custom.region', code: 'invalid_value', message: 'Region must be one of EMEA, APAC, AMER, not "Mars".' }]);
  });

  it('A13/A15: warns of a new custom field and that custom fields are visible', () => {
    const header = headerOf('users', ['region', 'cost_center']);
    const { check } = checkFile(header, [recordToRow('users', user('n1', null, { customFields: { cost_center: 'CC-1' } }), ['region', 'cost_center'])]);
    expect(check.newCustomFields).toEqual(['cost_center']);
    expect(check.warnings.map((w) => [w.code, w.rule])).toEqual([
      ['custom_fields_visible', 'A15'],
      ['new_custom_field', 'A13'],
    ]);
    expect(check.warnings[1]!.message).toContain('cost_center');
  });

  it('A15: a users file without custom field columns does not warn', () => {
    const { check } = checkFile(CSV_HEADERS.users, [recordToRow('users', user('n1', null))]);
    expect(check.warnings).toEqual([]);
    expect(check.newCustomFields).toEqual([]);
  });

  it('counts status changes of existing users and never applies them', () => {
    const roster = standardRoster();
    const { check } = checkUsers(
      [
        exportedRow({ ...roster.userById('boss')!, status: 'inactive' }),
        exportedRow({ ...roster.userById('u3')!, status: 'active' }),
        userRow({ id: 'u4', email: 'Ann.Lee@Example.com', manager_id: 'boss', status: '' }),
        userRow({ id: 'n1', status: 'inactive' }),
        // Rejected: its status change is not reported either.
        exportedRow({ ...roster.userById('u2')!, status: 'inactive', managerId: 'ghost' }),
      ],
      roster,
    );
    expect(check.statusChanges).toEqual({ deactivate: ['boss'], reactivate: ['u3'] });
    expect(check.counts).toMatchObject({ unchanged: 3, created: 1, rejected: 1 });
    const warning = check.warnings.find((w) => w.code === 'status_not_applied');
    expect(warning?.message).toContain('2 existing users');
  });

  it('keeps the values of the columns a users file lacks', () => {
    const mapping: ColumnMapping = { kind: 'users', hasHeader: false, targets: ['id', 'email', 'first_name'] };
    const checker = new FileChecker('hr.csv', mapping, standardRoster());
    checker.addRow(1, ['u2', 'u2@example.com', 'First u2']);
    checker.addRow(2, ['u3', 'u3@example.com', 'Renamed']);
    const check = checker.finish();
    expect(check.counts).toMatchObject({ unchanged: 1, updated: 1, rejected: 0 });
    expect(check.statusChanges).toEqual({ deactivate: [], reactivate: [] });
  });

  it('mergeUserFields takes the file’s values for its columns only, never the status', () => {
    const existing = standardRoster().userById('u2')!;
    const fields = { id: 'u2', email: 'new@example.com', status: 'inactive', 'custom.region': '', 'custom.offboard': 'wave-2' };
    const fromFile = mapRow('users', fields).record!;
    expect(mergeUserFields(existing, fromFile, fields)).toEqual({ ...existing, email: 'new@example.com', customFields: { offboard: 'wave-2' } });
    expect(existing.customFields).toEqual({ region: 'EMEA', offboard: 'wave-1' });
  });

  it('checks a 100,000-row users file, every manager defined after their reports', () => {
    const count = 100_000;
    // Each user is managed by the next one; the last by boss; one cycle and one unknown manager at the end.
    const roster = standardRoster();
    const checker = new FileChecker('big.csv', mappingOf(USERS_HEADER), roster);
    for (let i = 0; i < count; i++) {
      const managerId = i === count - 1 ? 'ghost' : `n${i + 1}`;
      checker.addRow(i + 2, [`n${i}`, `n${i}@example.com`, 'A', 'B', 'active', managerId, '', '2025-01-01T00:00:00.000Z', 'EMEA']);
    }
    const check = checker.finish();
    // The chain hangs from an unknown manager: rejecting its top rejects every row under it.
    expect(check.rowCount).toBe(count);
    expect(check.counts).toEqual({ created: 0, updated: 0, unchanged: 0, rejected: count });
    expect(check.rejectedSample).toHaveLength(REJECTED_SAMPLE_SIZE);
    expect(check.rejectedSample[0]!.row).toBe(2);

    const healthy = new FileChecker('big.csv', mappingOf(USERS_HEADER), roster);
    for (let i = 0; i < count; i++) {
      healthy.addRow(i + 2, [`n${i}`, `n${i}@example.com`, 'A', 'B', 'active', i === count - 1 ? 'boss' : `n${i + 1}`, '', '', '']);
    }
    expect(healthy.finish().counts).toEqual({ created: count, updated: 0, unchanged: 0, rejected: 0 });
  });
});

describe('FileChecker: the rejected rows', () => {
  it('keeps at most REJECTED_SAMPLE_SIZE rejected rows, the earliest, sorted by row', () => {
    const rows = [userRow({ id: 'n0', manager_id: 'ghost' }), ...Array.from({ length: REJECTED_SAMPLE_SIZE + 50 }, (_, i) => userRow({ id: `bad${i}`, email: 'nope' }))];
    const { check, checker } = checkUsers(rows);
    expect(check.counts.rejected).toBe(REJECTED_SAMPLE_SIZE + 51);
    expect(checker.size).toBe(REJECTED_SAMPLE_SIZE + 51);
    expect(check.rejectedSample.map((r) => r.row)).toEqual(Array.from({ length: REJECTED_SAMPLE_SIZE }, (_, i) => i + 2));
    expect(check.rejectedSample[0]!.problems.map((p) => p.code)).toEqual(['unknown_reference']);
    expect(check.rejectedSample[1]!.cells).toEqual(rows[1]);
  });

  it('answers problemsOf for every rejected row, sampled or not, for the write pass', () => {
    const rows = Array.from({ length: REJECTED_SAMPLE_SIZE + 10 }, (_, i) => (i % 2 === 0 ? userRow({ id: `bad${i}`, status: 'gone' }) : userRow({ id: `ok${i}` })));
    const { checker } = checkUsers(rows);
    const last = rows.length; // the row of the last record, 1-based after the header
    expect(codesOf(checker, last)).toEqual(['invalid_status']);
    expect(checker.problemsOf(last + 1)).toBeUndefined();
    expect(checker.problemsOf(3)).toBeUndefined();
  });
});

describe('FileChecker: change via upload', () => {
  const header = ['email', 'custom.offboard', 'custom.region'];

  it('A13: sets custom fields on users found by email in any case, or by id', () => {
    const { check } = checkFile(header, [
      ['ANN.LEE@example.com', 'wave-3', ''],
      ['u2@example.com', 'wave-1', 'EMEA'],
    ]);
    expect(check).toMatchObject({ kind: 'custom_fields', counts: { updated: 1, unchanged: 1, rejected: 0 } });
    const byId = checkFile(['id', 'custom.offboard'], [['u3', 'wave-3']]);
    expect(byId.check.counts).toMatchObject({ updated: 1, rejected: 0 });
  });

  it('A13: a blank cell leaves the value as it is', () => {
    const u2 = standardRoster().userById('u2')!;
    expect(customFieldChanges(u2, { email: 'u2@example.com', 'custom.offboard': ' ', 'custom.region': 'APAC' })).toEqual({ region: 'APAC' });
    expect(customFieldChanges(u2, { email: 'u2@example.com', 'custom.offboard': '', 'custom.region': 'EMEA' })).toEqual({});
    const { check } = checkFile(header, [['u2@example.com', '', '']]);
    expect(check.counts).toMatchObject({ unchanged: 1, rejected: 0 });
  });

  it('A13: rejects rows about users the roster does not have', () => {
    const { check, checker } = checkFile(header, [['nobody@example.com', 'wave-3', ''], ['garbage', 'wave-3', ''], ['', 'wave-3', '']]);
    expect(check.counts).toMatchObject({ updated: 0, rejected: 3 });
    expect(checker.problemsOf(2)).toEqual([{ column: 'email', code: 'unknown_user', message: 'No user nobody@example.com on this roster.' }]);
    expect(codesOf(checker, 3)).toEqual(['invalid_email', 'unknown_user']);
    expect(codesOf(checker, 4)).toEqual(['required']);
  });

  it('A13: rejects a row whose id and email name two different users', () => {
    const { checker } = checkFile(['id', 'email', 'custom.offboard'], [['u2', 'ann.lee@example.com', 'wave-3'], ['u2', 'U2@example.com', 'wave-3']]);
    expect(checker.problemsOf(2)).toEqual([{ column: 'email', code: 'unknown_user', message: 'Id u2 and email ann.lee@example.com are two different users.' }]);
    expect(checker.problemsOf(3)).toBeUndefined();
  });

  it('A13: rejects a second row about the same user', () => {
    const { checker } = checkFile(['id', 'email', 'custom.offboard'], [['u2', '', 'wave-3'], ['', 'u2@example.com', 'wave-4']]);
    expect(checker.problemsOf(3)).toEqual([{ column: null, code: 'duplicate_id', message: 'Another row is about the same user: row 2.' }]);
  });

  it('A13: rejects a value outside the allowed values', () => {
    const { checker } = checkFile(header, [['u2@example.com', '', 'Mars']]);
    expect(codesOf(checker, 2)).toEqual(['invalid_value']);
  });

  it('A13/A15: warns that custom fields are visible, and of a field the organization does not have', () => {
    const { check } = checkFile(['email', 'custom.offboard_wave'], [['u2@example.com', 'wave-3']]);
    expect(check.newCustomFields).toEqual(['offboard_wave']);
    expect(check.warnings.map((w) => w.code)).toEqual(['custom_fields_visible', 'new_custom_field']);
  });

  it('A13: several new custom fields are said as a list, "cost_center and wave"', () => {
    const { check } = checkFile(['email', 'custom.cost_center', 'custom.wave'], [['u2@example.com', 'CC-1', 'wave-3']]);
    expect(check.warnings.find((w) => w.code === 'new_custom_field')?.message).toBe('The organization has no custom fields cost_center and wave: they will be created (free text).');
  });
});

describe('FileChecker: bulk-action files', () => {
  it('F6: reads actions and their synonyms, deactivate by default', () => {
    const { check } = checkFile(
      ['id', 'action'],
      [
        ['boss', ''],
        ['u2', 'Deactivate'],
        ['u3', 'REACTIVATE'],
        ['u4', 'delete'],
      ],
    );
    expect(check.bulkActions).toEqual({ deactivate: ['boss', 'u2'], reactivate: ['u3'], delete: ['u4'] });
    expect(check.counts).toMatchObject({ unchanged: 4, rejected: 0 });
    for (const [word, action] of [
      ['inactive', 'deactivate'],
      ['disable', 'deactivate'],
      ['activate', 'reactivate'],
      ['active', 'reactivate'],
      ['enable', 'reactivate'],
      ['remove', 'delete'],
      [' Deleted ', 'delete'],
    ] as const) {
      expect(checkFile(['id', 'action'], [['u2', word]]).check.bulkActions, word).toEqual({ [action]: ['u2'] });
    }
  });

  it('F6: a file of emails alone deactivates, matching emails in any case', () => {
    const { check } = checkFile(['email'], [['ann.lee@EXAMPLE.com'], ['u2@example.com']]);
    expect(check.bulkActions).toEqual({ deactivate: ['u4', 'u2'] });
    expect(check.warnings).toEqual([]);
  });

  it('F6: lists the entries that match nobody and warns', () => {
    const { check } = checkFile(['id', 'email', 'action'], [['ghost', '', ''], ['', 'nobody@example.com', ''], ['  ', 'nobody2@example.com', ''], ['u2', '', '']]);
    expect(check.unmatchedEntries).toEqual(['ghost', 'nobody@example.com', 'nobody2@example.com']);
    expect(check.bulkActions).toEqual({ deactivate: ['u2'] });
    expect(check.warnings).toEqual([{ code: 'unmatched_users', rule: 'F6', message: '3 entries match nobody on this roster.' }]);
  });

  it('F6: a row naming two different users is rejected, not listed as matching nobody', () => {
    const { check, checker } = checkFile(['id', 'email'], [['u2', 'ann.lee@example.com']]);
    expect(check.unmatchedEntries).toEqual([]);
    expect(codesOf(checker, 2)).toEqual(['unknown_user']);
  });

  it('F6: rejects an unknown action and a second row naming the same user', () => {
    const { check, checker } = checkFile(['id', 'action'], [['u2', 'freeze'], ['u3', 'delete'], ['u3', 'deactivate']]);
    expect(checker.problemsOf(2)).toEqual([{ column: 'action', code: 'invalid_value', message: 'action must be deactivate, reactivate or delete, not "freeze".' }]);
    expect(codesOf(checker, 4)).toEqual(['duplicate_id']);
    expect(check.bulkActions).toEqual({ delete: ['u3'] });
  });

  it('F6: warns when one file asks for several actions', () => {
    const { check } = checkFile(['id', 'action'], [['u2', 'deactivate'], ['u3', 'reactivate'], ['boss', 'deactivate']]);
    expect(check.warnings).toEqual([{ code: 'mixed_actions', rule: 'F6', message: 'The file asks for deactivate 2, reactivate 1: each gets a plan of its own.' }]);
  });
});

describe('FileChecker: communities', () => {
  const header = CSV_HEADERS.communities;

  it('counts communities created, updated and unchanged, the order of admins aside', () => {
    const { check } = checkFile(header, [
      ['c-sales', 'Sales', 'false', 'boss;u2'],
      ['c-all', 'Everyone!', 'true', 'boss'],
      ['c-new', 'New', '', ''],
    ]);
    expect(check.counts).toEqual({ created: 1, updated: 1, unchanged: 1, rejected: 0 });
  });

  it('rejects a second global community, and the global one made non-global', () => {
    const { checker } = checkFile(header, [
      ['c-sales', 'Sales', 'true', 'u2'],
      ['c-all', 'Everyone', 'false', 'boss'],
    ]);
    expect(checker.problemsOf(2)).toEqual([{ column: 'global', code: 'invalid_value', message: 'c-all is already the global community: an organization has exactly one.' }]);
    expect(checker.problemsOf(3)).toEqual([{ column: 'global', code: 'invalid_value', message: 'c-all is the global community: make another one global first.' }]);
  });

  it('rejects a second global community in a file for a roster that has none yet', () => {
    const { check, checker } = checkFile(
      header,
      [
        ['c1', 'One', 'true', ''],
        ['c2', 'Two', 'yes', ''],
      ],
      rosterView({}),
    );
    expect(check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(checker.problemsOf(3)![0]!.message).toBe('c1 is already the global community: an organization has exactly one.');
  });

  it('rejects admin ids that name nobody, and a repeated id', () => {
    const { checker } = checkFile(header, [
      ['c-new', 'New', 'false', 'u2;ghost'],
      ['c-x', 'X', 'false', ''],
      ['c-x', 'X again', 'false', ''],
    ]);
    expect(checker.problemsOf(2)).toEqual([{ column: 'admin_ids', code: 'unknown_reference', message: 'No user ghost on this roster or in this import.' }]);
    expect(checker.problemsOf(4)).toEqual([{ column: null, code: 'duplicate_id', message: 'Another row has this id: row 3.' }]);
  });
});

describe('FileChecker: methodologies, memberships, licenses and other records', () => {
  it('counts methodologies created, updated and unchanged', () => {
    const { check, checker } = checkFile(CSV_HEADERS.methodologies, [
      ['m-seat', 'Agile', 'seat', '3'],
      ['m-ela', 'Lean', 'ela', '5'],
      ['m-new', 'Kanban', 'seat', '10'],
      ['m-new', 'Kanban', 'seat', '11'],
      ['m-bad', 'Bad', 'free', 'ten'],
    ]);
    expect(check.counts).toEqual({ created: 1, updated: 1, unchanged: 1, rejected: 2 });
    expect(codesOf(checker, 5)).toEqual(['duplicate_id']);
    expect(codesOf(checker, 6)).toEqual(['invalid_model', 'invalid_number']);
  });

  it('refers to users, methodologies and communities created earlier in the same import, files checked in IMPORT_ORDER', () => {
    const roster = standardRoster();
    const sameImport = new ImportedKeys();
    const files: Partial<Record<(typeof IMPORT_ORDER)[number], [string[], string[][]]>> = {
      licenses: [[...CSV_HEADERS.licenses], [['n1', 'm-new', 'reserved'], ['n1', 'm-none', 'reserved'], ['n2', 'm-seat', 'consumed']]],
      memberships: [[...CSV_HEADERS.memberships], [['n1', 'c-new'], ['n1', 'c-all'], ['u2', 'c-all'], ['n2', 'c-new'], ['n1', 'c-none']]],
      communities: [[...CSV_HEADERS.communities], [['c-new', 'New', 'false', 'n1']]],
      methodologies: [[...CSV_HEADERS.methodologies], [['m-new', 'Kanban', 'ela', '0']]],
      users: [USERS_HEADER, [userRow({ id: 'n1' }), userRow({ id: 'n2', manager_id: 'ghost' })]],
    };
    const checks = new Map<string, { check: FileCheck; checker: FileChecker }>();
    for (const kind of IMPORT_ORDER) {
      const file = files[kind];
      if (file) checks.set(kind, checkFile(file[0], file[1], roster, sameImport));
    }
    expect(checks.get('users')!.check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(checks.get('communities')!.check.counts).toMatchObject({ created: 1, rejected: 0 });
    const memberships = checks.get('memberships')!;
    expect(memberships.check.counts).toEqual({ created: 2, updated: 0, unchanged: 1, rejected: 2 });
    expect(memberships.checker.problemsOf(5)).toEqual([{ column: 'user_id', code: 'unknown_reference', message: 'No user n2 on this roster or in this import.' }]);
    expect(memberships.checker.problemsOf(6)).toEqual([{ column: 'community_id', code: 'unknown_reference', message: 'No community c-none on this roster or in this import.' }]);
    const licenses = checks.get('licenses')!;
    expect(licenses.check.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 2 });
    expect(licenses.checker.problemsOf(3)).toEqual([{ column: 'methodology_id', code: 'unknown_reference', message: 'No methodology m-none on this roster or in this import.' }]);
  });

  it('rejects a membership or license given twice', () => {
    const memberships = checkFile(CSV_HEADERS.memberships, [['u2', 'c-sales'], ['u2', 'c-sales']]);
    expect(memberships.checker.problemsOf(3)).toEqual([{ column: null, code: 'duplicate_id', message: 'This user is already given this community: row 2.' }]);
    const licenses = checkFile(CSV_HEADERS.licenses, [['u4', 'm-ela', 'reserved'], ['u4', 'm-ela', 'consumed']]);
    expect(codesOf(licenses.checker, 3)).toEqual(['duplicate_id']);
  });

  it('counts a license whose state changes as updated, and the same one as unchanged', () => {
    const { check } = checkFile(CSV_HEADERS.licenses, [['u2', 'm-seat', 'consumed'], ['u3', 'm-seat', 'consumed']]);
    expect(check.counts).toMatchObject({ updated: 1, unchanged: 1, created: 0 });
    expect(check.warnings).toEqual([]);
  });

  it('A10: warns when new licenses and those already granted exceed a seat pool, not an ELA', () => {
    // m-seat has 3 seats, 2 of them granted on the roster.
    const one = checkFile(CSV_HEADERS.licenses, [['u4', 'm-seat', 'reserved']]);
    expect(one.check.warnings).toEqual([]);
    const two = checkFile(CSV_HEADERS.licenses, [['u4', 'm-seat', 'reserved'], ['boss', 'm-seat', 'reserved'], ['u2', 'm-ela', 'reserved'], ['u4', 'm-ela', 'reserved']]);
    expect(two.check.warnings).toEqual([{ code: 'seats_exceeded', rule: 'A10', message: '2 new Agile licenses and 2 already granted for a pool of 3 seats.' }]);
  });

  it('checks the users and communities of assignments, completions and certificates', () => {
    const assignments = checkFile(CSV_HEADERS.assignments, [['a1', 'u2', 'k1', '', ''], ['a1', 'u2', 'k2', '', ''], ['a2', 'ghost', 'k1', '', '']]);
    expect(assignments.check.counts).toMatchObject({ created: 1, rejected: 2 });
    expect(codesOf(assignments.checker, 4)).toEqual(['unknown_reference']);
    const completions = checkFile(CSV_HEADERS.completions, [['u2', 'k1', 'c-all', '2026-01-01'], ['u2', 'k1', 'c-all', '2026-01-02'], ['u2', 'k1', 'c-none', '2026-01-01']]);
    expect(completions.check.counts).toMatchObject({ created: 1, rejected: 2 });
    const certificates = checkFile(CSV_HEADERS.certificates, [['x1', 'u2', 'k1', 'c-sales', ''], ['x2', 'u2', 'k1', 'c-none', '']]);
    expect(certificates.check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(certificates.checker.problemsOf(3)![0]!.column).toBe('community_id');
  });
});

describe('FileChecker: every problem of a row at once', () => {
  it('a users row with no id and an unknown manager is told both', () => {
    const { check, checker } = checkUsers([userRow({ id: '', email: 'nobody@example.com', manager_id: 'ghost' })]);
    expect(check.counts.rejected).toBe(1);
    expect(checker.problemsOf(2)!.map((p) => [p.column, p.code])).toEqual([
      ['id', 'required'],
      ['manager_id', 'unknown_reference'],
    ]);
  });

  it('a users row breaking four checks lists all four', () => {
    const { checker } = checkUsers([userRow({ id: 'n1', email: 'not an email', status: 'gone', manager_id: 'ghost', last_login_at: 'last tuesday' })]);
    expect(codesOf(checker, 2).sort()).toEqual(['invalid_email', 'invalid_status', 'invalid_time', 'unknown_reference']);
  });

  it('a duplicate users row still gets its other problems: taken email and own manager', () => {
    const { checker } = checkUsers([userRow({ id: 'n1' }), userRow({ id: 'N1', email: 'boss@example.com', manager_id: 'N1' })]);
    expect(codesOf(checker, 3).sort()).toEqual(['duplicate_email', 'duplicate_id', 'self_manager']);
  });

  it('a ragged row is checked too: too few cells and the blank fields they leave', () => {
    const { checker } = checkUsers([['n1', '', 'Ann']]);
    expect(codesOf(checker, 2)).toEqual(['ragged_row', 'required']);
  });

  it('a memberships row: duplicate, unknown community and unknown user together', () => {
    const { checker } = checkFile(CSV_HEADERS.memberships, [
      ['u2', 'c-sales'],
      ['U2', 'C-SALES'],
      ['ghost', 'c-none'],
    ]);
    expect(codesOf(checker, 3).sort()).toEqual(['duplicate_id', 'unknown_reference', 'unknown_reference']);
    expect(checker.problemsOf(4)!.map((p) => p.column)).toEqual(['user_id', 'community_id']);
  });

  it('a licenses row: unknown user, unknown methodology and an unknown state together', () => {
    const { checker } = checkFile(CSV_HEADERS.licenses, [['ghost', 'm-none', 'expired']]);
    expect(checker.problemsOf(2)!.map((p) => [p.column, p.code])).toEqual([
      ['state', 'invalid_state'],
      ['user_id', 'unknown_reference'],
      ['methodology_id', 'unknown_reference'],
    ]);
  });

  it('a methodology rejected for one cell is not a methodology later files may use', () => {
    const sameImport = new ImportedKeys();
    checkFile(CSV_HEADERS.methodologies, [['m-new', 'New', 'subscription', '5']], standardRoster(), sameImport);
    expect(sameImport.hasMethodology('m-new')).toBe(false);
  });

  it('F6: a bulk-action row with an unknown action and an unknown user is told both', () => {
    const { checker } = checkFile(['id', 'action'], [['ghost', 'freeze']]);
    expect(codesOf(checker, 2)).toEqual(['invalid_value', 'unknown_user']);
  });
});

describe('FileChecker: values of enumerated fields', () => {
  it('reads other platforms’ words by itself and lists the values still unknown, with their rows', () => {
    const { check, checker } = checkFile(CSV_HEADERS.assignments, [
      ['a1', 'u2', 'k1', '', 'Not Started'],
      ['a2', 'u2', 'k2', '', 'done'],
      ['a3', 'u2', 'k3', '', 'Paused'],
      ['a4', 'u2', 'k4', '', 'paused'],
      ['a5', 'u2', 'k5', '', 'On hold'],
    ]);
    expect(check.counts).toMatchObject({ created: 2, rejected: 3 });
    expect(codesOf(checker, 4)).toEqual(['invalid_status']);
    expect(check.unknownValues).toEqual([
      {
        target: 'status',
        allowed: ['not_started', 'in_progress', 'completed', 'overdue'],
        values: [
          { value: 'Paused', key: 'paused', rows: 2, answer: undefined },
          { value: 'On hold', key: 'on hold', rows: 1, answer: undefined },
        ],
        moreValues: 0,
      },
    ]);
  });

  it('takes the admin’s answers: a value mapped to an allowed one is read as it, one mapped to nothing stays rejected', () => {
    const mapping: ColumnMapping = { ...mappingOf(CSV_HEADERS.assignments), values: { status: { paused: 'in_progress', 'on hold': null } } };
    const checker = new FileChecker('file.csv', mapping, standardRoster());
    checker.addRow(2, ['a3', 'u2', 'k3', '', 'Paused']);
    checker.addRow(3, ['a5', 'u2', 'k5', '', 'On hold']);
    const check = checker.finish();
    expect(check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(check.unknownValues[0]!.values).toEqual([{ value: 'On hold', key: 'on hold', rows: 1, answer: null }]);
  });

  it('a custom field with allowed values is enumerated: its own values in any case, others to map', () => {
    const { check, checker } = checkUsers([userRow({ id: 'n1', 'custom.region': 'emea' }), userRow({ id: 'n2', 'custom.region': 'Europe' })]);
    expect(check.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(codesOf(checker, 3)).toEqual(['invalid_value']);
    expect(check.unknownValues).toEqual([{ target: 'custom.region', allowed: ['EMEA', 'APAC', 'AMER'], values: [{ value: 'Europe', key: 'europe', rows: 1, answer: undefined }], moreValues: 0 }]);
  });

  it('lists at most UNKNOWN_VALUES_LISTED distinct values per field and counts the rest', () => {
    const rows = Array.from({ length: UNKNOWN_VALUES_LISTED + 7 }, (_, i) => [`a${i}`, 'u2', 'k1', '', `state ${i}`]);
    const { check } = checkFile(CSV_HEADERS.assignments, rows);
    expect(check.unknownValues[0]!.values).toHaveLength(UNKNOWN_VALUES_LISTED);
    expect(check.unknownValues[0]!.moreValues).toBe(7);
    expect(check.counts.rejected).toBe(UNKNOWN_VALUES_LISTED + 7);
  });
});
