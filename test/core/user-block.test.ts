import { describe, expect, it } from 'vitest';
import { bundleAt, encodeBlock, rowOf, usersOfBlock } from '../../src/core/blocks/user-block.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { storedUserOf } from '../../src/core/stored-user.ts';
import { bundlesFromRecords, type UserBundle } from '../../src/core/sync/user-bundle.ts';

const demo = generateDemoOrganization({ size: 1_500, seed: 7 });
const globalCommunityId = demo.header.communities.find((c) => c.global)!.id;
const bundles: UserBundle[] = [...demo.chunks(1_500)].flatMap((chunk) => bundlesFromRecords(chunk, 0)).sort((a, b) => (a.id < b.id ? -1 : 1));
const users = bundles.map((b) => storedUserOf(b, globalCommunityId));
const byMethodology = (a: { methodologyId: string }, b: { methodologyId: string }) => (a.methodologyId < b.methodologyId ? -1 : 1);

describe('a block of users', () => {
  it('gives back, after a structured clone, every user as stored and every bundle whole', () => {
    const { head, body } = structuredClone(encodeBlock(users, bundles));
    expect(usersOfBlock(head)).toStrictEqual(users);
    bundles.forEach((bundle, row) => {
      expect(rowOf(head, bundle.id)).toBe(row);
      expect(bundleAt(head, body, row)).toEqual({ ...bundle, licenses: [...bundle.licenses].sort(byMethodology) });
    });
    expect(rowOf(head, 'U-nobody')).toBe(-1);
  });

  it('refuses users out of order, or bundles that are not theirs', () => {
    expect(() => encodeBlock([users[1]!, users[0]!], [bundles[1]!, bundles[0]!])).toThrow(/ascending/);
    expect(() => encodeBlock([users[0]!], [bundles[1]!])).toThrow(/bundle of/);
  });
});
