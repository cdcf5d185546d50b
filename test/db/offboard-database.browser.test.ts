import { afterEach, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import {
  CURRENT_SCHEMA_VERSION,
  OffboardDatabase,
  SCHEMA_V1,
  SCHEMA_V2_CHANGES,
  SCHEMA_V3_CHANGES,
  SCHEMA_V4_CHANGES,
  SCHEMA_V5_CHANGES,
  SCHEMA_V6_CHANGES,
  SCHEMA_V7_CHANGES,
  SCHEMA_V8_CHANGES,
  toStoredUser,
  type StoredUser,
} from '../../src/db/offboard-database.ts';
import { generateDemoOrganization, type RosterChunk } from '../../src/core/generate-demo-organization.ts';
import { summarizeUserRecords } from '../../src/core/summarize-user-records.ts';
import { PER_USER_RECORD_KINDS } from '../../src/core/roster-types.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import { changeStoredUser, inKeyOrder, storedTables, storedUser } from './stored-roster.ts';
import { appendAudit, readAuditEntries, readAuditEntriesPage, readUserAuditHistory } from '../../src/db/audit-log.ts';
import type { AuditEntry } from '../../src/core/roster-types.ts';

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

/** The schemas of versions 1 to 8 as each release declared its changes. */
const RELEASED_SCHEMAS = [SCHEMA_V1, SCHEMA_V2_CHANGES, SCHEMA_V3_CHANGES, SCHEMA_V4_CHANGES, SCHEMA_V5_CHANGES, SCHEMA_V6_CHANGES, SCHEMA_V7_CHANGES, SCHEMA_V8_CHANGES];

/** A database as release `version` declared it, to be written as that release would have (no upgrades run). */
function releaseDatabase(name: string, version: number): Dexie {
  const db = new Dexie(name);
  RELEASED_SCHEMAS.slice(0, version).forEach((stores, i) => db.version(i + 1).stores(stores));
  return db;
}

/** A demo's chunks as one. */
function mergedChunks(chunks: Iterable<RosterChunk>): RosterChunk {
  const merged = {} as Record<string, unknown[]>;
  for (const chunk of chunks) for (const [kind, records] of Object.entries(chunk)) (merged[kind] ??= []).push(...(records as unknown[]));
  return merged as unknown as RosterChunk;
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

    const tables = await storedTables(db);
    const users = tables.users;
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
    expect(users.filter((u) => u.communityIds.includes(globalId)).length).toBe(chunk.memberships.filter((m) => m.communityId === globalId).length);

    expect(await db.organization.toArray()).toEqual([header.organization]);
    expect(await db.admins.count()).toBe(header.admins.length);
    expect(await db.communities.count()).toBe(header.communities.length);
    for (const kind of ['licenses', 'memberships', 'membershipRequests', 'assignments', 'completions', 'certificates', 'tokens', 'retainedHistory'] as const) {
      expect(tables[kind], kind).toEqual(inKeyOrder(kind, chunk[kind]));
    }
    expect((await readAuditEntries(db))[0]?.summary).toBe('v1 entry');

    // The field tags version 2 derived are on every user (the worker filters by them in memory).
    const emea = users.filter((u) => u.fieldTags.includes('region=EMEA')).length;
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
    const v4 = releaseDatabase(name, 4);
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
    const tables = await storedTables(db);
    for (const [table, records] of Object.entries(tablesV4)) {
      if (table === 'users' || table === 'outbox') continue;
      // Version 9 moved the audit into a record per change.
      if (table === 'audit') expect(await readAuditEntries(db), table).toEqual(records);
      else if ((PER_USER_RECORD_KINDS as readonly string[]).includes(table)) expect(tables[table as 'tokens'], table).toEqual(records);
      else expect(await db.table(table).toArray(), table).toEqual(records);
    }
    // Version 6: the waiting operation takes today's form; its per-table before-image cannot become whole
    // bundles and is dropped (a refusal of it is mended by pulling its users again).
    expect(await db.outbox.toArray()).toEqual([
      { seq: 1, id: 'op-1', kind: 'deactivate', args: { reportMoves: [] }, planId: 'p', batchIndex: 0, batchCount: 1, actorId: header.signedInAdminId, userIds: [chunk.users[5]!.id], createdAt: '2026-11-01T00:00:00.000Z', status: 'pending', before: null },
    ]);
    const users = tables.users;
    expect(users).toEqual(storedV4.map((u) => ({ ...u, counts: { ...u.counts, removedCertificates: 0, removedMemberships: 0 } })));
    // …which is what the tables say.
    for (const user of users) expect(user.counts).toEqual(summaries.get(user.id)!.counts);
    expect(tables.removedCertificates).toEqual([]);
    expect(tables.removedMemberships).toEqual([]);
  });

  it('A3/R2/R3/R4: a database the previous release (schema version 6) wrote opens with every user and every record in blocks, and takes changes', async () => {
    const name = `migration-v6-${crypto.randomUUID()}`;
    // More users than the upgrade moves per step: it goes a page at a time.
    const demo = generateDemoOrganization({ size: 10_500, seed: 5 });
    const chunk = mergedChunks(demo.chunks(1_000));
    const globalId = demo.header.communities.find((c) => c.global)!.id;
    // What version 6 could hold beside the demo's records: kept-aside assignments, certificates and
    // memberships of a few deactivated users (A3/R2, F9/R3/R4).
    const kept = chunk.users.slice(100, 110).map((u) => u.id);
    const keptSet = new Set(kept);
    const records = {
      ...chunk,
      assignments: chunk.assignments.filter((a) => !keptSet.has(a.userId)),
      removedAssignments: chunk.assignments.filter((a) => keptSet.has(a.userId)),
      certificates: chunk.certificates.filter((c) => !keptSet.has(c.userId)),
      removedCertificates: chunk.certificates.filter((c) => keptSet.has(c.userId)),
      memberships: chunk.memberships.filter((m) => !(keptSet.has(m.userId) && m.communityId === globalId)),
      removedMemberships: chunk.memberships.filter((m) => keptSet.has(m.userId) && m.communityId === globalId),
    };
    const summaries = summarizeUserRecords(records, globalId);
    const storedV6 = records.users.map((u) => toStoredUser(u, summaries.get(u.id)));

    // Written as version 6's store wrote it: a table per kind, users with their summaries.
    const v6 = releaseDatabase(name, 6);
    await v6.open();
    const operation = { id: 'op-9', kind: 'deactivate', args: { reportMoves: [] }, planId: 'p', batchIndex: 0, batchCount: 1, actorId: demo.header.signedInAdminId, userIds: [kept[0]!], createdAt: '2026-11-01T00:00:00.000Z', status: 'pending', before: null };
    await v6.transaction('rw', v6.tables, async () => {
      await v6.table('organization').put(demo.header.organization);
      await v6.table('admins').bulkPut(demo.header.admins);
      await v6.table('methodologies').bulkPut(demo.header.methodologies);
      await v6.table('communities').bulkPut(demo.header.communities);
      await v6.table('customFields').bulkPut(demo.header.customFields);
      await v6.table('users').bulkPut(storedV6);
      for (const kind of PER_USER_RECORD_KINDS) if (kind !== 'users') await v6.table(kind).bulkPut(records[kind]);
      await v6.table('outbox').add(operation);
    });
    v6.close();

    const db = track(new OffboardDatabase(name));
    await db.open();
    expect(db.verno).toBe(CURRENT_SCHEMA_VERSION);
    // The per-user tables are gone; the blocks hold everything they held.
    expect(db.tables.map((t) => t.name).filter((t) => (PER_USER_RECORD_KINDS as readonly string[]).includes(t))).toEqual([]);
    // Two pages of the upgrade, 10,000 and 500 users, in blocks of about 1,000.
    expect(await db.blockHeads.count()).toBe(11);
    const tables = await storedTables(db);
    expect(tables.users).toEqual([...storedV6].sort((a, b) => (a.id < b.id ? -1 : 1)));
    for (const kind of PER_USER_RECORD_KINDS) if (kind !== 'users') expect(tables[kind], kind).toEqual(inKeyOrder(kind, records[kind]));
    expect(tables.removedAssignments.length).toBeGreaterThan(0);
    expect(await db.outbox.toArray()).toEqual([{ ...operation, seq: 1 }]);
    const store = new RosterStore(db);
    expect(await store.userCount()).toBe(10_500);

    // And it takes changes: a user's record rewritten, read back through the log and after a fold.
    const someone = storedV6[10_234]!;
    await changeStoredUser(db, someone.id, { firstName: 'Migrated' });
    expect((await storedUser(db, someone.id))?.firstName).toBe('Migrated');
    await store.compact();
    expect(await store.pendingUsers()).toBe(0);
    expect((await storedUser(db, someone.id))?.firstName).toBe('Migrated');
    expect((await storedTables(db)).users).toHaveLength(10_500);
  });

  it('A14/A8: the audit the previous release (schema version 8) wrote, an entry per record, opens as a record per change with every entry in order', async () => {
    const name = `migration-v8-audit-${crypto.randomUUID()}`;
    const v8 = releaseDatabase(name, 8);
    await v8.open();
    // More entries than the upgrade reads per step: batches of 100 deactivations with their report moves,
    // a change larger than a record holds, and single entries between them.
    const written: AuditEntry[] = [];
    for (let batch = 0; batch < 60; batch++) {
      const at = new Date(Date.UTC(2026, 10, 1, 0, batch)).toISOString();
      const size = batch === 30 ? 2_500 : 100;
      for (let i = 0; i < size; i++) {
        const targetId = `U${String(batch * 100 + i).padStart(7, '0')}`;
        written.push({ at, actorId: 'U0000001', action: i % 2 ? 'move_report' : 'deactivate', targetId, batchId: `op-${batch}`, ruleId: i % 2 ? 'A8' : 'A14', selectionRule: batch % 3 ? null : 'Dormant', summary: `Deactivated user ${targetId}.` });
      }
      written.push({ at, actorId: 'U0000002', action: 'change_settings', targetId: null, batchId: null, ruleId: null, summary: `seat limit ${batch}` });
    }
    await v8.table('audit').bulkAdd(written);
    v8.close();

    const db = track(new OffboardDatabase(name));
    await db.open();
    expect(db.verno).toBe(CURRENT_SCHEMA_VERSION);
    expect(db.tables.map((t) => t.name)).not.toContain('audit');
    expect(await readAuditEntries(db)).toEqual(written.map((entry, i) => ({ seq: i + 1, ...entry })));
    // A record per change: 60 batches (the large one in three records) and 60 settings changes.
    expect(await db.auditLog.count()).toBe(122);
    expect(await readUserAuditHistory(db, 'U0003005', 5)).toEqual([{ seq: 3005 + 31, ...written[3005 + 30] }]);

    // And the log goes on from there.
    await db.transaction('rw', db.auditLog, () => appendAudit(db, [{ at: '2026-12-01T00:00:00.000Z', actorId: 'U0000001', action: 'sign_in', targetId: 'U0000001', batchId: null, ruleId: null, summary: 'Signed in.' }]));
    const page = await readAuditEntriesPage(db, { action: null, actorId: null, ruleId: null, batchId: null, text: '', beforeSeq: null, limit: 2 });
    expect(page.total).toBe(written.length + 1);
    expect(page.entries.map((e) => [e.seq, e.summary])).toEqual([
      [written.length + 1, 'Signed in.'],
      [written.length, 'seat limit 59'],
    ]);
  });
});
