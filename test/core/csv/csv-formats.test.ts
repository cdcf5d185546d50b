import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/seeded-random.ts';
import {
  CSV_HEADERS,
  CSV_KINDS,
  REQUIRED_COLUMNS,
  canonicalTime,
  detectCsvKind,
  headerOf,
  mapRow,
  readRow,
  neutralizeFormula,
  normalizeHeaderCell,
  recordToRow,
  restoreNeutralizedCell,
  splitList,
  usersHeader,
  type CsvKind,
  type CsvRecordOf,
} from '../../../src/core/csv/csv-formats.ts';

/** The cells of a row by column, as the import hands them to `mapRow`. */
function cellsOf(header: readonly string[], row: readonly string[]): Record<string, string> {
  return Object.fromEntries(header.map((column, i) => [column, row[i] ?? '']));
}

const validUserCells = {
  id: 'u1',
  email: 'ann@example.com',
  first_name: 'Ann',
  last_name: 'Lee',
  status: 'active',
  manager_id: '',
  last_login_at: '',
  created_at: '2026-01-05T08:00:00.000Z',
};

describe('canonical headers', () => {
  it('gives every kind its fixed columns, with the required ones among them', () => {
    for (const kind of CSV_KINDS) {
      expect(headerOf(kind)).toEqual(CSV_HEADERS[kind]);
      for (const column of REQUIRED_COLUMNS[kind]) expect(CSV_HEADERS[kind]).toContain(column);
    }
  });

  it('adds one custom.<field> column per custom field to a users header, in the order given', () => {
    expect(usersHeader(['region', 'offboard'])).toEqual([...CSV_HEADERS.users, 'custom.region', 'custom.offboard']);
    expect(headerOf('users', ['region'])).toEqual([...CSV_HEADERS.users, 'custom.region']);
    expect(headerOf('licenses', ['region'])).toEqual(CSV_HEADERS.licenses);
  });
});

describe('normalizeHeaderCell', () => {
  it.each([
    ['  Email ', 'email'],
    ['First Name', 'first_name'],
    ['manager-id', 'manager_id'],
    ['LAST   LOGIN-at', 'last_login_at'],
    ['\uFEFFid', 'id'],
    ['', ''],
  ])('reads %j as %j', (cell, expected) => {
    expect(normalizeHeaderCell(cell)).toBe(expected);
  });

  it('keeps the case and inner spaces of a custom field name, trimming around it', () => {
    expect(normalizeHeaderCell('Custom.Offboard Wave ')).toBe('custom.Offboard Wave');
    expect(normalizeHeaderCell('custom. region')).toBe('custom.region');
  });
});

describe('detectCsvKind', () => {
  it('tells every kind by its canonical header', () => {
    for (const kind of CSV_KINDS) expect(detectCsvKind(CSV_HEADERS[kind])).toBe(kind);
  });

  it('ignores column order, case, spaces and a BOM', () => {
    expect(detectCsvKind(['\uFEFFCommunity ID', 'User-Id'])).toBe('memberships');
    expect(detectCsvKind(['STATE', 'methodology_id', 'user_id'])).toBe('licenses');
    expect(detectCsvKind([...CSV_HEADERS.users].reverse().map((c) => c.toUpperCase()))).toBe('users');
  });

  it('takes custom.<field> columns on a users file only', () => {
    expect(detectCsvKind([...CSV_HEADERS.users, 'custom.region', 'custom.offboard'])).toBe('users');
    expect(detectCsvKind([...CSV_HEADERS.licenses, 'custom.region'])).toBeNull();
  });

  it('ignores the empty columns a spreadsheet saves after the last one', () => {
    expect(detectCsvKind([...CSV_HEADERS.communities, '', ' '])).toBe('communities');
  });

  it.each([
    ['a missing column', CSV_HEADERS.users.slice(1)],
    ['an extra column', [...CSV_HEADERS.memberships, 'joined_at']],
    ['a repeated column', [...CSV_HEADERS.memberships, 'User ID']],
    ['a custom column without a name', [...CSV_HEADERS.users, 'custom.']],
    ['another platform’s header', ['E-mail Address', 'First Name', 'Manager']],
    ['no header at all', ['u1', 'ann@example.com', 'Ann', 'Lee']],
    ['an empty header', []],
  ])('is null for %s', (_, header) => {
    expect(detectCsvKind(header)).toBeNull();
  });
});

describe('canonicalTime', () => {
  it.each([
    ['2026-03-31', '2026-03-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    [' 2026-03-31 ', '2026-03-31T00:00:00.000Z'],
    ['2026-03-31T09:30:00Z', '2026-03-31T09:30:00.000Z'],
    ['2026-03-31T09:30:00.123Z', '2026-03-31T09:30:00.123Z'],
    ['2026-03-31T09:30Z', '2026-03-31T09:30:00.000Z'],
    ['2026-03-31 09:30:00Z', '2026-03-31T09:30:00.000Z'],
  ])('reads the day or UTC time %j', (value, expected) => {
    expect(canonicalTime(value)).toBe(expected);
  });

  it.each([
    ['2026-03-31T09:30:00', '2026-03-31T09:30:00.000Z'],
    ['2026-03-31T09:30', '2026-03-31T09:30:00.000Z'],
    ['2026-03-31 23:59:59', '2026-03-31T23:59:59.000Z'],
  ])('reads a time without a zone, %j, as UTC whatever the device’s zone', (value, expected) => {
    expect(canonicalTime(value)).toBe(expected);
  });

  it.each([
    ['2026-03-31T09:30:00+02:00', '2026-03-31T07:30:00.000Z'],
    ['2026-03-31T09:30:00+0200', '2026-03-31T07:30:00.000Z'],
    ['2026-03-31 09:30:00-05:30', '2026-03-31T15:00:00.000Z'],
    ['2026-03-31T00:30:00+01:00', '2026-03-30T23:30:00.000Z'],
    ['2026-12-31T23:00:00-02:00', '2027-01-01T01:00:00.000Z'],
  ])('converts the offset of %j to UTC', (value, expected) => {
    expect(canonicalTime(value)).toBe(expected);
  });

  it('gives a time as `toISOString` writes it back as it is, and refuses one that names no moment, whichever way it is read', () => {
    const random = createRandom(7);
    for (let i = 0; i < 2_000; i++) {
      const ms = Date.UTC(1000 + random.int(9_000), 0, 1) + random.int(366 * 86_400_000);
      const iso = new Date(ms).toISOString();
      if (iso.length !== 24) continue;
      expect(canonicalTime(iso)).toBe(iso);
      expect(canonicalTime(` ${iso}\t`)).toBe(iso);
    }
    for (const value of ['2026-02-30T10:00:00.000Z', '2025-02-29T00:00:00.000Z', '2026-04-31T23:59:59.999Z', '2026-03-31T09:60:00.000Z']) expect(canonicalTime(value), value).toBeNull();
    expect(canonicalTime('2024-02-29T00:00:00.000Z')).toBe('2024-02-29T00:00:00.000Z');
  });

  it.each(['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-02-30T10:00:00Z'])('rejects %j: the day does not exist', (value) => {
    expect(canonicalTime(value)).toBeNull();
  });

  it.each(['', 'yesterday', '31/03/2026', '03/31/2026', '2026-3-31', '20260331', '2026-03-31T25:00:00Z', '2026-03-31T09:61Z', '2026-03-31T09:30:00+99:00', '2026-03-31T', '2026-03-31garbage', '1711878600000'])(
    'rejects %j',
    (value) => {
      expect(canonicalTime(value)).toBeNull();
    },
  );
});

describe('splitList', () => {
  it('splits on ; trimming parts and dropping empty ones', () => {
    expect(splitList(' u1 ; u2;;u3; ')).toEqual(['u1', 'u2', 'u3']);
    expect(splitList('')).toEqual([]);
  });
});

describe('mapRow', () => {
  it('reads a users row, custom fields included, trimming cells', () => {
    const mapped = mapRow('users', {
      ...validUserCells,
      id: ' u1 ',
      email: ' ann@example.com ',
      status: 'Inactive',
      manager_id: 'u0',
      last_login_at: '2026-03-01',
      'custom.region': ' EMEA ',
      'custom.offboard': '',
    });
    expect(mapped.problems).toEqual([]);
    expect(mapped.record).toEqual({
      id: 'u1',
      email: 'ann@example.com',
      firstName: 'Ann',
      lastName: 'Lee',
      status: 'inactive',
      managerId: 'u0',
      customFields: { region: 'EMEA' },
      lastLoginAt: '2026-03-01T00:00:00.000Z',
      createdAt: '2026-01-05T08:00:00.000Z',
      deactivatedAt: null,
      deactivatedBy: null,
    });
  });

  it('defaults a blank status to active, a blank manager and last login to none', () => {
    const mapped = mapRow('users', { id: 'u1', email: 'ann@example.com' });
    expect(mapped.record).toMatchObject({ status: 'active', managerId: null, lastLoginAt: null, firstName: '', customFields: {} });
  });

  it('says every cell that is wrong, not only the first', () => {
    const mapped = mapRow('users', { ...validUserCells, id: ' ', email: 'not-an-email', status: 'gone', last_login_at: 'last week', created_at: '2026-02-30' });
    expect(mapped.record).toBeNull();
    expect(mapped.problems.map((p) => [p.column, p.code])).toEqual([
      ['id', 'required'],
      ['email', 'invalid_email'],
      ['status', 'invalid_status'],
      ['created_at', 'invalid_time'],
      ['last_login_at', 'invalid_time'],
    ]);
    expect(mapped.problems.find((p) => p.column === 'status')?.message).toContain('"gone"');
  });

  it.each(['ann', 'ann@', '@example.com', 'ann@example', 'ann lee@example.com', 'ann@@example.com'])('rejects the email %j', (email) => {
    const mapped = mapRow('users', { ...validUserCells, email });
    expect(mapped.problems.map((p) => p.code)).toEqual(['invalid_email']);
  });

  it('requires the required columns of every kind', () => {
    for (const kind of CSV_KINDS) {
      const mapped = mapRow(kind, {});
      const required = mapped.problems.filter((p) => p.code === 'required').map((p) => p.column);
      expect(required, kind).toEqual(REQUIRED_COLUMNS[kind]);
    }
  });

  it('reads communities, a global flag in several spellings and admin ids split on ; without repeats', () => {
    for (const [cell, isGlobal] of [
      ['true', true],
      ['TRUE', true],
      ['yes', true],
      ['1', true],
      ['false', false],
      ['No', false],
      ['0', false],
      ['', false],
    ] as const) {
      const mapped = mapRow('communities', { id: 'c1', name: 'All', global: cell, admin_ids: 'u1; u2;u1;' });
      expect(mapped.record, cell).toEqual({ id: 'c1', name: 'All', global: isGlobal, adminIds: ['u1', 'u2'] });
    }
    expect(mapRow('communities', { id: 'c1', name: 'All', global: 'maybe' }).problems.map((p) => p.code)).toEqual(['invalid_boolean']);
  });

  it('reads a membership', () => {
    expect(mapRow('memberships', { user_id: 'u1', community_id: 'c1' }).record).toEqual({ userId: 'u1', communityId: 'c1' });
  });

  it('reads methodologies: model seat or ela in any case, seats a whole number', () => {
    expect(mapRow('methodologies', { id: 'm1', name: 'Agile', model: 'ELA', seats: '0' }).record).toEqual({ id: 'm1', name: 'Agile', model: 'ela', seats: 0 });
    expect(mapRow('methodologies', { id: 'm1', name: 'Agile', model: 'subscription', seats: '5' }).problems.map((p) => p.code)).toEqual(['invalid_model']);
    for (const seats of ['-1', '2.5', '1,000', 'ten', '1e3', '99999999999999999999']) {
      expect(mapRow('methodologies', { id: 'm1', name: 'Agile', model: 'seat', seats }).problems.map((p) => p.code), seats).toEqual(['invalid_number']);
    }
  });

  it('reads licenses: state reserved or consumed', () => {
    expect(mapRow('licenses', { user_id: 'u1', methodology_id: 'm1', state: 'Consumed' }).record).toEqual({ userId: 'u1', methodologyId: 'm1', state: 'consumed' });
    expect(mapRow('licenses', { user_id: 'u1', methodology_id: 'm1', state: 'expired' }).problems.map((p) => p.code)).toEqual(['invalid_state']);
  });

  it('reads assignments: a blank due day is none, a blank status not started', () => {
    expect(mapRow('assignments', { id: 'a1', user_id: 'u1', content_id: 'k1', due_at: '', status: '' }).record).toEqual({
      id: 'a1',
      userId: 'u1',
      contentId: 'k1',
      dueAt: null,
      status: 'not_started',
    });
    expect(mapRow('assignments', { id: 'a1', user_id: 'u1', content_id: 'k1', due_at: '2026-04-01', status: 'In_Progress' }).record).toMatchObject({
      dueAt: '2026-04-01T00:00:00.000Z',
      status: 'in_progress',
    });
    const wrong = mapRow('assignments', { id: 'a1', user_id: 'u1', content_id: 'k1', due_at: 'soon', status: 'paused' });
    expect(wrong.problems.map((p) => p.code)).toEqual(['invalid_time', 'invalid_status']);
  });

  it('reads completions and certificates, whose times must be real times', () => {
    expect(mapRow('completions', { user_id: 'u1', course_id: 'k1', community_id: 'c1', completed_at: '2026-03-01T10:00:00+01:00' }).record).toEqual({
      userId: 'u1',
      courseId: 'k1',
      communityId: 'c1',
      completedAt: '2026-03-01T09:00:00.000Z',
    });
    expect(mapRow('completions', { user_id: 'u1', course_id: 'k1', community_id: 'c1', completed_at: '2026-02-30' }).problems.map((p) => p.code)).toEqual(['invalid_time']);
    expect(mapRow('certificates', { id: 'x1', user_id: 'u1', course_id: 'k1', community_id: 'c1', issued_at: '' }).record).toMatchObject({ issuedAt: '' });
    expect(mapRow('certificates', { id: 'x1', user_id: 'u1', course_id: 'k1', community_id: 'c1', issued_at: 'never' }).problems.map((p) => p.code)).toEqual(['invalid_time']);
  });
});

/** A small deterministic generator, so that a failing case can be replayed. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  // Values that trip spreadsheets and CSV writers, none with spaces around it (cells are trimmed on import).
  const words = ['Ann', 'Zoë', 'O’Brien', "O'Neil", 'Lee, Jr.', 'say "hi"', '=SUM(A1)', '+33 1 23', '-5', '@home', "'=quoted", "'plain", 'Ærø', '李', 'a=b', 'x y'];
  const text = () => pick(words) + (next() < 0.5 ? '' : ` ${pick(words)}`);
  const id = (prefix: string) => `${pick(['', '-', '=', '@'])}${prefix}${Math.floor(next() * 1e6)}`;
  const time = () => new Date(Date.UTC(2000, 0, 1) + Math.floor(next() * 30 * 365 * 86_400_000)).toISOString();
  const maybe = <T>(value: () => T): T | null => (next() < 0.3 ? null : value());
  return { next, pick, text, id, time, maybe };
}

const CUSTOM_FIELD_NAMES = ['region', 'Offboard Wave'];

function generateRecord(kind: CsvKind, r: ReturnType<typeof randomSource>): CsvRecordOf[CsvKind] {
  switch (kind) {
    case 'users': {
      const customFields: Record<string, string> = {};
      for (const name of CUSTOM_FIELD_NAMES) if (r.next() < 0.6) customFields[name] = r.text();
      return {
        id: r.id('u'),
        email: `${r.pick(['ann', 'zoe.lee', 'o+tag', '-dash'])}${Math.floor(r.next() * 1000)}@example.com`,
        firstName: r.next() < 0.1 ? '' : r.text(),
        lastName: r.text(),
        status: r.pick(['active', 'inactive'] as const),
        managerId: r.maybe(() => r.id('u')),
        customFields,
        lastLoginAt: r.maybe(r.time),
        createdAt: r.time(),
        deactivatedAt: null,
        deactivatedBy: null,
      };
    }
    case 'communities':
      return { id: r.id('c'), name: r.text(), global: r.next() < 0.5, adminIds: [...new Set(Array.from({ length: Math.floor(r.next() * 4) }, () => r.id('u')))] };
    case 'memberships':
      return { userId: r.id('u'), communityId: r.id('c') };
    case 'methodologies':
      return { id: r.id('m'), name: r.text(), model: r.pick(['seat', 'ela'] as const), seats: Math.floor(r.next() * 10_000) };
    case 'licenses':
      return { userId: r.id('u'), methodologyId: r.id('m'), state: r.pick(['reserved', 'consumed'] as const) };
    case 'assignments':
      return { id: r.id('a'), userId: r.id('u'), contentId: r.id('k'), dueAt: r.maybe(r.time), status: r.pick(['not_started', 'in_progress', 'completed', 'overdue'] as const) };
    case 'completions':
      return { userId: r.id('u'), courseId: r.id('k'), communityId: r.id('c'), completedAt: r.time() };
    case 'certificates':
      return { id: r.id('x'), userId: r.id('u'), courseId: r.id('k'), communityId: r.id('c'), issuedAt: r.time() };
  }
}

describe('recordToRow and mapRow', () => {
  for (const kind of CSV_KINDS) {
    it(`export → import → export gives the same cells for ${kind} (generated records)`, () => {
      const r = randomSource(CSV_KINDS.indexOf(kind) + 1);
      const names = kind === 'users' ? CUSTOM_FIELD_NAMES : [];
      const header = headerOf(kind, names);
      for (let i = 0; i < 300; i++) {
        const record = generateRecord(kind, r);
        const exported = recordToRow(kind, record, names).map(neutralizeFormula);
        expect(exported).toHaveLength(header.length);
        const imported = mapRow(kind, cellsOf(header, exported.map(restoreNeutralizedCell)));
        expect(imported.problems, JSON.stringify(record)).toEqual([]);
        expect(imported.record).toEqual(record);
        expect(recordToRow(kind, imported.record!, names).map(neutralizeFormula)).toEqual(exported);
      }
    });
  }

  it('writes a user’s custom fields in the order of the names asked for, blank when unset', () => {
    const user = mapRow('users', { ...validUserCells, 'custom.b': 'B' }).record!;
    expect(recordToRow('users', user, ['a', 'b']).slice(-2)).toEqual(['', 'B']);
  });
});

describe('neutralizeFormula and restoreNeutralizedCell', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1'])('neutralise %j with an apostrophe', (cell) => {
    expect(neutralizeFormula(cell)).toBe(`'${cell}`);
  });

  it.each(['', 'Ann', 'a=b', "'", "'plain", 'ann@example.com', '2026-01-01T00:00:00.000Z', ' =1'])('leave %j alone', (cell) => {
    expect(neutralizeFormula(cell)).toBe(cell);
    expect(restoreNeutralizedCell(cell)).toBe(cell);
  });

  it('restore what a value starting with an apostrophe and a formula sign was, keeping its apostrophe', () => {
    expect(neutralizeFormula("'=1")).toBe("''=1");
    expect(restoreNeutralizedCell("''=1")).toBe("'=1");
  });

  it('round-trip every cell, whatever it starts with', () => {
    const starts = ['', "'", "''", '=', '+', '-', '@', '\t', '\r', 'a', ' '];
    for (const a of starts) for (const b of starts) for (const rest of ['', 'x', '=x']) {
      const cell = a + b + rest;
      expect(restoreNeutralizedCell(neutralizeFormula(cell)), JSON.stringify(cell)).toBe(cell);
    }
  });

  it('restore a spreadsheet’s text prefix on an imported formula-like cell', () => {
    expect(restoreNeutralizedCell("'-42")).toBe('-42');
    expect(restoreNeutralizedCell("'@home")).toBe('@home');
  });
});

describe('mapRow: other platforms’ words', () => {
  it('reads enumerated values in other platforms’ words, case and spacing ignored', () => {
    expect(mapRow('assignments', { id: 'a1', user_id: 'u1', content_id: 'k1', status: 'Done' }).record).toMatchObject({ status: 'completed' });
    expect(mapRow('assignments', { id: 'a1', user_id: 'u1', content_id: 'k1', status: 'Not Started' }).record).toMatchObject({ status: 'not_started' });
    expect(mapRow('users', { id: 'u1', email: 'a@example.com', status: 'Disabled' }).record).toMatchObject({ status: 'inactive' });
    expect(mapRow('licenses', { user_id: 'u1', methodology_id: 'm1', state: 'used' }).record).toMatchObject({ state: 'consumed' });
    expect(mapRow('methodologies', { id: 'm1', name: 'Agile', model: 'Seats', seats: '5' }).record).toMatchObject({ model: 'seat' });
    expect(mapRow('communities', { id: 'c1', name: 'All', global: 'Yes' }).record).toMatchObject({ global: true });
  });

  it('reads a row with wrong cells as far as it can and says every problem', () => {
    const read = readRow('users', { id: '', email: 'nope', status: 'gone', manager_id: 'm9', last_login_at: 'soon' });
    expect(read.problems.map((p) => p.code)).toEqual(['required', 'invalid_email', 'invalid_status', 'invalid_time']);
    expect(read.record).toMatchObject({ id: '', managerId: 'm9', status: 'active', lastLoginAt: null });
  });
});
