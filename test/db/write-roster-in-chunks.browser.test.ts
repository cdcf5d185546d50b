import { afterEach, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import {
  LOAD_MARKER_KEY,
  discardInterruptedLoad,
  findInterruptedLoad,
  writeRosterInChunks,
} from '../../src/db/write-roster-in-chunks.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import type { AuditEntry } from '../../src/core/roster-types.ts';
import { storedTables, storedUserIds } from './stored-roster.ts';
import { readAuditEntries } from '../../src/db/audit-log.ts';

const databases: OffboardDatabase[] = [];
function freshDatabase(): OffboardDatabase {
  const db = new OffboardDatabase(`write-${crypto.randomUUID()}`);
  databases.push(db);
  return db;
}

afterEach(async () => {
  for (const db of databases.splice(0)) {
    db.close();
    await Dexie.delete(db.name);
  }
});

const audit: AuditEntry = {
  at: '2026-11-01T00:00:00.000Z', actorId: 'U0000003', action: 'load_demo', targetId: null, batchId: null, ruleId: null, summary: 'test load',
};

describe('writeRosterInChunks', () => {
  it('stores every chunk, reports progress, and reads back the same roster', async () => {
    const db = freshDatabase();
    // Blocks of 250 users (the first store over a database sets it): the roster spans several blocks.
    const store = new RosterStore(db, { blockUsers: 250 });
    const demo = generateDemoOrganization({ size: 1_200 });
    const progress: number[] = [];
    await writeRosterInChunks(db, demo.header, demo.chunks(500), {
      expectedUsers: demo.size,
      kind: 'demo',
      audit,
      onChunk: (_chunk, p) => progress.push(p.usersWritten),
    });
    expect(progress).toEqual([500, 1_000, 1_200]);
    expect(await findInterruptedLoad(db)).toBeNull();
    let usersRead = 0;
    await store.readStoredUsersInPages((page) => (usersRead += page.length));
    expect(usersRead).toBe(1_200);
    expect(await readAuditEntries(db)).toMatchObject([audit]);

    // Paging a kind's records (keyed by user and community), a block at a time, visits every record once.
    const seen: string[] = [];
    const sizes: number[] = [];
    await store.readRecords('memberships', { keep: () => true }, (page) => {
      sizes.push(page.length);
      for (const m of page) seen.push(`${m.userId} ${m.communityId}`);
    });
    expect(seen).toHaveLength((await storedTables(db)).memberships.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(sizes.length).toBeGreaterThan(3);
  });

  it('refuses to load over an existing roster and changes nothing', async () => {
    const db = freshDatabase();
    const demo = generateDemoOrganization({ size: 100 });
    await writeRosterInChunks(db, demo.header, demo.chunks(100), { expectedUsers: 100, kind: 'demo', audit });
    const other = generateDemoOrganization({ size: 50, seed: 2 });
    await expect(writeRosterInChunks(db, other.header, other.chunks(50), { expectedUsers: 50, kind: 'demo', audit })).rejects.toMatchObject({
      code: 'roster_not_empty',
    });
    expect(await storedUserIds(db)).toHaveLength(100);
    expect(await findInterruptedLoad(db)).toBeNull();
  });

  it('leaves no half-written chunk when a chunk fails, and the next start discards the partial load', async () => {
    const db = freshDatabase();
    const demo = generateDemoOrganization({ size: 300 });
    function* breakingChunks() {
      let n = 0;
      for (const chunk of demo.chunks(100)) {
        if (++n === 3) {
          // A duplicate key makes the third chunk's transaction abort part-way through.
          chunk.users.push({ ...chunk.users[0]!, id: chunk.users[1]!.id });
        }
        yield chunk;
      }
    }
    await expect(
      writeRosterInChunks(db, demo.header, breakingChunks(), { expectedUsers: 300, kind: 'demo', audit }),
    ).rejects.toThrow();
    // Chunks 1 and 2 landed whole; chunk 3 not at all.
    expect(await storedUserIds(db)).toHaveLength(200);
    expect((await db.meta.get(LOAD_MARKER_KEY))?.value).toMatchObject({ kind: 'demo', expectedUsers: 300 });

    const discarded = await discardInterruptedLoad(db);
    expect(discarded).toMatchObject({ expectedUsers: 300 });
    expect(await storedUserIds(db)).toHaveLength(0);
    expect((await storedTables(db)).tokens).toHaveLength(0);
    expect(await db.organization.count()).toBe(0);
    expect(await findInterruptedLoad(db)).toBeNull();
  });
});
