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
  const users = (await db.users.toArray()).map(toUser);
  return createPlanningRoster({
    organization: { ...organization!, batchLimit: 40 },
    admins: await db.admins.toArray(),
    communities: await db.communities.toArray(),
    methodologies: await db.methodologies.toArray(),
    users,
    licenses: await db.licenses.toArray(),
    memberships: await db.memberships.toArray(),
    membershipRequests: await db.membershipRequests.toArray(),
    assignments: await db.assignments.toArray(),
    removedAssignments: await db.removedAssignments.toArray(),
    completions: await db.completions.toArray(),
    certificates: await db.certificates.toArray(),
    removedCertificates: await db.removedCertificates.toArray(),
    removedMemberships: await db.removedMemberships.toArray(),
    tokens: await db.tokens.toArray(),
    retainedHistory: await db.retainedHistory.toArray(),
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
  const tables = {
    memberships: await db.memberships.toArray(),
    licenses: await db.licenses.toArray(),
    membershipRequests: await db.membershipRequests.toArray(),
    assignments: await db.assignments.toArray(),
    removedAssignments: await db.removedAssignments.toArray(),
    completions: await db.completions.toArray(),
    certificates: await db.certificates.toArray(),
    removedCertificates: await db.removedCertificates.toArray(),
    removedMemberships: await db.removedMemberships.toArray(),
    tokens: await db.tokens.toArray(),
    retainedHistory: await db.retainedHistory.toArray(),
  };
  const derived = summarizeUserRecords(tables, globalId);
  for (const user of await db.users.toArray()) {
    const expected = derived.get(user.id);
    expect({ id: user.id, communityIds: user.communityIds, licenses: user.licenses, counts: user.counts }).toEqual({
      id: user.id,
      communityIds: expected?.communityIds ?? [],
      licenses: expected?.licenses ?? [],
      counts: expected?.counts ?? expect.anything(),
    });
  }
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
    const users = await db.users.toArray();
    const managers = managersWithReports(users, 20);
    const individuals = users.filter((u) => u.status === 'active' && !managers.includes(u.id) && u.id > 'U0000500').slice(0, 60).map((u) => u.id);
    const theplan = await plan('deactivate', [...managers, ...individuals]);
    expect(theplan.canApply).toBe(true);
    expect(theplan.batches.length).toBe(Math.ceil(theplan.eligibleIds.length / 40));
    deactivated = theplan.eligibleIds;
    moves = theplan.effects.reportMoves;
    const historyBefore = await db.retainedHistory.count();
    historyOfDeactivated = await db.retainedHistory.bulkGet(deactivated);

    const counts = {
      tokens: await db.tokens.count(),
      memberships: await db.memberships.count(),
      certificates: await db.certificates.count(),
      requests: await db.membershipRequests.count(),
      removedAssignments: await db.removedAssignments.count(),
    };
    await applyAll(theplan);

    const { effects } = theplan;
    expect(await db.tokens.count()).toBe(counts.tokens - Object.values(effects.tokensRemoved).reduce((a, b) => a + b, 0));
    expect(await db.memberships.count()).toBe(counts.memberships - effects.membershipsRemoved);
    expect(await db.certificates.count()).toBe(counts.certificates - effects.certificatesRemoved);
    expect(await db.membershipRequests.count()).toBe(counts.requests - effects.requestsRemoved);
    expect(await db.removedAssignments.count()).toBe(counts.removedAssignments + effects.assignmentsRemoved);
    for (const id of deactivated) expect((await db.users.get(id))?.status).toBe('inactive');
    for (const move of effects.reportMoves) expect((await db.users.get(move.userId))?.managerId).toBe(move.toManagerId);
    expect(effects.reportMoves.length).toBeGreaterThan(0);
    expect(await db.retainedHistory.count()).toBe(historyBefore); // F8

    const ops = await db.outbox.orderBy('seq').toArray();
    expect(ops.map((o) => o.batchIndex)).toEqual(theplan.batches.map((_, i) => i));
    expect(ops.every((o) => o.status === 'pending' && o.before!.bundles.length >= o.userIds.length)).toBe(true);
    expect(await db.audit.where('action').equals('deactivate').count()).toBe(deactivated.length);
    await expectSummariesConsistent();
  });

  it('X3: planning the same deactivation again skips everyone, and a stale batch writes nothing', async () => {
    const again = await plan('deactivate', deactivated);
    expect(again.eligibleIds).toEqual([]);
    expect(again.skipped.every((s) => s.reasons[0]?.code === 'already_inactive')).toBe(true);

    const before = { users: await db.users.toArray(), outbox: await db.outbox.count(), audit: await db.audit.count() };
    const stale = await plan('deactivate', ['U0000900']);
    await db.users.update('U0000900', { status: 'inactive' }); // changed behind the plan's back
    await expect(applyAll(stale)).rejects.toMatchObject({ code: 'stale_plan' });
    await db.users.update('U0000900', { status: before.users.find((u) => u.id === 'U0000900')!.status });
    expect(await db.outbox.count()).toBe(before.outbox);
    expect(await db.audit.count()).toBe(before.audit);
  });

  it('R3/R4/R5: reactivation re-adds the global community, restores its certificates and re-consumes ELA licenses', async () => {
    const reactivating = deactivated.slice(0, 30);
    const theplan = await plan('reactivate', reactivating);
    const eligible = theplan.eligibleIds;
    expect(eligible.length).toBeGreaterThan(0);
    const certificatesBefore = await db.certificates.count();
    await applyAll(theplan);
    for (const id of eligible) {
      const user = await db.users.get(id);
      expect(user?.status).toBe('active');
      expect(user?.communityIds).toContain(globalId);
    }
    expect(await db.certificates.count()).toBe(certificatesBefore + theplan.effects.certificatesRestored);
    const reconsumed = theplan.effects.licensePools.reduce((sum, p) => sum + p.elaReconsumed, 0);
    const stillReleased = (await db.licenses.where('userId').anyOf(eligible).toArray()).filter((l) => l.releasedFromElaAt);
    expect(stillReleased).toEqual([]);
    expect(reconsumed).toBeGreaterThanOrEqual(0);
    // R2: not asked for, so the previous assignments stay aside.
    expect(await db.removedAssignments.where('userId').anyOf(eligible).count()).toBe(theplan.effects.assignmentsToOffer);
    await expectSummariesConsistent();
  });

  it('R6: reports that moved up stay where they are when their manager is reactivated', async () => {
    const reactivated = new Set(deactivated.slice(0, 30));
    const affected = moves.filter((m) => reactivated.has(m.fromManagerId) && !deactivated.includes(m.userId));
    expect(affected.length).toBeGreaterThan(0);
    for (const move of affected) {
      expect((await db.users.get(move.fromManagerId))?.status).toBe('active');
      expect((await db.users.get(move.userId))?.managerId).toBe(move.toManagerId);
    }
  });

  it('F8: deactivation leaves retained history untouched, record for record', async () => {
    expect(historyOfDeactivated.every((h) => h !== undefined)).toBe(true);
    const after = await db.retainedHistory.bulkGet(deactivated);
    // Some were reactivated or deleted since; the rest are exactly as before their deactivation.
    const stillInactive = new Set((await db.users.bulkGet(deactivated)).filter((u) => u?.status === 'inactive').map((u) => u!.id));
    expect(stillInactive.size).toBeGreaterThan(10);
    deactivated.forEach((id, i) => {
      if (stillInactive.has(id)) expect(after[i]).toEqual(historyOfDeactivated[i]);
    });
  });

  it('R2: a reactivation that asks for it re-assigns the previous assignments in the same transaction', async () => {
    const reactivating = deactivated.slice(35, 50);
    const theplan = await plan('reactivate', reactivating);
    const previous = await db.removedAssignments.where('userId').anyOf(theplan.eligibleIds).toArray();
    expect(previous.length).toBe(theplan.effects.assignmentsToOffer);
    expect(previous.length).toBeGreaterThan(0);
    const seqBefore = (await db.outbox.orderBy('seq').last())?.seq ?? 0;
    await applyAll(theplan, true);
    expect(await db.removedAssignments.where('userId').anyOf(theplan.eligibleIds).count()).toBe(0);
    expect((await db.assignments.bulkGet(previous.map((a) => a.id))).map((a) => a?.userId)).toEqual(previous.map((a) => a.userId));
    const audit = await db.audit.where('action').equals('reassign_assignments').toArray();
    expect(audit.every((a) => a.ruleId === 'R2')).toBe(true);
    expect(new Set(audit.map((a) => a.targetId))).toEqual(new Set(previous.map((a) => a.userId)));
    const ops = await db.outbox.where('seq').above(seqBefore).toArray();
    expect(ops.every((o) => o.kind === 'reactivate' && (o.args as { reassignPrevious: boolean }).reassignPrevious)).toBe(true);
    expect(ops.flatMap((o) => o.before!.bundles.filter((b) => o.userIds.includes(b.id)).flatMap((b) => b.removedAssignments)).map((a) => a.id).sort()).toEqual(previous.map((a) => a.id).sort());
    await expectSummariesConsistent();
  });

  it('R2: previous assignments of an active user come back in one step; an inactive user is refused and nothing changes', async () => {
    const inactive = (await db.users.toArray()).find((u) => u.status === 'inactive' && u.counts.removedAssignments > 0)!;
    const context = { actorId, now: '2026-11-21T09:00:00.000Z', operationId: crypto.randomUUID() };
    const outbox = await db.outbox.count();
    await expect(reassignPreviousAssignments(store, { ...context, userIds: [inactive.id] }, lookup)).rejects.toMatchObject({ code: 'reassign_refused' });
    expect(await db.outbox.count()).toBe(outbox);
    expect(await db.removedAssignments.where('userId').equals(inactive.id).count()).toBe(inactive.counts.removedAssignments);

    const active = (await db.users.toArray()).find((u) => u.status === 'active' && u.counts.removedAssignments > 0)!;
    expect(active).toBeDefined();
    const result = await reassignPreviousAssignments(store, { ...context, operationId: crypto.randomUUID(), userIds: [active.id] }, lookup);
    expect(result.restoredCount).toBe(active.counts.removedAssignments);
    expect(await db.removedAssignments.where('userId').equals(active.id).count()).toBe(0);
    expect((await db.users.get(active.id))?.counts.removedAssignments).toBe(0);
    await expectSummariesConsistent();
  });

  it('R4: "Get certificate" regenerates the certificate of a completion; asking twice is refused', async () => {
    const certified = new Set((await db.certificates.toArray()).map((c) => `${c.userId} ${c.courseId} ${c.communityId}`));
    const active = new Set((await db.users.toArray()).filter((u) => u.status === 'active').map((u) => u.id));
    const completion = (await db.completions.toArray()).find(
      (c) => active.has(c.userId) && c.communityId !== globalId && !certified.has(`${c.userId} ${c.courseId} ${c.communityId}`),
    )!;
    const request = { ...completion, globalCommunityId: globalId, actorId, now: '2026-11-21T09:00:00.000Z', operationId: crypto.randomUUID() };
    const { certificate } = await issueCertificate(store, request, lookup);
    expect(await db.certificates.get(certificate.id)).toMatchObject({ userId: completion.userId, courseId: completion.courseId });
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
    for (const table of [db.licenses, db.memberships, db.assignments, db.removedAssignments, db.completions, db.certificates, db.removedCertificates, db.removedMemberships, db.tokens]) {
      expect(await (table as typeof db.tokens).where('userId').anyOf(deleting).count()).toBe(0);
    }
    expect(await db.users.bulkGet(deleting)).toEqual(deleting.map(() => undefined));
    expect(await db.retainedHistory.bulkGet(deleting)).toEqual(deleting.map(() => undefined));
    const tombstones = await db.audit.where('action').equals('delete').toArray();
    expect(tombstones.map((t) => t.targetId).sort()).toEqual([...deleting].sort());
    for (const entry of await db.audit.toArray()) expect(entry.summary).not.toMatch(/[A-Z][a-z]+ [A-Z][a-z]+/);
    await expectSummariesConsistent();
  });

  it('A8: a report move reads and writes the moved user’s record alone; a 403 puts back the manager and leaves the rest', async () => {
    const users = await db.users.toArray();
    const [manager] = managersWithReports(users, 1).filter((id) => users.some((u) => u.managerId === id && u.communityIds.length > 0));
    const theplan = await plan('deactivate', [manager!]);
    const reportIds = theplan.effects.reportMoves.map((m) => m.userId);
    expect(reportIds.length).toBeGreaterThan(0);
    const recordsOf = async (ids: string[]) => ({
      users: await db.users.bulkGet(ids),
      memberships: await db.memberships.where('userId').anyOf(ids).sortBy('communityId'),
      assignments: await db.assignments.where('userId').anyOf(ids).sortBy('id'),
      tokens: await db.tokens.where('userId').anyOf(ids).sortBy('id'),
    });
    const before = await recordsOf(reportIds);
    await applyAll(theplan);
    const [operation] = await db.outbox.where('planId').equals('plan-1').reverse().sortBy('seq');
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
    const [userId] = (await db.users.toArray()).filter((u) => u.status === 'active' && u.communityIds.length > 0).map((u) => u.id);
    const usersBefore = await db.users.count();
    const membershipsBefore = await db.memberships.count();
    await expect(
      store.write(async (tx) => {
        const bundle = (await tx.userRecordBundles([userId!])).get(userId!)!;
        const renamed = { ...bundle, user: { ...bundle.user!, firstName: 'Changed' } };
        await tx.commit({ bundles: [renamed, tombstoneOf('no-such-user', 0)], userRecordOnly: new Set([userId!]) });
        // Records it never read: the store refuses rather than take the empty lists for "none".
        await tx.commit({ bundles: [{ ...renamed, memberships: [{ userId: userId!, communityId: 'C-x', joinedAt: '2026-11-22T09:00:00.000Z' }] }], userRecordOnly: new Set([userId!]) });
      }),
    ).rejects.toThrow(/read only the user record/);
    expect((await db.users.get(userId!))!.firstName).not.toBe('Changed');
    expect(await db.users.count()).toBe(usersBefore);
    expect(await db.memberships.count()).toBe(membershipsBefore);
  });
});
