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

  it('count times in the largest unit that divides them, and list starts as counts; every value back exactly', () => {
    const day = 86_400_000;
    const at = (ms: number): string => new Date(ms).toISOString();
    const base = Date.UTC(2025, 0, 1);
    const users = first.users.slice(0, 6).map((bundle, i) => {
      const copy = structuredClone(bundle);
      copy.user!.createdAt = at(base + i * 3 * day); // whole days
      copy.user!.lastLoginAt = i === 2 ? null : at(base + i * 61_000); // whole seconds
      copy.user!.deactivatedAt = at(base - i * 7_777); // milliseconds, before the base too
      copy.user!.customFields = { ...copy.user!.customFields, score: [0.5, 1e-9, 2 ** 53 - 1, -(2 ** 53 - 1), 7, -3][i]! as never };
      return copy;
    });
    const response: PullResponse = { organization: null, users, cursor: 'c', hasMore: false, remaining: users.length };
    const page = viaJson(pullPageOf(response));
    expect(pullResponseOf(page)).toEqual(response);

    const columnOf = (columns: { fields: string[]; columns: unknown[] }, name: string) => columns.columns[columns.fields.indexOf(name)] as { values: { base?: number; step?: number; running?: boolean; numbers: number[] }; fields: { fields: string[]; columns: unknown[] } };
    const user = columnOf((page.users.records as never), 'user').fields;
    // Rising: each as days after the one before.
    expect(columnOf(user, 'createdAt').values).toEqual({ array: 'Float64Array', base, step: day, running: true, numbers: [0, 3, 3, 3, 3, 3] });
    // Whole seconds; the user who never signed in (null) counts as the earliest, not as 1970.
    expect(columnOf(user, 'lastLoginAt').values).toEqual({ array: 'Float64Array', base, step: 1_000, numbers: [0, 61, 0, 183, 244, 305] });
    // Falling: each as milliseconds after the earliest.
    expect(columnOf(user, 'deactivatedAt').values).toEqual({ array: 'Float64Array', base: base - 5 * 7_777, numbers: [5, 4, 3, 2, 1, 0].map((k) => k * 7_777) });
    // Where each user's licenses start: rising, so sent as each user's count.
    const licenses = (page.users.records as { fields: string[]; columns: { start?: { running?: boolean; numbers: number[] } }[] }).columns[(page.users.records as { fields: string[] }).fields.indexOf('licenses')]!;
    expect(licenses.start!.running).toBe(true);
    expect(licenses.start!.numbers.slice(1)).toEqual(users.map((u) => u.licenses.length));
  });

  it('refuse a page that holds no users as columns, or a column of a kind it does not know', () => {
    const page = viaJson(pullPageOf(first));
    expect(() => pullResponseOf({ ...page, users: first.users as never })).toThrow(/no users as columns/);
    expect(() => pullResponseOf({ ...page, users: { strings: [], records: { count: 1, fields: ['id'], columns: [{ type: 'string', values: { array: 'BigInt64Array', numbers: [0] } }] } } })).toThrow(/BigInt64Array/);
    expect(() => pullResponseOf({ ...page, users: { strings: [], records: { count: 1, fields: ['n'], columns: [{ type: 'number', values: { array: 'Float64Array', numbers: [0], base: '1' } }] } } })).toThrow(/base or step/);
  });
});
