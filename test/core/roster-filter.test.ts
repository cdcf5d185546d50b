import { describe, expect, it } from 'vitest';
import { RosterIndex } from '../../src/core/roster-index.ts';
import { EMPTY_FILTER, filterRoster, isFilterEmpty, type RosterFilter } from '../../src/core/roster-filter.ts';
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
  return Array.from(filterRoster(index, { ...EMPTY_FILTER, ...filter }), (p) => index.users[p]!.id).sort();
}

describe('filterRoster', () => {
  it('matches everyone with the empty filter, in name order', () => {
    expect(isFilterEmpty(EMPTY_FILTER)).toBe(true);
    expect(Array.from(filterRoster(index, EMPTY_FILTER), (p) => index.users[p]!.lastName)).toEqual(['Deep', 'Leaf', 'Müller', 'Root', 'Side']);
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

describe('RosterIndex', () => {
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
