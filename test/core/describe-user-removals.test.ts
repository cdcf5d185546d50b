import { describe, expect, it } from 'vitest';
import { describeUserRemovals, type UserRemovalRecords } from '../../src/core/describe-user-removals.ts';
import type { User } from '../../src/core/roster-types.ts';

const ann: User = {
  id: 'U1',
  email: 'ann@example.com',
  firstName: 'Ann',
  lastName: 'Lee',
  status: 'active',
  managerId: null,
  customFields: {},
  lastLoginAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  deactivatedAt: null,
  deactivatedBy: null,
};

const records: UserRemovalRecords = {
  communityIds: ['C-1', 'C-4', 'C-9'],
  membershipRequests: [{ communityId: 'C-7' }],
  certificates: [
    { courseId: 'CRS-3', communityId: 'C-4' },
    { courseId: 'CRS-1', communityId: 'C-1' },
  ],
  assignments: [
    { contentId: 'CNT-14', dueAt: '2026-11-13T00:00:00.000Z' },
    { contentId: 'CNT-2', dueAt: null },
  ],
  completions: [{ courseId: 'CRS-1', communityId: 'C-1' }],
  tokenCount: 3,
};

const names: Record<string, string> = { 'C-1': 'All Company', 'C-4': 'Sales', 'C-7': 'Finance' };
const communityName = (id: string) => names[id];

describe('describeUserRemovals', () => {
  it('F9/A3/A7: a deactivation names the communities, requests, certificates and assignments it removes', () => {
    expect(describeUserRemovals('deactivate', { assignments: 'remove' }, ann, records, communityName)).toEqual({
      userId: 'U1',
      name: 'Ann Lee',
      email: 'ann@example.com',
      // A community no longer known keeps its id.
      communities: ['All Company (C-1)', 'C-9', 'Sales (C-4)'],
      requests: ['Finance (C-7)'],
      certificates: ['CRS-1 in All Company (C-1)', 'CRS-3 in Sales (C-4)'],
      assignments: ['CNT-14, due 13 Nov 2026', 'CNT-2'],
      assignmentsKept: 0,
      // F9: completion records are kept.
      completions: [],
      tokens: 3,
    });
  });

  it('A3/F8: with the retain policy, assignments stay and are only counted', () => {
    const removals = describeUserRemovals('deactivate', { assignments: 'retain' }, ann, records, communityName);
    expect(removals.assignments).toEqual([]);
    expect(removals.assignmentsKept).toBe(2);
  });

  it('F2: a deletion removes assignments whatever the policy, and completion records too', () => {
    const removals = describeUserRemovals('delete', { assignments: 'retain' }, ann, records, communityName);
    expect(removals.assignments).toEqual(['CNT-14, due 13 Nov 2026', 'CNT-2']);
    expect(removals.completions).toEqual(['CRS-1 in All Company (C-1)']);
  });

  it('R3: a reactivation removes nothing', () => {
    const removals = describeUserRemovals('reactivate', { assignments: 'remove' }, ann, records, communityName);
    expect(removals).toMatchObject({ communities: [], requests: [], certificates: [], assignments: [], completions: [], tokens: 0 });
  });
});
