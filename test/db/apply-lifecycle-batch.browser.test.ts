import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { OffboardDatabase, toUser, type StoredUser } from '../../src/db/offboard-database.ts';
import { writeRosterInChunks } from '../../src/db/write-roster-in-chunks.ts';
import { applyLifecycleBatch } from '../../src/db/apply-lifecycle-batch.ts';
import { issueCertificate, reassignPreviousAssignments } from '../../src/db/restore-learning-records.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { buildLifecyclePlan, type LifecycleAction, type LifecyclePlan } from '../../src/core/build-lifecycle-plan.ts';
import { createPlanningRoster } from '../../src/core/planning-roster.ts';
import { summarizeUserRecords } from '../../src/core/summarize-user-records.ts';
import { RosterStore } from '../../src/db/roster-store.ts';
import type { RosterLookup } from '../../src/db/commit-local-change.ts';
import { rollBackRefusedOperations } from '../../src/db/settle-push-results.ts';
import { tombstoneOf } from '../../src/core/sync/user-bundle.ts';
import { changeStoredUser, storedTables, storedUser, storedUserIds, storedUsers, storedUsersById, type StoredTables } from './stored-roster.ts';
import { readAuditEntries } from '../../src/db/audit-log.ts';
import { readOutbox } from '../../src/db/outbox-records.ts';

const db = new OffboardDatabase(`apply-${crypto.randomUUID()}`);
const store = new RosterStore(db);
const lookup: RosterLookup = { mayHold: () => true, hasUser: () => true, userIdWithEmail: () => undefined };
const demo = generateDemoOrganization({ size: 1_000, seed: 3 });
const globalId = demo.header.communities.find((c) => c.global)!.id;
const actorId = demo.header.signedInAdminId;

beforeAll(async () => {
  await writeRosterInChunks(db, demo.header, demo.chunks(400), {
    expectedUsers: demo.size,
    kind: 'demo',
    audit: { at: '2026-11-01T00:00:00.000Z', actorId, action: 'load_demo', targetId: null, batchId: null, ruleId: null, summary: 'load' },
  });
});

afterAll(async () => {
  db.close();
  await Dexie.delete(db.name);
});

/** The planning view of what the database holds now. */
async function rosterNow() {
  const [organization] = await db.organization.toArray();
  const tables = await storedTables(db);
  const users = tables.users.map(toUser);
  return createPlanningRoster({
    organization: { ...organization!, batchLimit: 40 },
    admins: await db.admins.toArray(),
    communities: await db.communities.toArray(),
    methodologies: await db.methodologies.toArray(),
    users,
    licenses: tables.licenses,
    memberships: tables.memberships,
    membershipRequests: tables.membershipRequests,
    assignments: tables.assignments,
    removedAssignments: tables.removedAssignments,
    completions: tables.completions,
    certificates: tables.certificates,
    removedCertificates: tables.removedCertificates,
    removedMemberships: tables.removedMemberships,
    tokens: tables.tokens,
    retainedHistory: tables.retainedHistory,
  });
}

async function applyAll(plan: LifecyclePlan, reassignPrevious = false): Promise<void> {
  for (const [batchIndex, userIds] of plan.batches.entries()) {
    const inBatch = new Set(userIds);
    await applyLifecycleBatch(
      store,
      {
        action: plan.action,
        actorId,
        planId: 'plan-1',
        batchIndex,
        batchCount: plan.batches.length,
        userIds,
        reportMoves: plan.effects.reportMoves.filter((m) => inBatch.has(m.fromManagerId)),
        now: '2026-11-20T12:00:00.000Z',
        operationId: crypto.randomUUID(),
        reassignPrevious,
      },
      lookup,
    );
  }
}

async function plan(action: LifecycleAction, userIds: string[]): Promise<LifecyclePlan> {
  return buildLifecyclePlan(await rosterNow(), { action, actorId, userIds });
}

/** Every stored summary equals one derived from the tables: the invariant every write path keeps. */
async function expectSummariesConsistent(): Promise<void> {
  const { users, ...tables } = await storedTables(db);
  const derived = summarizeUserRecords(tables, globalId);
  for (const user of users) {
    const expected = derived.get(user.id);
    expect({ id: user.id, communityIds: user.communityIds, licenses: user.licenses, counts: user.counts }).toEqual({
      id: user.id,
      communityIds: expected?.communityIds ?? [],
      licenses: expected?.licenses ?? [],
      counts: expected?.counts ?? expect.anything(),
    });
  }
}

/** The retained history of these users, by id (undefined where there is none). */
function historyOf(tables: StoredTables, ids: readonly string[]): (StoredTables['retainedHistory'][number] | undefined)[] {
  const byUser = new Map(tables.retainedHistory.map((h) => [h.userId, h]));
  return ids.map((id) => byUser.get(id));
}

function managersWithReports(users: StoredUser[], count: number): string[] {
  const managerIds = new Set(users.map((u) => u.managerId));
  const admins = new Set(demo.header.communities.flatMap((c) => c.adminIds));
  return users.filter((u) => managerIds.has(u.id) && u.status === 'active' && !admins.has(u.id) && u.id !== actorId && u.managerId !== null).slice(0, count).map((u) => u.id);
}

describe('applyLifecycleBatch', () => {
  let deactivated: string[] = [];
  let moves: LifecyclePlan['effects']['reportMoves'] = [];
  let historyOfDeactivated: unknown[] = [];

  it('A14/A8/A10/F9/A7: a deactivation applies batch by batch, exactly as planned', async () => {
    const users = await storedUsers(db);
    const managers = managersWithReports(users, 20);
    const individuals = users.filter((u) => u.status === 'active' && !managers.includes(u.id) && u.id > 'U0000500').slice(0, 60).map((u) => u.id);
    const theplan = await plan('deactivate', [...managers, ...individuals]);
    expect(theplan.canApply).toBe(true);
    expect(theplan.batches.length).toBe(Math.ceil(theplan.eligibleIds.length / 40));
    deactivated = theplan.eligibleIds;
    moves = theplan.effects.reportMoves;
    const tablesBefore = await storedTables(db);
    const historyBefore = tablesBefore.retainedHistory.length;
    historyOfDeactivated = historyOf(tablesBefore, deactivated);

    const counts = {
      tokens: tablesBefore.tokens.length,
      memberships: tablesBefore.memberships.length,
      certificates: tablesBefore.certificates.length,
      requests: tablesBefore.membershipRequests.length,
      removedAssignments: tablesBefore.removedAssignments.length,
    };
    await applyAll(theplan);

    const { effects } = theplan;
    const tablesAfter = await storedTables(db);
    expect(tablesAfter.tokens.length).toBe(counts.tokens - Object.values(effects.tokensRemoved).reduce((a, b) => a + b, 0));
    expect(tablesAfter.memberships.length).toBe(counts.memberships - effects.membershipsRemoved);
    expect(tablesAfter.certificates.length).toBe(counts.certificates - effects.certificatesRemoved);
    expect(tablesAfter.membershipRequests.length).toBe(counts.requests - effects.requestsRemoved);
    expect(tablesAfter.removedAssignments.length).toBe(counts.removedAssignments + effects.assignmentsRemoved);
    for (const id of deactivated) expect((await storedUser(db, id))?.status).toBe('inactive');
    for (const move of effects.reportMoves) expect((await storedUser(db, move.userId))?.managerId).toBe(move.toManagerId);
    expect(effects.reportMoves.length).toBeGreaterThan(0);
    expect(tablesAfter.retainedHistory.length).toBe(historyBefore); // F8

    const ops = await readOutbox(db);
    expect(ops.map((o) => o.batchIndex)).toEqual(theplan.batches.map((_, i) => i));
    expect(ops.every((o) => o.status === 'pending' && o.before!.bundles.length >= o.userIds.length)).toBe(true);
    expect((await readAuditEntries(db)).filter((e) => e.action === 'deactivate').length).toBe(deactivated.length);
    await expectSummariesConsistent();
  });

  it('X3: planning the same deactivation again skips everyone, and a stale batch writes nothing', async () => {
    const again = await plan('deactivate', deactivated);
    expect(again.eligibleIds).toEqual([]);
    expect(again.skipped.every((s) => s.reasons[0]?.code === 'already_inactive')).toBe(true);

    const before = { users: await storedUsers(db), outbox: await db.outbox.count(), audit: (await readAuditEntries(db)).length };
    const stale = await plan('deactivate', ['U0000900']);
    await changeStoredUser(db, 'U0000900', { status: 'inactive' }); // changed behind the plan's back
    await expect(applyAll(stale)).rejects.toMatchObject({ code: 'stale_plan' });
    await changeStoredUser(db, 'U0000900', { status: before.users.find((u) => u.id === 'U0000900')!.status });
    expect(await db.outbox.count()).toBe(before.outbox);
    expect((await readAuditEntries(db)).length).toBe(before.audit);
  });

  it('R3/R4/R5: reactivation re-adds the global community, restores its certificates and re-consumes ELA licenses', async () => {
    const reactivating = deactivated.slice(0, 30);
    const theplan = await plan('reactivate', reactivating);
    const eligible = theplan.eligibleIds;
    expect(eligible.length).toBeGreaterThan(0);
    const certificatesBefore = (await storedTables(db)).certificates.length;
    await applyAll(theplan);
    for (const id of eligible) {
      const user = await storedUser(db, id);
      expect(user?.status).toBe('active');
      expect(user?.communityIds).toContain(globalId);
    }
    const tables = await storedTables(db);
    expect(tables.certificates.length).toBe(certificatesBefore + theplan.effects.certificatesRestored);
    const reconsumed = theplan.effects.licensePools.reduce((sum, p) => sum + p.elaReconsumed, 0);
    const eligibleSet = new Set(eligible);
    const stillReleased = tables.licenses.filter((l) => eligibleSet.has(l.userId)).filter((l) => l.releasedFromElaAt);
    expect(stillReleased).toEqual([]);
    expect(reconsumed).toBeGreaterThanOrEqual(0);
    // R2: not asked for, so the previous assignments stay aside.
    expect(tables.removedAssignments.filter((a) => eligibleSet.has(a.userId)).length).toBe(theplan.effects.assignmentsToOffer);
    await expectSummariesConsistent();
  });

  it('R6: reports that moved up stay where they are when their manager is reactivated', async () => {
    const reactivated = new Set(deactivated.slice(0, 30));
    const affected = moves.filter((m) => reactivated.has(m.fromManagerId) && !deactivated.includes(m.userId));
    expect(affected.length).toBeGreaterThan(0);
    for (const move of affected) {
      expect((await storedUser(db, move.fromManagerId))?.status).toBe('active');
      expect((await storedUser(db, move.userId))?.managerId).toBe(move.toManagerId);
    }
  });

  it('F8: deactivation leaves retained history untouched, record for record', async () => {
    expect(historyOfDeactivated.every((h) => h !== undefined)).toBe(true);
    const after = historyOf(await storedTables(db), deactivated);
    // Some were reactivated or deleted since; the rest are exactly as before their deactivation.
    const stillInactive = new Set((await storedUsersById(db, deactivated)).filter((u) => u?.status === 'inactive').map((u) => u!.id));
    expect(stillInactive.size).toBeGreaterThan(10);
    deactivated.forEach((id, i) => {
      if (stillInactive.has(id)) expect(after[i]).toEqual(historyOfDeactivated[i]);
    });
  });

  it('R2: a reactivation that asks for it re-assigns the previous assignments in the same transaction', async () => {
    const reactivating = deactivated.slice(35, 50);
    const theplan = await plan('reactivate', reactivating);
    const eligibleSet = new Set(theplan.eligibleIds);
    const previous = (await storedTables(db)).removedAssignments.filter((a) => eligibleSet.has(a.userId));
    expect(previous.length).toBe(theplan.effects.assignmentsToOffer);
    expect(previous.length).toBeGreaterThan(0);
    const seqBefore = (await db.outbox.orderBy('seq').last())?.seq ?? 0;
    await applyAll(theplan, true);
    const tables = await storedTables(db);
    expect(tables.removedAssignments.filter((a) => eligibleSet.has(a.userId)).length).toBe(0);
    const assignmentById = new Map(tables.assignments.map((a) => [a.id, a]));
    expect(previous.map((a) => assignmentById.get(a.id)?.userId)).toEqual(previous.map((a) => a.userId));
    const audit = (await readAuditEntries(db)).filter((e) => e.action === 'reassign_assignments');
    expect(audit.every((a) => a.ruleId === 'R2')).toBe(true);
    expect(new Set(audit.map((a) => a.targetId))).toEqual(new Set(previous.map((a) => a.userId)));
    const ops = (await readOutbox(db)).filter((o) => o.seq! > seqBefore);
    expect(ops.every((o) => o.kind === 'reactivate' && (o.args as { reassignPrevious: boolean }).reassignPrevious)).toBe(true);
    expect(ops.flatMap((o) => o.before!.bundles.filter((b) => o.userIds.includes(b.id)).flatMap((b) => b.removedAssignments)).map((a) => a.id).sort()).toEqual(previous.map((a) => a.id).sort());
    await expectSummariesConsistent();
  });

  it('R2: previous assignments of an active user come back in one step; an inactive user is refused and nothing changes', async () => {
    const inactive = (await storedUsers(db)).find((u) => u.status === 'inactive' && u.counts.removedAssignments > 0)!;
    const context = { actorId, now: '2026-11-21T09:00:00.000Z', operationId: crypto.randomUUID() };
    const outbox = await db.outbox.count();
    await expect(reassignPreviousAssignments(store, { ...context, userIds: [inactive.id] }, lookup)).rejects.toMatchObject({ code: 'reassign_refused' });
    expect(await db.outbox.count()).toBe(outbox);
    expect((await storedTables(db)).removedAssignments.filter((a) => a.userId === inactive.id).length).toBe(inactive.counts.removedAssignments);

    const active = (await storedUsers(db)).find((u) => u.status === 'active' && u.counts.removedAssignments > 0)!;
    expect(active).toBeDefined();
    const result = await reassignPreviousAssignments(store, { ...context, operationId: crypto.randomUUID(), userIds: [active.id] }, lookup);
    expect(result.restoredCount).toBe(active.counts.removedAssignments);
    expect((await storedTables(db)).removedAssignments.filter((a) => a.userId === active.id).length).toBe(0);
    expect((await storedUser(db, active.id))?.counts.removedAssignments).toBe(0);
    await expectSummariesConsistent();
  });

  it('R4: "Get certificate" regenerates the certificate of a completion; asking twice is refused', async () => {
    const tables = await storedTables(db);
    const certified = new Set(tables.certificates.map((c) => `${c.userId} ${c.courseId} ${c.communityId}`));
    const active = new Set(tables.users.filter((u) => u.status === 'active').map((u) => u.id));
    const completion = tables.completions.find(
      (c) => active.has(c.userId) && c.communityId !== globalId && !certified.has(`${c.userId} ${c.courseId} ${c.communityId}`),
    )!;
    const request = { ...completion, globalCommunityId: globalId, actorId, now: '2026-11-21T09:00:00.000Z', operationId: crypto.randomUUID() };
    const { certificate } = await issueCertificate(store, request, lookup);
    expect((await storedTables(db)).certificates.find((c) => c.id === certificate.id)).toMatchObject({ userId: completion.userId, courseId: completion.courseId });
    const outbox = await db.outbox.count();
    await expect(issueCertificate(store, { ...request, operationId: crypto.randomUUID() }, lookup)).rejects.toMatchObject({ code: 'certificate_refused' });
    expect(await db.outbox.count()).toBe(outbox);
    await expectSummariesConsistent();
  });

  it('F2/D1: deletion removes the user and all their data; the audit keeps only the id', async () => {
    const deleting = deactivated.slice(30, 35);
    const theplan = await plan('delete', deleting);
    expect(theplan.eligibleIds).toEqual(deleting);
    await applyAll(theplan);
    const tables = await storedTables(db);
    const deletingSet = new Set(deleting);
    for (const kind of ['licenses', 'memberships', 'assignments', 'removedAssignments', 'completions', 'certificates', 'removedCertificates', 'removedMemberships', 'tokens'] as const) {
      expect((tables[kind] as { userId: string }[]).filter((r) => deletingSet.has(r.userId)).length, kind).toBe(0);
    }
    expect(await storedUsersById(db, deleting)).toEqual(deleting.map(() => undefined));
    expect(historyOf(tables, deleting)).toEqual(deleting.map(() => undefined));
    const tombstones = (await readAuditEntries(db)).filter((e) => e.action === 'delete');
    expect(tombstones.map((t) => t.targetId).sort()).toEqual([...deleting].sort());
    for (const entry of await readAuditEntries(db)) expect(entry.summary).not.toMatch(/[A-Z][a-z]+ [A-Z][a-z]+/);
    await expectSummariesConsistent();
  });

  it('A8: a report move reads and writes the moved user’s record alone; a 403 puts back the manager and leaves the rest', async () => {
    const users = await storedUsers(db);
    const [manager] = managersWithReports(users, 1).filter((id) => users.some((u) => u.managerId === id && u.communityIds.length > 0));
    const theplan = await plan('deactivate', [manager!]);
    const reportIds = theplan.effects.reportMoves.map((m) => m.userId);
    expect(reportIds.length).toBeGreaterThan(0);
    const recordsOf = async (ids: string[]) => {
      const tables = await storedTables(db);
      const of = new Set(ids);
      const by = <K extends string>(key: K) => (a: Record<K, string>, b: Record<K, string>) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);
      return {
        users: await storedUsersById(db, ids),
        memberships: tables.memberships.filter((m) => of.has(m.userId)).sort(by('communityId')),
        assignments: tables.assignments.filter((a) => of.has(a.userId)).sort(by('id')),
        tokens: tables.tokens.filter((t) => of.has(t.userId)).sort(by('id')),
      };
    };
    const before = await recordsOf(reportIds);
    await applyAll(theplan);
    const [operation] = (await readOutbox(db)).filter((o) => o.planId === 'plan-1').reverse();
    expect(operation!.before!.userRecordOnly?.sort()).toEqual([...reportIds].sort());
    for (const id of reportIds) expect(operation!.before!.bundles.find((b) => b.id === id)).toMatchObject({ memberships: [], assignments: [], tokens: [] });
    const moved = await recordsOf(reportIds);
    expect(moved.users.map((u) => u!.managerId)).toEqual(theplan.effects.reportMoves.map((m) => m.toManagerId));
    expect({ ...moved, users: null }).toEqual({ ...before, users: null });
    await expectSummariesConsistent();

    await rollBackRefusedOperations(store, [operation!], 'This account may not change users.', '2026-11-22T09:00:00.000Z');
    expect(await recordsOf(reportIds)).toEqual(before);
    await expectSummariesConsistent();
  });

  it('a change that edits more than the user record it read is refused whole, and nothing is written', async () => {
    const [userId] = (await storedUsers(db)).filter((u) => u.status === 'active' && u.communityIds.length > 0).map((u) => u.id);
    const usersBefore = (await storedUserIds(db)).length;
    const membershipsBefore = (await storedTables(db)).memberships.length;
    await expect(
      store.write(async (tx) => {
        const bundle = (await tx.userRecordBundles([userId!])).get(userId!)!;
        const renamed = { ...bundle, user: { ...bundle.user!, firstName: 'Changed' } };
        await tx.commit({ bundles: [renamed, tombstoneOf('no-such-user', 0)], userRecordOnly: new Set([userId!]) });
        // Records it never read: the store refuses rather than take the empty lists for "none".
        await tx.commit({ bundles: [{ ...renamed, memberships: [{ userId: userId!, communityId: 'C-x', joinedAt: '2026-11-22T09:00:00.000Z' }] }], userRecordOnly: new Set([userId!]) });
      }),
    ).rejects.toThrow(/read only the user record/);
    expect((await storedUser(db, userId!))!.firstName).not.toBe('Changed');
    expect((await storedUserIds(db)).length).toBe(usersBefore);
    expect((await storedTables(db)).memberships.length).toBe(membershipsBefore);
  });
});
