import { describe, expect, it } from 'vitest';
import { duplicateColumns, guessMapping, ignoredColumns, mappedColumns, isRaggedRow, mapCells, mappingFromHeader, mappingProblems, shapeKeyOf, targetsOf, valueTranslatorOf, whyMappingIsNeeded, type ColumnMapping } from '../../../src/core/csv/column-mapping.ts';
import { CSV_HEADERS, CSV_KINDS, neutralizeFormula } from '../../../src/core/csv/csv-formats.ts';

describe('mappingFromHeader', () => {
  it('maps every canonical kind by itself, in any column order and case', () => {
    for (const kind of CSV_KINDS) {
      const header = [...CSV_HEADERS[kind]].reverse().map((c) => c.toUpperCase().replace('_', ' '));
      expect(mappingFromHeader(header), kind).toEqual({ kind, hasHeader: true, targets: [...CSV_HEADERS[kind]].reverse() });
    }
  });

  it('maps a users header with custom fields', () => {
    expect(mappingFromHeader([...CSV_HEADERS.users, 'custom.region'])).toEqual({ kind: 'users', hasHeader: true, targets: [...CSV_HEADERS.users, 'custom.region'] });
  });

  it('A13: a key column with custom.<field> columns only is a change via upload', () => {
    expect(mappingFromHeader(['Email', 'custom.offboard'])).toEqual({ kind: 'custom_fields', hasHeader: true, targets: ['email', 'custom.offboard'] });
    expect(mappingFromHeader(['custom.offboard', 'id', 'custom.region'])?.kind).toBe('custom_fields');
    expect(mappingFromHeader(['id', 'email', 'custom.offboard'])?.kind).toBe('custom_fields');
  });

  it('F6: a key column with an optional action column is a bulk-action file', () => {
    expect(mappingFromHeader(['id'])).toEqual({ kind: 'user_list', hasHeader: true, targets: ['id'] });
    expect(mappingFromHeader(['EMAIL'])?.kind).toBe('user_list');
    expect(mappingFromHeader(['email', 'Action'])).toEqual({ kind: 'user_list', hasHeader: true, targets: ['email', 'action'] });
    expect(mappingFromHeader(['id', 'email', 'action'])?.kind).toBe('user_list');
  });

  it('ignores the empty columns a spreadsheet saves after the last one', () => {
    expect(mappingFromHeader(['email', 'action', ''])).toEqual({ kind: 'user_list', hasHeader: true, targets: ['email', 'action', null] });
    expect(mappingFromHeader([...CSV_HEADERS.memberships, ' '])).toEqual({ kind: 'memberships', hasHeader: true, targets: [...CSV_HEADERS.memberships, null] });
  });

  it.each([
    ['another platform’s header', ['E-mail Address', 'First Name', 'Manager']],
    ['no key column', ['custom.offboard']],
    ['custom fields and an action together', ['id', 'custom.offboard', 'action']],
    ['a custom column without a name', ['id', 'custom.']],
    ['a key column twice', ['email', 'Email', 'custom.offboard']],
    ['a key column with other columns', ['id', 'email', 'first_name']],
    ['a row of data', ['u1', 'ann@example.com']],
    ['nothing', []],
  ])('is null for %s', (_, header) => {
    expect(mappingFromHeader(header)).toBeNull();
  });
});

describe('guessMapping', () => {
  it('maps another platform’s headers through aliases', () => {
    const mapping = guessMapping(
      [
        ['Employee ID', 'E-mail Address', 'First Name', 'Last Name', 'Manager', 'Department'],
        ['e1', 'ann@example.com', 'Ann', 'Lee', '', 'Sales'],
      ],
      [],
    );
    expect(mapping).toEqual({ kind: 'users', hasHeader: true, targets: ['id', 'email', 'first_name', 'last_name', 'manager_id', null] });
  });

  it.each([
    ['Email Address', 'email'],
    ['E-Mail', 'email'],
    ['Mail', 'email'],
    ['FirstName', 'first_name'],
    ['Given name', 'first_name'],
    ['Surname', 'last_name'],
    ['Family-Name', 'last_name'],
    ['Username', 'id'],
    ['UserID', 'id'],
    ['Manager ID', 'manager_id'],
    ['Last sign in', 'last_login_at'],
    ['Creation date', 'created_at'],
    ['Operation', 'action'],
  ])('reads the header %j as %s', (cell, target) => {
    expect(guessMapping([[cell], ['x']], []).targets).toEqual([target]);
  });

  it('maps a column named like one of the organization’s custom fields to that field', () => {
    const mapping = guessMapping([['Email', 'Offboard wave', 'custom.region']], ['offboard_wave']);
    expect(mapping.targets).toEqual(['email', 'custom.offboard_wave', 'custom.region']);
    expect(mapping.kind).toBe('custom_fields');
  });

  it('maps only the first of two columns with the same meaning', () => {
    expect(guessMapping([['Email', 'E-mail address', 'Mail']], []).targets).toEqual(['email', null, null]);
  });

  it('reads a Fuse-style file without a header: the column of emails is email, the one before it id', () => {
    const rows = [
      ['1001', 'ann@example.com'],
      ['1002', 'bob@example.com'],
    ];
    expect(guessMapping(rows, [])).toEqual({ kind: 'user_list', hasHeader: false, targets: ['id', 'email'] });
  });

  it('reads a Fuse user file without a header: id, email, first name, last name', () => {
    const rows = [
      ['1001', 'ann@example.com', 'Ann', 'Lee'],
      ['1002', 'bob@example.com', 'Bob', 'Ray'],
    ];
    expect(guessMapping(rows, [])).toEqual({ kind: 'users', hasHeader: false, targets: ['id', 'email', 'first_name', 'last_name'] });
  });

  it('takes a first row holding an email for data even when its other cells look like header names', () => {
    const rows = [
      ['login', 'first@example.com'],
      ['1002', 'bob@example.com'],
    ];
    expect(guessMapping(rows, [])).toEqual({ kind: 'user_list', hasHeader: false, targets: ['id', 'email'] });
  });

  it('tells a header it cannot read from data when the rows below hold emails', () => {
    const rows = [
      ['Matricule', 'Courriel'],
      ['1001', 'ann@example.com'],
      ['1002', 'bob@example.com'],
    ];
    expect(guessMapping(rows, [])).toEqual({ kind: 'user_list', hasHeader: true, targets: ['id', 'email'] });
  });

  it('keeps a column of emails with a few blank cells an email column', () => {
    const rows = [
      ['1001', 'ann@example.com'],
      ['1002', ''],
      ['1003', 'cy@example.com'],
    ];
    expect(guessMapping(rows, []).targets).toEqual(['id', 'email']);
  });

  it('guesses a column of emails alone as email, and a file without emails as ids in the first column', () => {
    expect(guessMapping([['ann@example.com'], ['bob@example.com']], []).targets).toEqual(['email']);
    expect(guessMapping([['1001', 'x'], ['1002', 'y']], [])).toEqual({ kind: 'user_list', hasHeader: false, targets: ['id', null] });
  });

  it('guesses a canonical kind other than users from the fields it maps', () => {
    expect(guessMapping([['User', 'Community ID']], []).kind).toBe('user_list');
    expect(guessMapping([['Id', 'Name', 'Model', 'Seats', 'Notes']], []).kind).toBe('methodologies');
    expect(guessMapping([['ID', 'Name', 'Global']], []).kind).toBe('communities');
  });

  it('is empty for an empty file', () => {
    expect(guessMapping([], [])).toEqual({ kind: 'user_list', hasHeader: false, targets: [] });
  });
});

describe('shapeKeyOf', () => {
  it('files a header by its normalized cells, so case and spacing do not matter', () => {
    expect(shapeKeyOf(['E-mail Address', 'First Name'], true)).toBe(shapeKeyOf(['e_mail address', 'FIRST-NAME '], true));
    expect(shapeKeyOf(['Email', 'First'], true)).not.toBe(shapeKeyOf(['First', 'Email'], true));
  });

  it('files a file without a header by its number of columns', () => {
    expect(shapeKeyOf(['1001', 'ann@example.com'], false)).toBe(shapeKeyOf(['1002', 'bob@example.com'], false));
    expect(shapeKeyOf(['1001', 'ann@example.com'], false)).not.toBe(shapeKeyOf(['1001', 'ann@example.com', 'Ann'], false));
    expect(shapeKeyOf(['a', 'b'], false)).not.toBe(shapeKeyOf(['a', 'b'], true));
  });
});

describe('mappingProblems', () => {
  it('accepts every canonical mapping and the guesses for other platforms’ files', () => {
    for (const kind of CSV_KINDS) expect(mappingProblems({ kind, hasHeader: true, targets: [...CSV_HEADERS[kind]] }), kind).toEqual([]);
    expect(mappingProblems(guessMapping([['1001', 'ann@example.com']], []))).toEqual([]);
  });

  it('names a field mapped twice', () => {
    expect(mappingProblems({ kind: 'user_list', hasHeader: true, targets: ['email', 'email'] })).toEqual(['More than one column is mapped to email: keep one.']);
  });

  it('names every required column left unmapped', () => {
    expect(mappingProblems({ kind: 'licenses', hasHeader: true, targets: ['user_id', null, null] })).toEqual([
      'Map a column to methodology_id: every row needs one.',
      'Map a column to state: every row needs one.',
    ]);
  });

  it('A13: asks for a key column and a custom field in a change via upload', () => {
    expect(mappingProblems({ kind: 'custom_fields', hasHeader: true, targets: ['email', null] })).toEqual(['Map at least one column to a custom field.']);
    expect(mappingProblems({ kind: 'custom_fields', hasHeader: true, targets: [null, 'custom.offboard'] })).toEqual([
      'Map a column to id or to email: it says which user each row is about.',
    ]);
  });

  it('F6: asks for a key column in a bulk-action file, the action being optional', () => {
    expect(mappingProblems({ kind: 'user_list', hasHeader: false, targets: ['id'] })).toEqual([]);
    expect(mappingProblems({ kind: 'user_list', hasHeader: false, targets: ['action', null] })).toHaveLength(1);
  });

  it('names a column mapped to a field the kind does not have', () => {
    expect(mappingProblems({ kind: 'licenses', hasHeader: true, targets: ['user_id', 'methodology_id', 'state', 'email'] })).toEqual([
      'Licenses have no field email: map that column to another field, or ignore it.',
    ]);
    expect(mappingProblems({ kind: 'user_list', hasHeader: true, targets: ['id', 'custom.offboard'] })).toHaveLength(1);
    expect(mappingProblems({ kind: 'users', hasHeader: true, targets: [...CSV_HEADERS.users, 'custom.new_field'] })).toEqual([]);
  });

  it('lets every target a kind offers be mapped', () => {
    for (const kind of [...CSV_KINDS, 'custom_fields', 'user_list'] as const) {
      expect(mappingProblems({ kind, hasHeader: true, targets: targetsOf(kind, ['region']) }), kind).toEqual([]);
    }
  });
});

describe('mapCells', () => {
  const mapping: ColumnMapping = { kind: 'users', hasHeader: true, targets: ['id', null, 'email', 'first_name'] };

  it('reads each mapped column into its field and drops ignored ones', () => {
    expect(mapCells(mapping, ['u1', 'ignored', 'ann@example.com', 'Ann'])).toEqual({ id: 'u1', email: 'ann@example.com', first_name: 'Ann' });
  });

  it('gives a missing cell as blank', () => {
    expect(mapCells(mapping, ['u1'])).toEqual({ id: 'u1', email: '', first_name: '' });
  });

  it('restores cells an export neutralised against formulas', () => {
    const values = ['=u1', '', '-ann@example.com', "'=Ann"];
    expect(mapCells(mapping, values.map(neutralizeFormula))).toEqual({ id: '=u1', email: '-ann@example.com', first_name: "'=Ann" });
  });
});

describe('isRaggedRow', () => {
  const mapping: ColumnMapping = { kind: 'memberships', hasHeader: true, targets: ['user_id', 'community_id'] };

  it('says a row with fewer cells than the header is ragged', () => {
    expect(isRaggedRow(mapping, ['u1'])).toBe(true);
  });

  it('says a row with more non-empty cells than the header is ragged', () => {
    expect(isRaggedRow(mapping, ['u1', 'c1', 'x'])).toBe(true);
  });

  it('accepts a row of the header’s width, or wider only by empty cells', () => {
    expect(isRaggedRow(mapping, ['u1', 'c1'])).toBe(false);
    expect(isRaggedRow(mapping, ['u1', 'c1', '', ' '])).toBe(false);
  });
});

describe('duplicateColumns', () => {
  it('names a column the header gives twice, with its positions, case and spacing ignored', () => {
    expect(duplicateColumns(['id', 'email', 'first_name', 'email', 'last_name', 'Email'])).toEqual([{ name: 'email', positions: [2, 4, 6] }]);
    expect(duplicateColumns(['First Name', 'first-name', 'id'])).toEqual([{ name: 'First Name', positions: [1, 2] }]);
    expect(duplicateColumns([...CSV_HEADERS.users, '', ''])).toEqual([]);
  });
});

describe('whyMappingIsNeeded', () => {
  it('says what is wrong with the header, never that Offboard’s own columns are not its own', () => {
    expect(whyMappingIsNeeded(['id', 'email', 'email'], true, [])).toBe('Choose which of the columns with the same name fills the field; the other is not imported.');
    expect(whyMappingIsNeeded(['U1', 'a@example.com'], false, [])).toBe('This file has no header row: say which field each column fills.');
    expect(whyMappingIsNeeded(['Employee ID', 'E-mail', 'Hire date'], true, [])).toBe('Offboard does not know the column “Hire date”: say which field it fills, or ignore it.');
    expect(whyMappingIsNeeded(['id', 'Hire date', 'Cost centre'], true, [])).toBe('Offboard does not know the columns “Hire date” and “Cost centre”: say which field each one fills, or ignore them.');
    expect(whyMappingIsNeeded(['Department', 'id', 'name'], true, ['department'])).toMatch(/^Offboard knows these columns/);
  });
});

describe('valueTranslatorOf', () => {
  it('reads enumerated cells as Offboard’s values: known words, then the admin’s answers; reports the rest', () => {
    const mapping: ColumnMapping = { kind: 'assignments', hasHeader: true, targets: [...CSV_HEADERS.assignments], values: { status: { paused: 'in_progress', 'on hold': null } } };
    const translate = valueTranslatorOf(mapping, []);
    const unknown: [string, string][] = [];
    const rows = ['Done', 'Paused', 'On Hold', '', 'archived'].map((status) => {
      const cells = { id: 'a1', user_id: 'u1', content_id: 'k1', due_at: '', status };
      translate(cells, (target, cell) => unknown.push([target, cell]));
      return cells.status;
    });
    expect(rows).toEqual(['completed', 'in_progress', 'On Hold', '', 'archived']);
    expect(unknown).toEqual([
      ['status', 'On Hold'],
      ['status', 'archived'],
    ]);
  });
});

describe('mappedColumns and ignoredColumns', () => {
  it('lists what each column fills and names every column whose values are left out', () => {
    const header = ['id', 'email', 'first_name', 'email', 'Hire date', ''];
    const mapping: ColumnMapping = { kind: 'users', hasHeader: true, targets: ['id', 'email', 'first_name', null, null, null] };
    expect(mappedColumns(mapping, header).map((c) => [c.position, c.heading, c.target])).toEqual([
      [1, 'id', 'id'],
      [2, 'email', 'email'],
      [3, 'first_name', 'first_name'],
      [4, 'email', null],
      [5, 'Hire date', null],
      [6, 'Column 6', null],
    ]);
    expect(ignoredColumns(mapping, header).map((c) => `${c.heading} (${c.position})`)).toEqual(['email (4)', 'Hire date (5)']);
    expect(ignoredColumns({ kind: 'user_list', hasHeader: false, targets: ['id', null] }, ['U1', 'x']).map((c) => c.heading)).toEqual(['Column 2']);
  });
});
