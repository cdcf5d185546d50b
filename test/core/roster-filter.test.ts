import { describe, expect, it } from 'vitest';
import { RosterIndex } from '../../src/core/roster-index.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { EMPTY_FILTER, completeFilter, filterRoster, isFilterEmpty, parseIdList, searchNarrows, unmatchedIdListEntries, type RosterFilter } from '../../src/core/roster-filter.ts';
import { createRandom } from '../../src/core/seeded-random.ts';
import type { User } from '../../src/core/roster-types.ts';
import { summarizeUserRecords, withSummaries } from '../../src/core/summarize-user-records.ts';

function user(id: string, firstName: string, lastName: string, managerId: string | null, extra: Partial<User> = {}): User {
  return {
    id,
    email: `${firstName}.${lastName}@example.com`.toLowerCase(),
    firstName,
    lastName,
    status: 'active',
    managerId,
    customFields: {},
    lastLoginAt: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    deactivatedAt: null,
    deactivatedBy: null,
    ...extra,
  };
}

const users = [
  user('u1', 'Ada', 'Root', null),
  user('u2', 'Zoë', 'Müller', 'u1', { customFields: { offboard: 'wave-3', region: 'EMEA' } }),
  user('u3', 'Bob', 'Leaf', 'u2', { status: 'inactive', customFields: { offboard: 'wave-3' } }),
  user('u4', 'Cleo', 'Side', 'u1', { customFields: { region: 'APAC' } }),
  user('u5', 'Dan', 'Deep', 'u3'),
];

const memberships = summarizeUserRecords(
  {
    memberships: [
      { userId: 'u2', communityId: 'C-2' },
      { userId: 'u4', communityId: 'C-2' },
      { userId: 'u4', communityId: 'C-1' },
    ],
  },
  null,
);

const index = RosterIndex.build({
  users: withSummaries(users, memberships),
  methodologies: [],
  communities: [],
  customFields: [{ name: 'offboard', label: 'Offboard', allowedValues: [] }],
});

function ids(filter: Partial<RosterFilter>): string[] {
  return Array.from(filterRoster(index, { ...EMPTY_FILTER, ...filter }), (p) => index.idAt(p)).sort();
}

describe('filterRoster', () => {
  it('matches everyone with the empty filter, in name order', () => {
    expect(isFilterEmpty(EMPTY_FILTER)).toBe(true);
    expect(Array.from(filterRoster(index, EMPTY_FILTER), (p) => index.userAt(p).lastName)).toEqual(['Deep', 'Leaf', 'Müller', 'Root', 'Side']);
  });

  it('searches names and emails without regard to case or accents, every word required', () => {
    expect(ids({ text: 'zoe' })).toEqual(['u2']);
    expect(ids({ text: 'MULLER' })).toEqual(['u2']);
    expect(ids({ text: 'ada root' })).toEqual(['u1']);
    expect(ids({ text: 'ada leaf' })).toEqual([]);
    expect(ids({ text: '@example.com' })).toHaveLength(5);
  });

  it('A9: filters by status; deactivated users stay in the list as Inactive', () => {
    expect(ids({ status: 'inactive' })).toEqual(['u3']);
    expect(ids({ status: 'active' })).toEqual(['u1', 'u2', 'u4', 'u5']);
  });

  it('A13: filters by a custom field value, and by the absence of one', () => {
    expect(ids({ customField: { name: 'offboard', value: 'wave-3' } })).toEqual(['u2', 'u3']);
    expect(ids({ customField: { name: 'offboard', value: '' } })).toEqual(['u1', 'u4', 'u5']);
  });

  it('filters by community membership', () => {
    expect(ids({ communityId: 'C-2' })).toEqual(['u2', 'u4']);
    expect(ids({ communityId: 'C-9' })).toEqual([]);
  });

  it('filters by manager subtree at any depth, excluding the manager', () => {
    expect(ids({ managerId: 'u2' })).toEqual(['u3', 'u5']);
    expect(ids({ managerId: 'u1' })).toEqual(['u2', 'u3', 'u4', 'u5']);
    expect(ids({ managerId: 'u5' })).toEqual([]);
  });

  it('combines filters with AND', () => {
    expect(ids({ managerId: 'u1', status: 'active', communityId: 'C-2', text: 'cleo' })).toEqual(['u4']);
  });
});

describe('filterRoster: a search typed further', () => {
  it('looks among the previous matches only when every earlier word is part of a later one, and finds the same users', () => {
    expect(searchNarrows('al', 'ale')).toBe(true);
    expect(searchNarrows('Zoe', 'zoë m')).toBe(true);
    expect(searchNarrows('kim p', 'kim pa')).toBe(true);
    expect(searchNarrows('', 'anything')).toBe(true);
    expect(searchNarrows('ale', 'al')).toBe(false);
    expect(searchNarrows('al ex', 'alex')).toBe(true);
    expect(searchNarrows('al x', 'ale')).toBe(false);
    const demo = generateDemoOrganization({ size: 3_000, seed: 9 });
    const [chunk] = [...demo.chunks(3_000)];
    const globalId = demo.header.communities.find((c) => c.global)?.id ?? null;
    const index = RosterIndex.build({ ...demo.header, users: withSummaries(chunk!.users, summarizeUserRecords(chunk!, globalId)) });
    const random = createRandom(4);
    const letters = 'aeiklmnorstuz .@ë';
    let narrowed = 0;
    for (let sequence = 0; sequence < 200; sequence++) {
      const filter: RosterFilter = { ...EMPTY_FILTER, status: random.chance(0.3) ? 'active' : 'all' };
      let text = '';
      let previous = filterRoster(index, filter);
      for (let key = 0; key < 6; key++) {
        const next = random.chance(0.15) ? text.slice(0, -1) : text + letters[random.int(letters.length)];
        const all = filterRoster(index, { ...filter, text: next });
        if (searchNarrows(text, next)) {
          expect(Array.from(filterRoster(index, { ...filter, text: next }, previous)), `${text} → ${next}`).toEqual(Array.from(all));
          narrowed++;
        }
        text = next;
        previous = all;
      }
    }
    expect(narrowed).toBeGreaterThan(500);
  });
});

describe('filterRoster: the criteria of saved selection rules', () => {
  const people = [
    user('r1', 'Ana', 'Old', null, { lastLoginAt: '2025-03-01T10:00:00.000Z', createdAt: '2020-05-01T00:00:00.000Z', email: 'ana@north.example' }),
    user('r2', 'Ben', 'Never', 'r1', { lastLoginAt: null, createdAt: '2026-01-10T00:00:00.000Z', email: 'ben@SOUTH.example' }),
    user('r3', 'Cy', 'Recent', 'r1', { lastLoginAt: '2026-10-30T08:00:00.000Z', createdAt: '2023-01-01T00:00:00.000Z', email: 'cy@north.example' }),
    user('r4', 'Di', 'Edge', 'r1', { lastLoginAt: '2026-01-01T00:00:00.000Z', createdAt: '2026-01-01T00:00:00.000Z', email: 'di@subnorth.example' }),
  ];
  const licenses = summarizeUserRecords({ licenses: [{ userId: 'r1', methodologyId: 'M-1', state: 'reserved' }, { userId: 'r3', methodologyId: 'M-2', state: 'consumed' }] }, null);
  const rules = RosterIndex.build({ users: withSummaries(people, licenses), methodologies: [], communities: [], customFields: [] });
  const match = (filter: Partial<RosterFilter>): string[] => Array.from(filterRoster(rules, completeFilter(filter)), (p) => rules.idAt(p)).sort();

  it('last sign-in before a day, never, or either', () => {
    expect(match({ lastLogin: { before: '2026-01-01', orNever: false } })).toEqual(['r1']);
    expect(match({ lastLogin: { before: '2026-01-02', orNever: false } })).toEqual(['r1', 'r4']);
    expect(match({ lastLogin: { before: null, orNever: true } })).toEqual(['r2']);
    expect(match({ lastLogin: { before: '2026-01-01', orNever: true } })).toEqual(['r1', 'r2']);
  });

  it('created before a day, by methodology, by email domain', () => {
    expect(match({ createdBefore: '2026-01-01' })).toEqual(['r1', 'r3']);
    expect(match({ methodologyId: 'M-1' })).toEqual(['r1']);
    expect(match({ methodologyId: 'M-9' })).toEqual([]);
    expect(match({ emailDomain: '@North.example' })).toEqual(['r1', 'r3']);
    expect(match({ emailDomain: 'south.example' })).toEqual(['r2']);
  });

  it('F6: an id list of ids and emails, ignoring the case of emails; unmatched entries are listed', () => {
    expect(match({ idList: ['r2', 'CY@NORTH.EXAMPLE', 'nobody@x.example', 'r9'] })).toEqual(['r2', 'r3']);
    expect(unmatchedIdListEntries(rules, ['r2', 'CY@NORTH.EXAMPLE', 'nobody@x.example', 'r9'])).toEqual(['nobody@x.example', 'r9']);
    expect(match({ idList: [] })).toEqual([]);
  });

  it('reads a pasted or uploaded id list: lines, cells, quotes, a header, duplicates', () => {
    expect(parseIdList('id\r\nr1\n"r2"\n\n r3 ;r1\tr4,')).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(parseIdList('email\nana@north.example')).toEqual(['ana@north.example']);
    expect(parseIdList('')).toEqual([]);
  });

  it('a filter saved before a criterion existed still works', () => {
    const old = { text: '', status: 'all', customField: null, communityId: null, managerId: null } as Partial<RosterFilter>;
    expect(isFilterEmpty(completeFilter(old))).toBe(true);
    expect(match(old)).toHaveLength(4);
  });
});

describe('RosterIndex', () => {
  it('A12/A8: an index patched by withChange answers exactly as one built from scratch', () => {
    const demo = generateDemoOrganization({ size: 1_500, seed: 11 });
    const [chunk] = [...demo.chunks(1_500)];
    const globalId = demo.header.communities.find((c) => c.global)!.id;
    const before = RosterIndex.build({ ...demo.header, users: withSummaries(chunk!.users, summarizeUserRecords(chunk!, globalId)) });
    const beforeUsers = [...before.usersInOrder()];
    // Deactivate a manager (reports move up, memberships and reserved licenses go) and reactivate someone.
    const manager = beforeUsers.find((u) => u.status === 'active' && before.reportsOf(u.id).length > 0 && u.managerId !== null)!;
    const inactive = beforeUsers.find((u) => u.status === 'inactive')!;
    const managerPosition = before.positionOf(manager.id)!;
    const changed = [
      { ...manager, status: 'inactive' as const, communityIds: [], licenses: manager.licenses.filter((l) => l.state !== 'reserved') },
      ...beforeUsers.filter((u) => u.managerId === manager.id).map((r) => ({ ...r, managerId: manager.managerId })),
      { ...inactive, status: 'active' as const, communityIds: [globalId] },
    ];
    const patched = before.withChange({ changed, deletedIds: [] });
    const byId = new Map(changed.map((u) => [u.id, u]));
    const rebuilt = RosterIndex.build({ ...demo.header, users: beforeUsers.map((u) => byId.get(u.id) ?? u) });

    expect([...patched.usersInOrder()]).toEqual([...rebuilt.usersInOrder()]);
    expect(patched.activeCount).toBe(rebuilt.activeCount);
    expect(patched.activeCount).toBe(before.activeCount);
    for (const m of demo.header.methodologies) expect(patched.licensesInUse(m.id)).toBe(rebuilt.licensesInUse(m.id));
    for (const c of demo.header.communities) expect(patched.membersMask(c.id)).toEqual(rebuilt.membersMask(c.id));
    for (const u of beforeUsers) expect(patched.reportsOf(u.id).map((r) => r.id)).toEqual(rebuilt.reportsOf(u.id).map((r) => r.id));
    expect(patched.reportsOf(manager.id)).toEqual([]);
    for (let p = 0; p < patched.size; p++) expect(patched.searchTextAt(p)).toBe(rebuilt.searchTextAt(p));
    // The view it came from still names the same users at the same positions (read as they are now),
    // and cannot be changed again: its table has moved on.
    expect(before.idAt(managerPosition)).toBe(manager.id);
    expect(before.userAt(managerPosition).status).toBe('inactive');
    expect(() => before.withChange({ changed: [], deletedIds: [] })).toThrow(/latest view/);
  });

  it('walks the manager chain nearest first', () => {
    expect(index.managerChainOf('u5').map((u) => u.id)).toEqual(['u3', 'u2', 'u1']);
  });

  it('survives a manager cycle in bad data without looping', () => {
    const cyclic = RosterIndex.build({
      users: withSummaries([user('a', 'A', 'A', 'b'), user('b', 'B', 'B', 'a')], new Map()),
      methodologies: [], communities: [], customFields: [],
    });
    expect(cyclic.managerChainOf('a').map((u) => u.id)).toEqual(['b']);
    expect([...cyclic.subtreeOf('a')]).toEqual(['b']);
  });

  it('lists custom field values in use plus the allowed ones', () => {
    expect(index.valuesOfField('offboard')).toEqual(['wave-3']);
    expect(index.valuesOfField('region')).toEqual(['APAC', 'EMEA']);
  });
});
