/**
 * The device's side of a round trip, with real Dexie: what a deactivation takes away and a reactivation,
 * a re-assignment (R2) or "Get certificate" (R4) gives back is the same record, field by field; a push
 * refused whole (403) puts every record back as it was; and the device and the server core, given the
 * same changes, end with the same records (issue 11).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { OffboardDatabase, toUser } from '../../src/db/offboard-database.ts';
import { writeRosterInChunks } from '../../src/db/write-roster-in-chunks.ts';
import { applyLifecycleBatch } from '../../src/db/apply-lifecycle-batch.ts';
import { issueCertificate, reassignPreviousAssignments } from '../../src/db/restore-learning-records.ts';
import { rollBackRefusedOperations } from '../../src/db/settle-push-results.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { summarizeUserRecords } from '../../src/core/summarize-user-records.ts';
import { PER_USER_RECORD_KINDS, type RosterChunk } from '../../src/core/roster-types.ts';
import type { OutboxOperation } from '../../src/core/changes/operation.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import type { RosterLookup } from '../../src/db/commit-local-change.ts';
import { ServerRoster } from '../../src/core/sync/server-roster.ts';
import { SYNC_PROTOCOL_VERSION } from '../../src/core/sync/sync-protocol.ts';
import { serverSnapshotOfRoster } from '../../src/core/sync/server-snapshot-of-roster.ts';
import { pushOperationOf } from '../../src/core/sync/push-operation-of.ts';
import { BUNDLE_RECORD_KINDS } from '../../src/core/sync/user-bundle.ts';
import { findRoundTripUser } from '../fixtures/round-trip-user.ts';
import { storedTables, storedUser } from './stored-roster.ts';
import { readAuditEntries } from '../../src/db/audit-log.ts';
import { readOutbox } from '../../src/db/outbox-records.ts';

const demo = generateDemoOrganization({ size: 2_000 });
const all = collect();
const { userId, globalCommunityId, otherCertificate } = findRoundTripUser(demo.header, all);
const actorId = demo.header.signedInAdminId;
const lookup: RosterLookup = { mayHold: () => true, hasUser: () => true, userIdWithEmail: () => undefined };

const T_DEACTIVATE = '2026-11-20T10:00:00.000Z';
const T_REACTIVATE = '2026-11-21T10:00:00.000Z';
const T_REASSIGN = '2026-11-22T10:00:00.000Z';
const T_CERTIFICATE = '2026-11-23T10:00:00.000Z';

/** The user's records as the demo made them. */
const original = Object.fromEntries(PER_USER_RECORD_KINDS.map((kind) => [kind, (all[kind] as { userId?: string; id?: string }[]).filter((r) => (r.userId ?? r.id) === userId)])) as unknown as RosterChunk;

function collect(): RosterChunk {
  const records = Object.fromEntries(PER_USER_RECORD_KINDS.map((kind) => [kind, []])) as unknown as RosterChunk;
  for (const chunk of demo.chunks(500)) for (const kind of PER_USER_RECORD_KINDS) (records[kind] as unknown[]).push(...chunk[kind]);
  return records;
}

const opened: OffboardDatabase[] = [];
afterAll(async () => {
  for (const db of opened) {
    db.close();
    await Dexie.delete(db.name);
  }
});

async function loadedDatabase(): Promise<OffboardDatabase> {
  const db = new OffboardDatabase(`identity-${crypto.randomUUID()}`);
  opened.push(db);
  await writeRosterInChunks(db, demo.header, demo.chunks(500), {
    expectedUsers: demo.size,
    kind: 'demo',
    audit: { at: '2026-11-01T00:00:00.000Z', actorId, action: 'load_demo', targetId: null, batchId: null, ruleId: null, summary: 'load' },
  });
  return db;
}

function lifecycle(db: OffboardDatabase, action: 'deactivate' | 'reactivate', now: string, reassignPrevious = false) {
  return applyLifecycleBatch(
    new RosterStore(db),
    { action, actorId, planId: crypto.randomUUID(), batchIndex: 0, batchCount: 1, userIds: [userId], reportMoves: [], now, operationId: crypto.randomUUID(), reassignPrevious },
    lookup,
  );
}

function getCertificate(db: OffboardDatabase, now: string) {
  return issueCertificate(new RosterStore(db), { userId, ...otherCertificate, actorId, now, operationId: crypto.randomUUID() }, lookup);
}

function reassign(db: OffboardDatabase, now: string) {
  return reassignPreviousAssignments(new RosterStore(db), { userIds: [userId], actorId, now, operationId: crypto.randomUUID() }, lookup);
}

/** Every record of the user on the device, table by table, in one order. */
async function recordsOnDevice(db: OffboardDatabase): Promise<Record<string, unknown[]>> {
  const kinds = PER_USER_RECORD_KINDS.filter((k) => k !== 'users' && k !== 'retainedHistory');
  const stored = await storedTables(db);
  const lists = kinds.map((kind) => (stored[kind] as { userId: string }[]).filter((r) => r.userId === userId));
  return Object.fromEntries(kinds.map((kind, i) => [kind, sorted(lists[i]!)]));
}

function sorted<T>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** The stored summary agrees with the tables, as every write path keeps it. */
async function expectSummaryConsistent(db: OffboardDatabase): Promise<void> {
  const history = await storedHistory(db);
  const records = { ...(await recordsOnDevice(db)), retainedHistory: history ? [history] : [] };
  const summary = summarizeUserRecords(records, globalCommunityId).get(userId)!;
  const stored = (await storedUser(db, userId))!;
  expect({ communityIds: stored.communityIds, licenses: stored.licenses, counts: stored.counts }).toEqual(summary);
}

/** The user's retained history as stored (undefined where there is none). */
async function storedHistory(db: OffboardDatabase) {
  return (await storedTables(db)).retainedHistory.find((h) => h.userId === userId);
}

const isOther = (c: { courseId: string; communityId: string }) => c.courseId === otherCertificate.courseId && c.communityId === otherCertificate.communityId;

describe('records keep their identity across a round trip on the device', () => {
  let db: OffboardDatabase;
  beforeAll(async () => {
    db = await loadedDatabase();
  });

  it('F9/A3/A11: deactivation keeps every certificate, the global membership and the assignments aside, as they were', async () => {
    await lifecycle(db, 'deactivate', T_DEACTIVATE);
    const after = await recordsOnDevice(db);
    expect(after.certificates).toEqual([]);
    expect(after.memberships).toEqual([]);
    expect(after.removedCertificates).toEqual(sorted(original.certificates));
    expect(after.removedMemberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId));
    expect(after.removedAssignments).toEqual(sorted(original.assignments));
    expect((after.licenses as { releasedFromElaAt?: string }[]).some((l) => l.releasedFromElaAt === T_DEACTIVATE)).toBe(true);
    await expectSummaryConsistent(db);
  });

  it('R3/R4/R5: on reactivation the global membership, the global certificates and the ELA licenses are the records they were', async () => {
    await lifecycle(db, 'reactivate', T_REACTIVATE);
    const after = await recordsOnDevice(db);
    const global = original.certificates.filter((c) => c.communityId === globalCommunityId);
    expect(global.length).toBeGreaterThan(0);
    expect(after.certificates).toEqual(sorted(global)); // R4: id and issue date
    expect(after.memberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId)); // R3: the day they joined
    expect(after.licenses).toEqual(sorted(original.licenses.filter((l) => l.state !== 'reserved'))); // R5, no mark left; A10
    expect(after.removedMemberships).toEqual([]);
    expect(after.removedCertificates).toEqual(sorted(original.certificates.filter((c) => c.communityId !== globalCommunityId)));
    await expectSummaryConsistent(db);
  });

  it('R2: re-assigned assignments are the records the deactivation removed, field by field', async () => {
    await reassign(db, T_REASSIGN);
    const after = await recordsOnDevice(db);
    expect(after.assignments).toEqual(sorted(original.assignments));
    expect(after.removedAssignments).toEqual([]);
    await expectSummaryConsistent(db);
  });

  it('R4: "Get certificate" gives back the certificate kept for another community, its id and issue date', async () => {
    const kept = original.certificates.find(isOther)!;
    const { certificate, wasKept } = await getCertificate(db, T_CERTIFICATE);
    expect(wasKept).toBe(true);
    expect(certificate).toEqual(kept);
    const tables = await storedTables(db);
    expect(tables.certificates.find((c) => c.id === kept.id)).toEqual(kept);
    expect(tables.removedCertificates.find((c) => c.id === kept.id)).toBeUndefined();
    const audit = (await readAuditEntries(db)).filter((e) => e.action === 'issue_certificate').at(-1);
    expect(audit).toMatchObject({ ruleId: 'R4', summary: expect.stringContaining(kept.issuedAt) });
    await expectSummaryConsistent(db);
  });

  it('R2/R3: a reactivation that re-assigns in the same step gives back the same assignments and membership too', async () => {
    const other = await loadedDatabase();
    // This user only, in a database of their own: deactivated and reactivated with R2 in one step.
    const deactivated = await lifecycle(other, 'deactivate', T_DEACTIVATE);
    expect(deactivated.operation.before!.bundles.find((b) => b.id === userId)!.removedCertificates).toEqual([]);
    await lifecycle(other, 'reactivate', T_REACTIVATE, true);
    const after = await recordsOnDevice(other);
    expect(after.assignments).toEqual(sorted(original.assignments));
    expect(after.memberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId));
  });
});

describe('a push refused whole (403) puts the records back as they were', () => {
  it('A1: rolling back a reactivation puts the kept certificates and membership aside again, as they were', async () => {
    const db = await loadedDatabase();
    await lifecycle(db, 'deactivate', T_DEACTIVATE);
    const afterDeactivation = await recordsOnDevice(db);
    const userAfterDeactivation = await storedUser(db, userId);
    const reactivated = await lifecycle(db, 'reactivate', T_REACTIVATE, true);
    await rollBackRefusedOperations(new RosterStore(db), [reactivated.operation], 'refused', T_CERTIFICATE);
    expect(await recordsOnDevice(db)).toEqual(afterDeactivation);
    expect(await storedUser(db, userId)).toEqual(userAfterDeactivation);
  });

  it('A1: rolling back deactivate → reactivate → re-assign → "Get certificate" gives every record back as it was', async () => {
    const db = await loadedDatabase();
    const before = await recordsOnDevice(db);
    const userBefore = await storedUser(db, userId);
    const operations: OutboxOperation[] = [];
    operations.push((await lifecycle(db, 'deactivate', T_DEACTIVATE)).operation);
    operations.push((await lifecycle(db, 'reactivate', T_REACTIVATE)).operation);
    await reassign(db, T_REASSIGN);
    await getCertificate(db, T_CERTIFICATE);
    const queued = (await readOutbox(db)).filter((o) => o.status === 'pending');
    expect(queued.map((o) => o.kind)).toEqual(['deactivate', 'reactivate', 'reassign_assignments', 'issue_certificate']);
    // The "Get certificate" gave the kept one back: undone, it waits aside again.
    await rollBackRefusedOperations(new RosterStore(db), queued.slice(3), 'refused', T_CERTIFICATE);
    expect((await recordsOnDevice(db)).removedCertificates).toContainEqual(original.certificates.find(isOther));
    await rollBackRefusedOperations(new RosterStore(db), queued.slice(0, 3), 'refused', T_CERTIFICATE);
    expect(await recordsOnDevice(db)).toEqual(before);
    expect(await storedUser(db, userId)).toEqual(userBefore);
  });
});

describe('the device and the server core give the same records', () => {
  it('R2/R3/R4/R5: deactivate → reactivate → re-assign → "Get certificate" ends with the same ids and dates on both, and as the records were', async () => {
    const db = await loadedDatabase();
    const server = new ServerRoster(serverSnapshotOfRoster(demo.header, demo.chunks(500)));
    const admin = demo.header.admins.find((a) => a.userId === actorId)!;

    await lifecycle(db, 'deactivate', T_DEACTIVATE);
    await lifecycle(db, 'reactivate', T_REACTIVATE);
    await reassign(db, T_REASSIGN);
    await getCertificate(db, T_CERTIFICATE);
    // What the sync client sends: every operation of the outbox, in order.
    const operations = await readOutbox(db);
    const outcome = server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'device', operations: operations.map((op) => pushOperationOf(op)) }, admin);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);

    const onDevice = await recordsOnDevice(db);
    const bundle = server.bundle(userId)!;
    for (const kind of BUNDLE_RECORD_KINDS) expect(onDevice[kind], kind).toEqual(sorted<unknown>(bundle[kind]));
    expect(toUser((await storedUser(db, userId))!)).toEqual(bundle.user);
    expect(await storedHistory(db)).toEqual(bundle.retainedHistory);

    // And both hold what the user had before: every certificate (the rest of the other community's
    // still aside), the global membership, the assignments, the licenses but the reserved ones (A10).
    expect(sorted([...onDevice.certificates!, ...onDevice.removedCertificates!])).toEqual(sorted(original.certificates));
    expect(onDevice.certificates).toEqual(sorted(original.certificates.filter((c) => c.communityId === globalCommunityId || isOther(c))));
    expect(onDevice.memberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId));
    expect(onDevice.assignments).toEqual(sorted(original.assignments));
    expect(onDevice.licenses).toEqual(sorted(original.licenses.filter((l) => l.state !== 'reserved')));
    expect(onDevice.completions).toEqual(sorted(original.completions));
    expect(onDevice.removedAssignments).toEqual([]);
    expect(onDevice.removedMemberships).toEqual([]);
  });
});
