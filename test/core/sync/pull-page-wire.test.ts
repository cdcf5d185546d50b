/**
 * A pull page crosses the network as columns in JSON (pull-page-wire.ts): the device must read back
 * exactly the bundles the server sent, whatever they hold. Seeded random pages of the demo's bundles,
 * tombstones and bundles with odd values, through JSON text and back.
 */
import { describe, expect, it } from 'vitest';
import { generateDemoOrganization } from '../../../src/core/generate-demo-organization.ts';
import { createRandom } from '../../../src/core/seeded-random.ts';
import { pullPageOf, pullResponseOf, type PullPage } from '../../../src/core/sync/pull-page-wire.ts';
import { ServerRoster } from '../../../src/core/sync/server-roster.ts';
import { serverSnapshotOfRoster } from '../../../src/core/sync/server-snapshot-of-roster.ts';
import type { PullResponse } from '../../../src/core/sync/sync-protocol.ts';
import { tombstoneOf, type UserBundle } from '../../../src/core/sync/user-bundle.ts';

const viaJson = (page: PullPage): PullPage => JSON.parse(JSON.stringify(page)) as PullPage;

describe('pull pages on the wire', () => {
  const demo = generateDemoOrganization({ size: 1_500 });
  const server = new ServerRoster(serverSnapshotOfRoster(demo.header, demo.chunks(500)));
  const first = server.pull(null, 1_500) as PullResponse;

  it('give back every bundle of the demo exactly, and the rest of the page', () => {
    const page = viaJson(pullPageOf(first));
    expect(pullResponseOf(page)).toEqual(first);
    // Each field name once a page, not once a user: far smaller than the bundles as objects.
    expect(JSON.stringify(page).length).toBeLessThan(JSON.stringify(first).length / 3);
  });

  it('give back random pages exactly: tombstones, empty pages, odd values, accents and long strings', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = createRandom(seed);
      const users: UserBundle[] = [];
      for (let i = random.int(60); i > 0; i--) {
        const bundle = structuredClone(random.pick(first.users));
        if (random.chance(0.2)) {
          users.push(tombstoneOf(`${bundle.id}-gone`, random.int(1_000)));
          continue;
        }
        bundle.revision = random.int(2 ** 40);
        if (bundle.user && random.chance(0.3)) bundle.user.firstName = `Zoë ${'ü'.repeat(random.int(5))} "${random.int(9)}"\n`;
        if (bundle.user && random.chance(0.2)) bundle.user.customFields = { ...bundle.user.customFields, note: random.chance(0.5) ? '' : 'x'.repeat(200) };
        if (random.chance(0.2)) bundle.retainedHistory = null;
        if (bundle.user && random.chance(0.1)) bundle.user.lastLoginAt = '2026-02-30T00:00:00.000Z';
        users.push(bundle);
      }
      const response: PullResponse = { organization: random.chance(0.5) ? first.organization : null, users, cursor: `${seed}:x`, hasMore: random.chance(0.5), remaining: users.length + random.int(10) };
      expect(pullResponseOf(viaJson(pullPageOf(response))), `seed ${seed}`).toEqual(response);
    }
  });

  it('refuse a page that holds no users as columns, or a column of a kind it does not know', () => {
    const page = viaJson(pullPageOf(first));
    expect(() => pullResponseOf({ ...page, users: first.users as never })).toThrow(/no users as columns/);
    expect(() => pullResponseOf({ ...page, users: { strings: [], records: { count: 1, fields: ['id'], columns: [{ type: 'string', values: { array: 'BigInt64Array', numbers: [0] } }] } } })).toThrow(/BigInt64Array/);
  });
});
