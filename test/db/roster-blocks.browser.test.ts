/**
 * The roster in blocks and a change log (src/db/blocks/) must read back exactly what was committed,
 * whatever mix of commits, folds, splits, partial folds and clears came before, and whichever tab reads:
 * seeded random sequences against a model (a map of bundles), with blocks of four users so that ranges
 * split and folds stop part way on a handful of users. A second database connection plays another tab
 * that holds its own view in memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import fc from 'fast-check';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { storedUserOf } from '../../src/core/stored-user.ts';
import { bundlesFromRecords, tombstoneOf, type UserBundle } from '../../src/core/sync/user-bundle.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import { prepareNewUsers, writeUserBundles } from '../../src/db/write-user-bundles.ts';
import { comparable } from '../workers/compare-device-with-server.ts';

const RUNS = 60;
const BLOCK_USERS = 4;

type Step =
  | { kind: 'write'; tab: number; picks: number[]; variant: number }
  | { kind: 'delete'; tab: number; picks: number[] }
  | { kind: 'user_record'; tab: number; picks: number[]; variant: number }
  | { kind: 'load'; tab: number; from: number; count: number }
  | { kind: 'pull'; tab: number; from: number; count: number; isGlobalKnown: boolean }
  | { kind: 'fold'; tab: number; budget: number; whole: boolean }
  | { kind: 'clear'; tab: number };

const tab = fc.integer({ min: 0, max: 1 });
const picks = fc.array(fc.nat(), { minLength: 1, maxLength: 12 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), tab, picks, variant: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), tab, picks }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('user_record' as const), tab, picks, variant: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('load' as const), tab, from: fc.nat({ max: 60 }), count: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pull' as const), tab, from: fc.nat({ max: 60 }), count: fc.integer({ min: 1, max: 30 }), isGlobalKnown: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fold' as const), tab, budget: fc.integer({ min: 1, max: 24 }), whole: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const, tab: 0 }) },
);

/** Bundles of a demo organization: the pool every step picks users from, by position. */
const demo = generateDemoOrganization({ size: 80 });
const pool: UserBundle[] = [...demo.chunks(1_000)].flatMap((chunk) => bundlesFromRecords(chunk, 0));
/** The demo's global community: the stores here hold no communities, so summaries count none as global. */
const demoGlobalId = demo.header.communities.find((c) => c.global)!.id;

/** A variant of a bundle: some of its records dropped, a name changed; what a change would write. */
function variantOf(bundle: UserBundle, variant: number): UserBundle {
  const keep = <T,>(list: readonly T[]): T[] => list.filter((_, i) => (variant >> i) % 2 === 0);
  return {
    ...bundle,
    user: { ...bundle.user!, firstName: `${bundle.user!.firstName}${variant % 7}`, customFields: variant % 3 === 0 ? {} : { ...bundle.user!.customFields, wave: `w${variant % 5}` } },
    assignments: keep(bundle.assignments),
    memberships: keep(bundle.memberships),
    tokens: keep(bundle.tokens),
    retainedHistory: variant % 4 === 0 ? null : bundle.retainedHistory,
  };
}

const names: string[] = [];
afterEach(async () => {
  for (const name of names.splice(0)) await Dexie.delete(name);
});

/** The store's answer for every user of the pool equals the model's: bundles, users as stored, count. */
async function expectSameAsModel(store: RosterStore, model: Map<string, UserBundle>): Promise<void> {
  const ids = pool.map((b) => b.id);
  const bundles = await store.readBundles(ids);
  expect(ids.map((id) => (bundles.has(id) ? comparable(bundles.get(id)!) : null))).toEqual(ids.map((id) => (model.has(id) ? comparable(model.get(id)!) : null)));
  const pages: string[] = [];
  const users = new Map<string, unknown>();
  await store.readStoredUsersInPages((page) => {
    for (const user of page) {
      pages.push(user.id);
      users.set(user.id, user);
    }
  });
  const live = [...model.keys()].sort();
  expect(pages).toEqual(live);
  for (const id of live) expect(users.get(id)).toEqual(storedUserOf(model.get(id)!, null));
  expect(await store.userCount()).toBe(model.size);
  expect(await store.readStoredUsers(ids)).toEqual(ids.map((id) => (model.has(id) ? storedUserOf(model.get(id)!, null) : undefined)));
}

describe('the roster in blocks and a change log', () => {
  it(`reads back what was committed after ${RUNS} random sequences of commits, folds, splits and clears in two tabs`, async () => {
    let folds = 0;
    let partial = 0;
    let pulls = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 24 }), async (steps) => {
        const name = `roster-blocks-${crypto.randomUUID()}`;
        names.push(name);
        const dbs = [new OffboardDatabase(name), new OffboardDatabase(name)];
        // The second tab keeps little in memory: it reads from the database what the first finds in memory.
        const stores = dbs.map((db, i) => new RosterStore(db, { blockUsers: BLOCK_USERS, cacheUsers: i === 0 ? undefined : 10 }));
        const model = new Map<string, UserBundle>();
        try {
          for (const s of steps) {
            const store = stores[s.tab]!;
            const chosen = 'picks' in s ? [...new Set(s.picks.map((n) => pool[n % pool.length]!))] : [];
            switch (s.kind) {
              case 'write': {
                const after = chosen.map((b) => variantOf(b, s.variant));
                await store.write(async (tx) => {
                  const before = await tx.bundles(after.map((b) => b.id));
                  await tx.commit({ bundles: after, createdIds: after.filter((b) => !before.has(b.id)).map((b) => b.id) });
                });
                for (const b of after) model.set(b.id, b);
                break;
              }
              case 'delete':
                await store.write(async (tx) => {
                  await tx.bundles(chosen.map((b) => b.id));
                  await tx.commit({ bundles: chosen.map((b) => tombstoneOf(b.id, 0)) });
                });
                for (const b of chosen) model.delete(b.id);
                break;
              case 'user_record': {
                const ids = chosen.map((b) => b.id).filter((id) => model.has(id));
                await store.write(async (tx) => {
                  const read = await tx.userRecordBundles(ids);
                  const after = [...read.values()].map((b) => ({ ...b, user: { ...b.user!, managerId: s.variant % 2 === 0 ? null : 'U0000001', lastName: `L${s.variant}` } }));
                  await tx.commit({ bundles: after, userRecordOnly: new Set(ids) });
                });
                for (const id of ids) {
                  const b = model.get(id)!;
                  model.set(id, { ...b, user: { ...b.user!, managerId: s.variant % 2 === 0 ? null : 'U0000001', lastName: `L${s.variant}` } });
                }
                break;
              }
              case 'load': {
                // A load's chunk: straight into blocks when it comes after everyone, else into the log.
                const chunk = pool.slice(s.from, s.from + s.count).filter((b) => !model.has(b.id));
                if (chunk.length === 0) break;
                const records = { users: chunk.map((b) => b.user!), ...Object.fromEntries(['licenses', 'memberships', 'membershipRequests', 'assignments', 'removedAssignments', 'completions', 'certificates', 'removedCertificates', 'removedMemberships', 'tokens'].map((k) => [k, chunk.flatMap((b) => b[k as 'tokens'])])), retainedHistory: chunk.flatMap((b) => (b.retainedHistory ? [b.retainedHistory] : [])) };
                await store.addChunk(records as never, null);
                for (const b of chunk) model.set(b.id, b);
                break;
              }
              case 'pull': {
                // A first pull's page encoded ahead of its transaction: appended as encoded when it comes
                // after everyone stored and was encoded with the global community stored (none here);
                // else written the usual way, from the bundles.
                const page = pool
                  .slice(s.from, s.from + s.count)
                  .filter((b) => !model.has(b.id))
                  .map((b, i) => ({ ...b, revision: s.from + i + 1 }));
                if (page.length === 0) break;
                const prepared = prepareNewUsers(store, page, s.isGlobalKnown ? null : demoGlobalId);
                await store.write((tx) => writeUserBundles(tx, page, null, { isRosterEmpty: true, prepared }));
                for (const b of page) model.set(b.id, { ...b, user: { ...b.user!, revision: b.revision } });
                pulls++;
                break;
              }
              case 'fold':
                if (s.whole) await store.compact(s.budget);
                else if (await store.compactStep(s.budget)) partial++;
                folds++;
                break;
              case 'clear':
                await store.clear();
                model.clear();
                break;
            }
            await expectSameAsModel(stores[1 - s.tab]!, model);
          }
          await expectSameAsModel(stores[0]!, model);
          await stores[0]!.compact();
          expect(await stores[1]!.pendingUsers()).toBe(0);
          await expectSameAsModel(stores[1]!, model);
        } finally {
          for (const db of dbs) db.close();
        }
      }),
      { numRuns: RUNS, seed: 20261204 },
    );
    // The sequences did fold, and some folds stopped part way.
    expect(folds).toBeGreaterThan(RUNS);
    expect(partial).toBeGreaterThan(0);
    expect(pulls).toBeGreaterThan(RUNS / 4);
  });

  it('a load after every user was deleted and folded lands where reads find it, below the emptied ranges', async () => {
    const name = `roster-blocks-${crypto.randomUUID()}`;
    names.push(name);
    const db = new OffboardDatabase(name);
    const store = new RosterStore(db, { blockUsers: BLOCK_USERS });
    const chunkOf = (bundles: UserBundle[]) => ({ users: bundles.map((b) => b.user!), ...Object.fromEntries(['licenses', 'memberships', 'membershipRequests', 'assignments', 'removedAssignments', 'completions', 'certificates', 'removedCertificates', 'removedMemberships', 'tokens'].map((k) => [k, bundles.flatMap((b) => b[k as 'tokens'])])), retainedHistory: bundles.flatMap((b) => (b.retainedHistory ? [b.retainedHistory] : [])) });
    try {
      const model = new Map<string, UserBundle>();
      // Two loads in id order: straight into blocks, the second range starting at pool[10].
      for (const part of [pool.slice(0, 4), pool.slice(10, 14)]) {
        await store.addChunk(chunkOf(part) as never, null);
        for (const b of part) model.set(b.id, b);
      }
      // The second range emptied and folded: it stays in the directory, holding nobody.
      await store.write(async (tx) => {
        await tx.bundles(pool.slice(10, 14).map((b) => b.id));
        await tx.commit({ bundles: pool.slice(10, 14).map((b) => tombstoneOf(b.id, 0)) });
      });
      for (const b of pool.slice(10, 14)) model.delete(b.id);
      await store.compact();
      // Users after everyone stored but before that empty range's start.
      await store.addChunk(chunkOf(pool.slice(5, 8)) as never, null);
      for (const b of pool.slice(5, 8)) model.set(b.id, b);
      await expectSameAsModel(store, model);
      await expectSameAsModel(new RosterStore(new OffboardDatabase(name)), model);
    } finally {
      db.close();
    }
  });

  it('a cold read of every user while changes wait in the log, in blocks far past the read-ahead, stays in its transaction', async () => {
    // Reading a range's logged users while the next blocks are being fetched once ran two reads at once
    // outside Dexie's transaction zone: the transaction committed early (PrematureCommitError).
    const name = `roster-blocks-${crypto.randomUUID()}`;
    names.push(name);
    const db = new OffboardDatabase(name);
    const store = new RosterStore(db, { blockUsers: BLOCK_USERS });
    const big = generateDemoOrganization({ size: 3_000 });
    const bundles = [...big.chunks(1_000)].flatMap((chunk) => bundlesFromRecords(chunk, 0)).sort((a, b) => (a.id < b.id ? -1 : 1));
    try {
      const model = new Map<string, UserBundle>();
      await store.write(async (tx) => {
        await tx.commit({ bundles, createdIds: bundles.map((b) => b.id) });
      });
      await store.compact();
      for (const b of bundles) model.set(b.id, b);
      // A change in every fifth block, each a log entry of its own, left unfolded.
      for (let i = 0; i < bundles.length; i += BLOCK_USERS * 3) {
        const after = variantOf(bundles[i]!, i);
        await store.write(async (tx) => {
          await tx.bundles([after.id]);
          await tx.commit({ bundles: [after] });
        });
        model.set(after.id, after);
      }
      for (let round = 0; round < 5; round++) {
        const cold = new OffboardDatabase(name);
        try {
          const ids: string[] = [];
          await new RosterStore(cold, { cacheUsers: 40 }).readStoredUsersInPages((page) => ids.push(...page.map((u) => u.id)));
          expect(ids).toEqual([...model.keys()].sort());
        } finally {
          cold.close();
        }
      }
    } finally {
      db.close();
    }
  });

  it('keeps the user count when one transaction commits twice and ends where it started', async () => {
    const name = `roster-blocks-${crypto.randomUUID()}`;
    names.push(name);
    const db = new OffboardDatabase(name);
    const store = new RosterStore(db, { blockUsers: BLOCK_USERS });
    try {
      const [a, b] = [pool[0]!, pool[1]!];
      await store.write(async (tx) => {
        await tx.bundles([a.id]);
        await tx.commit({ bundles: [a], createdIds: [a.id] });
      });
      // One user deleted, then another created, in one transaction (as a rollback of two operations does).
      await store.write(async (tx) => {
        await tx.bundles([a.id, b.id]);
        await tx.commit({ bundles: [tombstoneOf(a.id, 0)] });
        await tx.commit({ bundles: [b], createdIds: [b.id] });
      });
      expect(await store.userCount()).toBe(1);
      await expectSameAsModel(new RosterStore(new OffboardDatabase(name)), new Map([[b.id, b]]));
    } finally {
      db.close();
    }
  });

  it('a first pull writes pages encoded ahead as they are, and a page encoded with another global community from its bundles', async () => {
    const name = `roster-blocks-${crypto.randomUUID()}`;
    names.push(name);
    const db = new OffboardDatabase(name);
    const store = new RosterStore(db, { blockUsers: BLOCK_USERS });
    try {
      const model = new Map<string, UserBundle>();
      const pages = [pool.slice(0, 20), pool.slice(40, 60), pool.slice(60, 70)];
      for (const [index, page] of pages.entries()) {
        // The second page's summaries were worked out with a global community the device does not hold.
        const prepared = prepareNewUsers(store, page, index === 1 ? demoGlobalId : null)!;
        const written = await store.write((tx) => writeUserBundles(tx, page, null, { isRosterEmpty: true, prepared }));
        const isEncodedAhead = written.changed.every((user, i) => user === prepared.encoded.users[i]);
        expect(isEncodedAhead).toBe(index !== 1);
        expect(written.changed.map((u) => u.id)).toEqual(page.map((b) => b.id).sort());
        for (const b of page) model.set(b.id, { ...b, user: { ...b.user!, revision: b.revision } });
      }
      // Straight into blocks, every one of them: nothing waits in the log.
      expect(await store.pendingUsers()).toBe(0);
      await expectSameAsModel(new RosterStore(new OffboardDatabase(name)), model);
      // A page that does not come after everyone stored is not appended: its users go into the log.
      const earlier = pool.slice(20, 25);
      const prepared = prepareNewUsers(store, earlier, null)!;
      const written = await store.write((tx) => writeUserBundles(tx, earlier, null, { isRosterEmpty: true, prepared }));
      expect(written.changed[0]).not.toBe(prepared.encoded.users[0]);
      expect(await store.pendingUsers()).toBe(5);
      for (const b of earlier) model.set(b.id, { ...b, user: { ...b.user!, revision: b.revision } });
      await expectSameAsModel(new RosterStore(new OffboardDatabase(name)), model);
    } finally {
      db.close();
    }
  });
});
