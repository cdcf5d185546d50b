/**
 * The worker's roster in columns (RosterIndex over a UserTable) must answer exactly as the users it was
 * given: seeded random sequences of changes (new users, renames, status, managers, custom fields,
 * communities, licenses with ELA releases, large counts, timestamps not as `toISOString` writes them,
 * deletions), each applied with `withChange`, every answer compared after every step with a model that
 * keeps plain user objects and works everything out the slow, obvious way.
 */
import { describe, expect, it } from 'vitest';
import { customFieldTags } from '../../src/core/custom-field-tags.ts';
import { foldText } from '../../src/core/fold-text.ts';
import { lastChangeOfUser } from '../../src/core/planning-roster.ts';
import { EMPTY_FILTER, filterRoster, type RosterFilter } from '../../src/core/roster-filter.ts';
import { RosterIndex, RosterIndexBuilder, type IndexedUser } from '../../src/core/roster-index.ts';
import { encodeHead, userAt } from '../../src/core/blocks/user-block.ts';
import type { Community, LicenseGrant, Methodology } from '../../src/core/roster-types.ts';
import { createRandom, type Random } from '../../src/core/seeded-random.ts';
import type { StoredUser } from '../../src/core/stored-user.ts';
import { emptyUserRecordCounts } from '../../src/core/user-record-counts.ts';

const SEQUENCES = 120;
const STEPS = 12;

const FIRST = ['Ada', 'ada', 'Zoë', 'Zoe', 'Łukasz', 'Bo', 'Bob', 'Émile', 'Van der', 'Σοφία'];
const LAST = ['Root', 'Müller', 'Muller', 'Li', 'Lin', "O'Brien", 'Abara', 'Zhang', 'ΟΔΥΣΣΕΥΣ'];
const FIELDS = ['region', 'department', 'offboard'];
const VALUES = ['EMEA', 'APAC', 'wave-3', '', 'Sales'];
const communities: Community[] = ['C-1', 'C-2', 'C-10', 'C-3'].map((id, i) => ({ id, name: `Community ${id}`, global: i === 0, adminIds: [] }) as unknown as Community);
const methodologies: Methodology[] = [
  { id: 'M-1', name: 'Seats', model: 'seat', seats: 10 },
  { id: 'M-2', name: 'Enterprise', model: 'ela', seats: 10 },
  { id: 'M-3', name: 'Other', model: 'seat', seats: 5 },
];

function time(random: Random): string | null {
  if (random.chance(0.15)) return null;
  const ms = Date.UTC(2020, 0, 1) + random.int(6 * 365) * 86_400_000 + random.int(86_400_000);
  // Some systems write timestamps without milliseconds: kept as written, compared as strings.
  return random.chance(0.1) ? new Date(ms).toISOString().replace('.000Z', 'Z').replace(/\.\d{3}Z$/, 'Z') : new Date(ms).toISOString();
}

function licensesFor(random: Random, userId: string): LicenseGrant[] {
  const licenses: LicenseGrant[] = [];
  for (const m of methodologies) {
    if (!random.chance(0.4)) continue;
    const license: LicenseGrant = { userId, methodologyId: m.id, state: random.chance(0.5) ? 'consumed' : 'reserved' };
    if (random.chance(0.2)) license.releasedFromElaAt = random.chance(0.3) ? null : time(random) ?? '2026-01-01T00:00:00.000Z';
    licenses.push(license);
  }
  return licenses;
}

function countsFor(random: Random): IndexedUser['counts'] {
  const counts = emptyUserRecordCounts();
  const large = (): number => (random.chance(0.1) ? 255 + random.int(2_000) : random.int(6));
  counts.requests = large();
  counts.assignments = large();
  counts.removedAssignments = random.int(3);
  counts.completions = large();
  counts.certificates = random.int(4);
  counts.uncertifiedGlobalCompletions = random.int(3);
  counts.tokens = { auth: random.int(3), auto_login: large(), device: random.int(2), oauth: 0 };
  counts.hasRetainedHistory = random.chance(0.2);
  counts.lastActivityAt = counts.hasRetainedHistory ? time(random) : null;
  return counts;
}

function userFor(random: Random, id: string, ids: readonly string[]): IndexedUser {
  const customFields: Record<string, string> = {};
  for (const field of FIELDS) if (random.chance(0.5)) customFields[field] = random.pick(VALUES);
  const isInactive = random.chance(0.25);
  const user: IndexedUser = {
    id,
    email: random.chance(0.2) ? `${id}@Mixed.Example` : `${id.toLowerCase()}@${random.pick(['north', 'south'])}.example`,
    firstName: random.pick(FIRST),
    lastName: random.pick(LAST),
    status: isInactive ? 'inactive' : 'active',
    // Managers on the roster, managers not (yet) on it, themselves (bad data), nobody.
    managerId: random.chance(0.2) ? null : random.chance(0.1) ? `gone-${random.int(3)}` : random.chance(0.03) ? id : ids.length > 0 ? random.pick(ids) : null,
    customFields,
    lastLoginAt: time(random),
    createdAt: time(random) ?? '2019-05-01T00:00:00.000Z',
    deactivatedAt: isInactive ? time(random) : null,
    deactivatedBy: isInactive ? random.pick(['admin', 'U-1']) : null,
    communityIds: communities.filter(() => random.chance(0.4)).map((c) => c.id),
    licenses: licensesFor(random, id),
    counts: countsFor(random),
  };
  if (random.chance(0.6)) user.revision = random.int(1_000_000);
  return user;
}

const stored = (user: IndexedUser): StoredUser => ({ ...user, fieldTags: customFieldTags(user.customFields) });

/** The list's order, worked out on whole strings as the index did when it held objects. */
const orderKey = (u: IndexedUser): string => `${foldText(u.lastName)}\u0000${foldText(u.firstName)}\u0000${u.id}`;

function inOrder(model: Map<string, IndexedUser>): IndexedUser[] {
  return [...model.values()].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
}

/** The filters as they read user objects before the roster was held in columns. */
function modelFilter(users: readonly IndexedUser[], filter: RosterFilter): string[] {
  const words = foldText(filter.text).split(/\s+/).filter(Boolean);
  const below = filter.managerId === null ? null : subtreeOf(users, filter.managerId);
  return users
    .filter((user) => {
      if (filter.status !== 'all' && user.status !== filter.status) return false;
      if (filter.customField && (user.customFields[filter.customField.name] ?? '') !== filter.customField.value) return false;
      if (below && !below.has(user.id)) return false;
      if (filter.communityId && !user.communityIds.includes(filter.communityId)) return false;
      if (filter.lastLogin) {
        const at = user.lastLoginAt;
        if (!(at === null ? filter.lastLogin.orNever : filter.lastLogin.before !== null && at < filter.lastLogin.before)) return false;
      }
      if (filter.createdBefore && !(user.createdAt < filter.createdBefore)) return false;
      if (filter.methodologyId && !user.licenses.some((l) => l.methodologyId === filter.methodologyId)) return false;
      if (filter.emailDomain && !user.email.toLowerCase().endsWith(`@${filter.emailDomain.toLowerCase()}`)) return false;
      if (filter.idList) {
        const listed = new Set(filter.idList.map((e) => e.toLowerCase()));
        if (!listed.has(user.id.toLowerCase()) && !listed.has(user.email.toLowerCase())) return false;
      }
      const text = foldText(`${user.firstName} ${user.lastName} ${user.email}`);
      return words.every((w) => text.includes(w));
    })
    .map((u) => u.id);
}

function subtreeOf(users: readonly IndexedUser[], managerId: string): Set<string> {
  const below = new Set<string>();
  const ids = new Set(users.map((u) => u.id));
  if (!ids.has(managerId)) return below;
  const stack = [managerId];
  while (stack.length > 0) {
    const at = stack.pop()!;
    for (const u of users) {
      if (u.managerId !== at || below.has(u.id) || u.id === managerId) continue;
      below.add(u.id);
      stack.push(u.id);
    }
  }
  return below;
}

function randomFilter(random: Random, ids: readonly string[]): RosterFilter {
  const filter: RosterFilter = { ...EMPTY_FILTER };
  if (random.chance(0.3)) filter.text = random.pick(['ad', 'zoe', 'MUL', 'li north', 'lukasz', 'emile', 'odys', 'u-1', 'van d', 'σοφ']);
  if (random.chance(0.3)) filter.status = random.pick(['active', 'inactive'] as const);
  if (random.chance(0.3)) filter.customField = { name: random.pick([...FIELDS, 'unknown']), value: random.pick(VALUES) };
  if (random.chance(0.3)) filter.communityId = random.pick([...communities.map((c) => c.id), 'C-404']);
  if (random.chance(0.3) && ids.length > 0) filter.managerId = random.pick(ids);
  if (random.chance(0.3)) filter.lastLogin = { before: random.chance(0.8) ? random.pick(['2022-06-01', '2024-01-01', '2026-12-31']) : null, orNever: random.chance(0.5) };
  if (random.chance(0.3)) filter.createdBefore = random.pick(['2021-01-01', '2023-07-15', '2019-05-01']);
  if (random.chance(0.3)) filter.methodologyId = random.pick(['M-1', 'M-2', 'M-3', 'M-9']);
  if (random.chance(0.2)) filter.emailDomain = random.pick(['north.example', 'MIXED.example']);
  if (random.chance(0.2)) filter.idList = ids.filter(() => random.chance(0.3)).map((id) => (random.chance(0.5) ? id.toUpperCase() : id));
  return filter;
}

function expectSameAsModel(index: RosterIndex, model: Map<string, IndexedUser>, random: Random): void {
  const users = inOrder(model);
  expect(index.size).toBe(users.length);
  expect([...index.usersInOrder()]).toEqual(users.map(stored));
  expect(index.activeCount).toBe(users.filter((u) => u.status === 'active').length);
  for (const m of methodologies) {
    expect(index.licensesInUse(m.id)).toBe(users.flatMap((u) => u.licenses).filter((l) => l.methodologyId === m.id && !l.releasedFromElaAt).length);
    expect(index.licensesGranted().get(m.id) ?? 0).toBe(users.flatMap((u) => u.licenses).filter((l) => l.methodologyId === m.id).length);
  }
  users.forEach((user, position) => {
    expect(index.positionOf(user.id)).toBe(position);
    expect(index.searchTextAt(position)).toBe(foldText(`${user.firstName} ${user.lastName} ${user.email}`));
    expect(index.reportsOf(user.id).map((u) => u.id)).toEqual(users.filter((u) => u.managerId === user.id).map((u) => u.id));
    expect(index.reportIdsOf(user.id)).toEqual(users.filter((u) => u.managerId === user.id).map((u) => u.id));
    expect(index.statusOf(user.id)).toBe(user.status);
    expect(index.lastChangeOf(user.id)).toBe(lastChangeOfUser(user, user.counts));
    expect(index.nameOf(user.id)).toBe(`${user.firstName} ${user.lastName}`.trim());
    expect(index.managerIdOf(user.id)).toBe(user.managerId);
  });
  expect([index.statusOf('U-404'), index.nameOf('U-404'), index.reportIdsOf('U-404')]).toEqual([undefined, undefined, []]);
  for (const c of [...communities, { id: 'C-404' }]) {
    expect(Array.from(index.membersMask(c.id))).toEqual(users.map((u) => (u.communityIds.includes(c.id) ? 1 : 0)));
  }
  for (const field of FIELDS) {
    expect(index.valuesOfField(field)).toEqual([...new Set(users.map((u) => u.customFields[field]).filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b)));
  }
  const ids = users.map((u) => u.id);
  for (let i = 0; i < 6; i++) {
    const filter = randomFilter(random, ids);
    expect(Array.from(filterRoster(index, filter), (p) => index.idAt(p)), JSON.stringify(filter)).toEqual(modelFilter(users, filter));
  }
  if (ids.length > 0) {
    const manager = random.pick(ids);
    expect([...index.subtreeOf(manager)].sort()).toEqual([...subtreeOf(users, manager)].sort());
  }
}

describe('the roster in columns', () => {
  it('answers as its users after any sequence of changes (A5, A8, A10–A12, A13, F6: filters, tree, totals)', () => {
    for (let sequence = 0; sequence < SEQUENCES; sequence++) {
      const random = createRandom(sequence + 1);
      const model = new Map<string, IndexedUser>();
      let nextId = 1;
      const newId = (): string => `U-${nextId++}`;
      for (let i = random.int(15); i > 0; i--) {
        const id = random.chance(0.2) ? `gone-${random.int(3)}` : newId();
        model.set(id, userFor(random, id, [...model.keys()]));
      }
      // Built from users in any order, duplicates included (the later one stands).
      const shuffled = [...model.values()].sort(() => random.next() - 0.5);
      let index = RosterIndex.build({ users: [...shuffled, ...shuffled.slice(0, 2)], methodologies, communities, customFields: [] });
      try {
        expectSameAsModel(index, model, random);
        for (let step = 0; step < STEPS; step++) {
          const ids = [...model.keys()];
          const changed: IndexedUser[] = [];
          const deletedIds: string[] = [];
          for (let i = random.int(6); i > 0; i--) {
            const roll = random.next();
            if (roll < 0.3 || ids.length === 0) {
              const id = random.chance(0.1) ? `gone-${random.int(3)}` : newId();
              changed.push(userFor(random, id, ids));
            } else if (roll < 0.8) {
              const was = model.get(random.pick(ids)) ?? changed.at(-1)!;
              // A lifecycle change keeps the names; some changes rename or move.
              const next = userFor(random, was.id, ids);
              changed.push(random.chance(0.6) ? { ...next, firstName: was.firstName, lastName: was.lastName, email: was.email } : next);
            } else {
              deletedIds.push(random.chance(0.8) ? random.pick(ids) : 'nobody');
            }
          }
          index = index.withChange({ changed, deletedIds });
          for (const user of changed) model.set(user.id, user);
          for (const id of deletedIds) model.delete(id);
          expectSameAsModel(index, model, random);
        }
      } catch (error) {
        throw new Error(`sequence ${sequence}: ${(error as Error).message}`, { cause: error });
      }
    }
  }, 60_000);

  it('reads block heads straight into columns exactly as it reads the users as objects', () => {
    for (let sequence = 0; sequence < 40; sequence++) {
      const random = createRandom(1_000 + sequence);
      const ids = Array.from({ length: 1 + random.int(60) }, (_, i) => `U-${i + 1}`).sort();
      const users = ids.map((id) => stored(userFor(random, id, ids)));
      // Heads of a few users each, rows taken as a range would take them (some rows left out).
      const fast = new RosterIndexBuilder();
      const slow = new RosterIndexBuilder();
      const expected: StoredUser[] = [];
      for (let start = 0; start < users.length; ) {
        const size = 1 + random.int(12);
        const head = encodeHead(users.slice(start, start + size));
        const rows = head.userIds.map((_, row) => row).filter(() => random.chance(0.85));
        fast.addPage({ head, rows });
        slow.add(rows.map((row) => userAt(head, row)));
        expected.push(...rows.map((row) => users[start + row]!));
        start += size;
      }
      const lists = { methodologies, communities, customFields: [] };
      const fromHeads = [...fast.finish(lists).usersInOrder()];
      expect(fromHeads, `sequence ${sequence}`).toEqual([...slow.finish(lists).usersInOrder()]);
      expect(fromHeads.map((u) => u.id).sort()).toEqual(expected.map((u) => u.id).sort());
      expect(fromHeads).toEqual(inOrder(new Map(expected.map((u) => [u.id, u]))).map(stored));
    }
  });

  it('counts community members among the positions a report covers (F5)', () => {
    const random = createRandom(7);
    const users = ['U-1', 'U-2', 'U-3'].map((id) => userFor(random, id, []));
    users[0]!.communityIds = ['C-1', 'C-2'];
    users[1]!.communityIds = ['C-1'];
    users[2]!.communityIds = [];
    const index = RosterIndex.build({ users, methodologies, communities, customFields: [] });
    const all = new Uint8Array(index.size).fill(1);
    expect(Object.fromEntries(index.countMembers(all))).toEqual({ 'C-1': 2, 'C-2': 1 });
    const onlyFirst = new Uint8Array(index.size);
    onlyFirst[index.positionOf('U-1')!] = 1;
    expect(Object.fromEntries(index.countMembers(onlyFirst))).toEqual({ 'C-1': 1, 'C-2': 1 });
  });
});
