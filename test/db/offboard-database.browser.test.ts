import { afterEach, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import {
  CURRENT_SCHEMA_VERSION,
  OffboardDatabase,
  SCHEMA_V1,
  SCHEMA_V2_CHANGES,
  SCHEMA_V3_CHANGES,
  SCHEMA_V4_CHANGES,
  toStoredUser,
  type StoredUser,
} from '../../src/db/offboard-database.ts';
import { generateDemoOrganization, type RosterChunk } from '../../src/core/generate-demo-organization.ts';
import { summarizeUserRecords } from '../../src/core/summarize-user-records.ts';

const opened: Dexie[] = [];
function track<T extends Dexie>(db: T): T {
  opened.push(db);
  return db;
}

afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await Dexie.delete(db.name);
  }
});

function demoRecords(size: number): { header: ReturnType<typeof generateDemoOrganization>['header']; chunk: RosterChunk } {
  const demo = generateDemoOrganization({ size, seed: 11 });
  const [chunk] = [...demo.chunks(size)];
  return { header: demo.header, chunk: chunk! };
}

describe('OffboardDatabase schema', () => {
  it('migrates a database written by schema version 1 with every record intact', async () => {
    const name = `migration-${crypto.randomUUID()}`;
    const { header, chunk } = demoRecords(400);

    // Write with the previous release's schema exactly as it shipped: users had no fieldTags.
    const v1 = new Dexie(name);
    v1.version(1).stores(SCHEMA_V1);
    await v1.open();
    await v1.transaction('rw', v1.tables, async () => {
      await v1.table('organization').put(header.organization);
      await v1.table('admins').bulkPut(header.admins);
      await v1.table('methodologies').bulkPut(header.methodologies);
      await v1.table('communities').bulkPut(header.communities);
      await v1.table('customFields').bulkPut(header.customFields);
      await v1.table('users').bulkPut(chunk.users);
      await v1.table('licenses').bulkPut(chunk.licenses);
      await v1.table('memberships').bulkPut(chunk.memberships);
      await v1.table('membershipRequests').bulkPut(chunk.membershipRequests);
      await v1.table('assignments').bulkPut(chunk.assignments);
      await v1.table('completions').bulkPut(chunk.completions);
      await v1.table('certificates').bulkPut(chunk.certificates);
      await v1.table('tokens').bulkPut(chunk.tokens);
      await v1.table('retainedHistory').bulkPut(chunk.retainedHistory);
      await v1.table('audit').add({ at: '2026-01-01T00:00:00.000Z', actorId: 'U0000003', action: 'load_demo', targetId: null, batchId: null, summary: 'v1 entry' });
    });
    v1.close();

    const db = track(new OffboardDatabase(name));
    await db.open();
    expect(db.verno).toBe(CURRENT_SCHEMA_VERSION);

    const users = await db.users.toArray();
    expect(users).toHaveLength(400);
    const globalId = header.communities.find((c) => c.global)!.id;
    // Version 1 kept no removed assignments (A3/R2 came with version 2), nor certificates or memberships (version 5).
    const summaries = summarizeUserRecords({ ...chunk, removedAssignments: [], removedCertificates: [], removedMemberships: [] }, globalId);
    const expected = new Map(chunk.users.map((u) => [u.id, toStoredUser(u, summaries.get(u.id))]));
    for (const stored of users) expect(stored).toEqual(expected.get(stored.id));
    // The summaries the upgrade derived agree with the tables they summarize.
    const someone = users.find((u) => u.counts.tokens.auth > 0 && u.communityIds.length > 1)!;
    expect(someone.communityIds.sort()).toEqual(chunk.memberships.filter((m) => m.userId === someone.id).map((m) => m.communityId).sort());
    expect(someone.counts.tokens.auth).toBe(chunk.tokens.filter((t) => t.userId === someone.id && t.kind === 'auth').length);
    expect(await db.users.where('communityIds').equals(globalId).count()).toBe(chunk.memberships.filter((m) => m.communityId === globalId).length);

    expect(await db.organization.toArray()).toEqual([header.organization]);
    expect(await db.admins.count()).toBe(header.admins.length);
    expect(await db.communities.count()).toBe(header.communities.length);
    expect(await db.licenses.count()).toBe(chunk.licenses.length);
    expect(await db.memberships.count()).toBe(chunk.memberships.length);
    expect(await db.membershipRequests.count()).toBe(chunk.membershipRequests.length);
    expect(await db.assignments.count()).toBe(chunk.assignments.length);
    expect(await db.completions.count()).toBe(chunk.completions.length);
    expect(await db.certificates.count()).toBe(chunk.certificates.length);
    expect(await db.tokens.count()).toBe(chunk.tokens.length);
    expect(await db.retainedHistory.count()).toBe(chunk.retainedHistory.length);
    expect((await db.audit.toArray())[0]?.summary).toBe('v1 entry');

    // The index version 2 added answers at once.
    const emea = await db.users.where('fieldTags').equals('region=EMEA').count();
    expect(emea).toBe(chunk.users.filter((u) => u.customFields.region === 'EMEA').length);
    expect(emea).toBeGreaterThan(0);
  });

  it('F9/R3/R4: migrates a database written by schema version 4 with every record intact; users hold no kept certificates or memberships yet', async () => {
    const name = `migration-v4-${crypto.randomUUID()}`;
    const { header, chunk } = demoRecords(300);
    const globalId = header.communities.find((c) => c.global)!.id;
    // Version 4 as it shipped: no tables for kept certificates and memberships, and summaries without their counts.
    const summaries = summarizeUserRecords({ ...chunk, removedCertificates: [], removedMemberships: [] }, globalId);
    const storedV4 = chunk.users.map((u) => {
      const stored = toStoredUser(u, summaries.get(u.id));
      const { removedCertificates: _certificates, removedMemberships: _memberships, ...counts } = stored.counts;
      return { ...stored, counts } as unknown as StoredUser;
    });
    const v4 = new Dexie(name);
    v4.version(1).stores(SCHEMA_V1);
    v4.version(2).stores(SCHEMA_V2_CHANGES);
    v4.version(3).stores(SCHEMA_V3_CHANGES);
    v4.version(4).stores(SCHEMA_V4_CHANGES);
    await v4.open();
    const outboxOperation = { id: 'op-1', kind: 'deactivate', planId: 'p', batchIndex: 0, batchCount: 1, actorId: header.signedInAdminId, userIds: [chunk.users[5]!.id], reportMoves: [], createdAt: '2026-11-01T00:00:00.000Z', status: 'pending', before: { users: [], licenses: [], memberships: [], membershipRequests: [], assignments: [], certificates: [], tokens: [], completions: [], retainedHistory: [] } };
    const rule = { id: 'r1', name: 'Wave 3', nameKey: 'wave 3', filter: {}, createdAt: '2026-11-01T00:00:00.000Z' };
    const rejection = { operationId: 'op-0', kind: 'deactivate', userId: chunk.users[6]!.id, code: 'community_admin', rule: 'F3', message: 'm', changedSinceSeen: false, madeAt: '2026-11-01T00:00:00.000Z', rejectedAt: '2026-11-02T00:00:00.000Z' };
    await v4.transaction('rw', v4.tables, async () => {
      await v4.table('organization').put(header.organization);
      await v4.table('communities').bulkPut(header.communities);
      await v4.table('users').bulkPut(storedV4);
      for (const kind of ['licenses', 'memberships', 'membershipRequests', 'assignments', 'removedAssignments', 'completions', 'certificates', 'tokens', 'retainedHistory'] as const) {
        await v4.table(kind).bulkPut(chunk[kind]);
      }
      await v4.table('outbox').add(outboxOperation);
      await v4.table('selectionRules').put(rule);
      await v4.table('syncRejections').add(rejection);
    });
    const tablesV4 = Object.fromEntries(await Promise.all(v4.tables.map(async (t) => [t.name, await t.toArray()] as const)));
    v4.close();

    const db = track(new OffboardDatabase(name));
    await db.open();
    expect(db.verno).toBe(CURRENT_SCHEMA_VERSION);
    // Every table version 4 had holds the same records; users gained zero counts and nothing else.
    for (const [table, records] of Object.entries(tablesV4)) {
      if (table === 'users' || table === 'outbox') continue;
      expect(await db.table(table).toArray(), table).toEqual(records);
    }
    // Version 6: the waiting operation takes today's form; its per-table before-image cannot become whole
    // bundles and is dropped (a refusal of it is mended by pulling its users again).
    expect(await db.outbox.toArray()).toEqual([
      { seq: 1, id: 'op-1', kind: 'deactivate', args: { reportMoves: [] }, planId: 'p', batchIndex: 0, batchCount: 1, actorId: header.signedInAdminId, userIds: [chunk.users[5]!.id], createdAt: '2026-11-01T00:00:00.000Z', status: 'pending', before: null },
    ]);
    const users = await db.users.toArray();
    expect(users).toEqual(storedV4.map((u) => ({ ...u, counts: { ...u.counts, removedCertificates: 0, removedMemberships: 0 } })));
    // …which is what the tables say.
    for (const user of users) expect(user.counts).toEqual(summaries.get(user.id)!.counts);
    expect(await db.removedCertificates.count()).toBe(0);
    expect(await db.removedMemberships.count()).toBe(0);
    // The new tables answer by user, as every per-user table does.
    await db.removedMemberships.put({ userId: chunk.users[0]!.id, communityId: globalId, joinedAt: '2026-01-01T00:00:00.000Z' });
    expect(await db.removedMemberships.where('userId').equals(chunk.users[0]!.id).count()).toBe(1);
  });

  it('finds users by email case-insensitively and by manager through indexes', async () => {
    const db = track(new OffboardDatabase(`lookup-${crypto.randomUUID()}`));
    const { chunk } = demoRecords(50);
    await db.users.bulkAdd(chunk.users.map((u) => toStoredUser(u)));
    const someone = chunk.users[10]!;
    expect((await db.users.where('email').equalsIgnoreCase(someone.email.toUpperCase()).first())?.id).toBe(someone.id);
    const reports = await db.users.where('managerId').equals(chunk.users[0]!.id).count();
    expect(reports).toBe(chunk.users.filter((u) => u.managerId === chunk.users[0]!.id).length);
    expect(await db.users.where('status').equals('active').count()).toBe(chunk.users.filter((u) => u.status === 'active').length);
  });
});
