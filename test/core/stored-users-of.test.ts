/**
 * The users a first pull stores are worked out for a whole page at once (`storedUsersOf`); they must be
 * exactly what `storedUserOf` gives one bundle at a time: the demo's bundles, and seeded random ones whose
 * records name other users, lack lists, or hold completions certified or not in the global community.
 */
import { describe, expect, it } from 'vitest';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { createRandom } from '../../src/core/seeded-random.ts';
import { storedUserOf, storedUsersOf } from '../../src/core/stored-user.ts';
import { bundlesFromRecords, BUNDLE_RECORD_KINDS, type UserBundle } from '../../src/core/sync/user-bundle.ts';

const demo = generateDemoOrganization({ size: 600 });
const bundles = [...demo.chunks(300)].flatMap((chunk) => bundlesFromRecords(chunk, 1));
const globalId = demo.header.communities.find((c) => c.global)!.id;

describe('users as stored, a page at a time', () => {
  it('equal the users worked out one bundle at a time, for the demo, with and without a global community', () => {
    for (const global of [globalId, null, 'C-none']) expect(storedUsersOf(bundles, global)).toEqual(bundles.map((b) => storedUserOf(b, global)));
  });

  it('equal them for 60 seeded random pages: records of other users, lists missing, completions moved between communities', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = createRandom(seed);
      const page: UserBundle[] = [];
      const used = new Set<string>();
      for (let i = random.int(40); i > 0; i--) {
        const bundle = structuredClone(random.pick(bundles));
        if (used.has(bundle.id)) continue;
        used.add(bundle.id);
        const other = random.pick(bundles);
        for (const kind of BUNDLE_RECORD_KINDS) {
          if (random.chance(0.1)) delete (bundle as Partial<UserBundle>)[kind];
          else if (random.chance(0.2)) (bundle[kind] as unknown[]).push(...structuredClone(other[kind] as unknown[]));
        }
        if (random.chance(0.2)) bundle.retainedHistory = structuredClone(other.retainedHistory);
        for (const completion of bundle.completions ?? []) if (random.chance(0.3)) completion.communityId = globalId;
        page.push(bundle);
      }
      expect(storedUsersOf(page, globalId), `seed ${seed}`).toEqual(page.map((b) => storedUserOf(b, globalId)));
    }
  });
});
