import { describe, expect, it } from 'vitest';
import { describeUserEntryMatch, matchUserEntry, userEntryFilter } from '../../src/core/match-user-entry.ts';
import type { User } from '../../src/core/roster-types.ts';

function user(id: string, firstName: string, lastName: string, email: string, status: User['status'] = 'active'): User {
  return { id, email, firstName, lastName, status, managerId: null, customFields: {}, lastLoginAt: null, createdAt: '2026-01-01T00:00:00.000Z', deactivatedAt: null, deactivatedBy: null };
}

const zoe = user('U1', 'Zoë', 'Müller', 'zoe.muller@example.com');
const ann = user('U2', 'Ann', 'Lee', 'ann.lee@example.com');
const ann2 = user('U3', 'Ann', 'Lee', 'ann.lee2@example.com');
const annInactive = user('U4', 'Ann', 'Lee', 'ann.lee3@example.com', 'inactive');
const bob = user('U5', 'Bob', 'Ray', 'bob@example.com', 'inactive');
const roster = [zoe, ann, ann2, annInactive, bob];

describe('matchUserEntry (F3: the new admin of a community)', () => {
  it('an exact full name selects that user, case and accents ignored', () => {
    expect(matchUserEntry('zoe muller', roster)).toEqual({ kind: 'user', user: { id: 'U1', name: 'Zoë Müller', email: 'zoe.muller@example.com' } });
    expect(matchUserEntry('  ZOË   MÜLLER ', roster)).toMatchObject({ kind: 'user', user: { id: 'U1' } });
  });

  it('an exact email selects that user, case ignored', () => {
    expect(matchUserEntry('ANN.LEE2@example.com', roster)).toMatchObject({ kind: 'user', user: { id: 'U3' } });
  });

  it('a picked suggestion "Name (email)" selects the user of that email', () => {
    expect(matchUserEntry('Ann Lee (ann.lee@example.com)', roster)).toMatchObject({ kind: 'user', user: { id: 'U2' } });
  });

  it('a name several active users share asks for the email; inactive namesakes do not count', () => {
    expect(matchUserEntry('Ann Lee', roster)).toEqual({ kind: 'several', count: 2 });
  });

  it('part of a name, or a name nobody has, matches no one', () => {
    expect(matchUserEntry('Zoe', roster)).toEqual({ kind: 'none' });
    expect(matchUserEntry('zoe.muller@example', roster)).toEqual({ kind: 'none' });
    expect(matchUserEntry('Carla Diaz', roster)).toEqual({ kind: 'none' });
  });

  it('an inactive user cannot take the role over', () => {
    expect(matchUserEntry('bob ray', roster)).toMatchObject({ kind: 'inactive', user: { id: 'U5' } });
    expect(matchUserEntry('ann.lee3@example.com', roster)).toMatchObject({ kind: 'inactive', user: { id: 'U4' } });
  });

  it('the admin whose role is passed on cannot take it over', () => {
    expect(matchUserEntry('zoe muller', roster, 'U1')).toMatchObject({ kind: 'current_admin', user: { id: 'U1' } });
  });

  it('an empty entry asks for one', () => {
    expect(matchUserEntry('   ', roster)).toEqual({ kind: 'empty' });
  });
});

describe('userEntryFilter', () => {
  // The folded search text RosterIndex keeps for each user: "first last email".
  const searchText = (u: User) => `${u.firstName} ${u.lastName} ${u.email}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

  it('keeps every user the entry can mean, and few it cannot (matchUserEntry decides)', () => {
    const kept = (text: string) => roster.filter((u) => userEntryFilter(text)!(searchText(u))).map((u) => u.id);
    expect(kept(' Zoë  Müller ')).toEqual(['U1']);
    expect(kept('Ann Lee')).toEqual(['U2', 'U3', 'U4']);
    expect(kept('Ann Lee (Ann.Lee@example.com)')).toEqual(['U2']);
    expect(kept('ANN.LEE2@EXAMPLE.COM')).toEqual(['U3']);
    expect(kept('lee')).toEqual([]);
  });

  it('keeps a user whose search text has a doubled space (no last name)', () => {
    expect(userEntryFilter('Cher')!('cher  cher@example.com')).toBe(true);
  });

  it('is null for an empty entry', () => {
    expect(userEntryFilter('  ')).toBeNull();
  });
});

describe('describeUserEntryMatch', () => {
  const community = 'Sales (C-4)';
  it('says who becomes the admin, or why the Transfer button stays disabled', () => {
    expect(describeUserEntryMatch(matchUserEntry('zoe muller', roster), 'zoe muller', community)).toBe('Zoë Müller (zoe.muller@example.com) becomes the admin of Sales (C-4).');
    expect(describeUserEntryMatch(matchUserEntry('Ann Lee', roster), ' Ann Lee ', community)).toBe('2 active users are named “Ann Lee”: type the email of the one you mean.');
    expect(describeUserEntryMatch(matchUserEntry('Carla', roster), 'Carla', community)).toBe(
      'No active user has the name or email “Carla”. Type a full name or an email exactly, or pick a suggestion.',
    );
    expect(describeUserEntryMatch(matchUserEntry('bob ray', roster), 'bob ray', community)).toBe('Bob Ray (bob@example.com) is inactive: choose an active user.');
    expect(describeUserEntryMatch({ kind: 'empty' }, '', community)).toBe('Type the full name or the email of an active user.');
  });
});
