import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { proxy } from 'comlink';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import type { ApplyProgress } from '../../workers/roster-engine.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { changeStoredUser, storedTables, storedUsersById } from '../db/stored-roster.ts';
import { readAuditEntries } from '../../src/db/audit-log.ts';
import { readOutbox } from '../../src/db/outbox-records.ts';

const databaseName = `plans-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);

beforeAll(async () => {
  await worker.open();
  await worker.loadDemo(3_000);
});

afterAll(async () => {
  await Dexie.delete(databaseName);
});

const financeActive = { ...EMPTY_FILTER, status: 'active' as const, customField: { name: 'department', value: 'Finance' } };

describe('lifecycle plans in the worker', () => {
  it('A6: plans a deactivation of "all N matching" minus unticked rows, over the whole roster', async () => {
    const { count, queryId } = await worker.query(financeActive);
    const [unticked] = (await worker.matchingIds(queryId))!;
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'filter', filter: financeActive, excludedIds: [unticked!] } });
    const considered = plan.eligibleCount + plan.blocked.length + plan.skipped.length;
    expect(considered).toBe(count - 1);
    expect(plan.blocked.some((b) => b.reasons.some((r) => r.rule === 'F3'))).toBe(true);
    expect(plan.batchCount).toBe(Math.ceil(plan.eligibleCount / 100));
    expect(plan.eligibleSample.length).toBe(Math.min(50, plan.eligibleCount));
    expect(plan.warnings.find((w) => w.rule === 'A5')?.userCount).toBe(plan.eligibleCount);
    for (const move of plan.effects.reportMoves) expect(move.fromManagerName).not.toBe(move.fromManagerId);
  });

  it('F9/A3/A7: per user, the plan names what it removes, a page at a time, adding up to its counts', async () => {
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'filter', filter: financeActive, excludedIds: [] } });
    expect(plan.eligibleCount).toBeGreaterThan(25);
    // The plan itself carries counts only: no user's records cross to the page before they are asked for.
    expect(JSON.stringify(plan)).not.toMatch(/CRS-\d+ in /);
    const first = await worker.planRemovals(plan.planId, 0);
    expect(first).toMatchObject({ start: 0, total: plan.eligibleCount });
    expect(first.users).toHaveLength(25);
    expect(first.users[0]!.userId).toBe(plan.eligibleSample[0]!.id);

    const totals = { communities: 0, requests: 0, certificates: 0, assignments: 0, tokens: 0 };
    for (let start = 0; start < plan.eligibleCount; start += 25) {
      const page = await worker.planRemovals(plan.planId, start);
      expect(page.users.length).toBe(Math.min(25, plan.eligibleCount - start));
      for (const user of page.users) {
        totals.communities += user.communities.length;
        totals.requests += user.requests.length;
        totals.certificates += user.certificates.length;
        totals.assignments += user.assignments.length;
        totals.tokens += user.tokens;
        // Communities by name and id, as the admin knows them; courses by id (the roster has no course names).
        for (const label of [...user.communities, ...user.requests]) expect(label).toMatch(/^.+ \(C-\d+\)$/);
        for (const label of user.certificates) expect(label).toMatch(/^\S+ in .+ \(C-\d+\)$/);
      }
    }
    const { effects } = plan;
    expect(totals).toEqual({
      communities: effects.membershipsRemoved,
      requests: effects.requestsRemoved,
      certificates: effects.certificatesRemoved,
      assignments: effects.assignmentsRemoved,
      tokens: Object.values(effects.tokensRemoved).reduce((a, b) => a + b, 0),
    });

    // A plan replaced by another is no longer current.
    await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [] } });
    await expect(worker.planRemovals(plan.planId, 0)).rejects.toMatchObject({ code: 'plan_expired' });
  });

  it('F3: transferring a blocked admin\'s community role in place makes them eligible, in one transaction', async () => {
    // Pick a community admin who administers exactly one community and is still active.
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
    const ids = (await worker.matchingIds(queryId))!;
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [...ids] } });
    const blockedAdmin = plan.blocked.find((b) => b.reasons.length === 1 && b.reasons[0]!.rule === 'F3' && b.reasons[0]!.communityIds?.length === 1)!;
    expect(blockedAdmin).toBeDefined();
    const communityId = blockedAdmin.reasons[0]!.communityIds![0]!;
    const [candidate] = await worker.searchActiveUsers('a', 50).then((found) => found.filter((u) => u.id !== blockedAdmin.userId));
    expect(candidate).toBeDefined();

    // A refused transfer (to an inactive user) changes nothing.
    const inactive = await worker.query({ ...EMPTY_FILTER, status: 'inactive' });
    const [inactiveId] = (await worker.matchingIds(inactive.queryId))!;
    const inactiveName = (await worker.userDetail(inactiveId!))!.name;
    // The refusal crosses the worker as a code and details; the page words it with the user's name.
    await expect(worker.transferCommunityAdmin(communityId, blockedAdmin.userId, inactiveId!)).rejects.toMatchObject({
      code: 'transfer_refused',
      details: { operation: 'transfer_community_admin', reason: 'not_active', rule: 'F3', userId: inactiveId, communityId, names: { [inactiveId!]: inactiveName } },
    });
    const stillBlocked = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [blockedAdmin.userId] } });
    expect(stillBlocked.blocked.map((b) => b.userId)).toEqual([blockedAdmin.userId]);

    await worker.transferCommunityAdmin(communityId, blockedAdmin.userId, candidate!.id);
    const replanned = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [blockedAdmin.userId] } });
    expect(replanned.blocked).toEqual([]);
    expect(replanned.eligibleCount).toBe(1);
    const newAdmin = await worker.userDetail(candidate!.id);
    expect(newAdmin?.communities.find((c) => c.id === communityId)).toMatchObject({ isAdmin: true });

    // What was written: the community, the audit entry and one outbox operation with the before-image.
    const db = new OffboardDatabase(databaseName);
    await db.open();
    const community = await db.table('communities').get(communityId);
    expect(community.adminIds).toContain(candidate!.id);
    expect(community.adminIds).not.toContain(blockedAdmin.userId);
    const operations = (await readOutbox(db)).filter((o) => o.kind === 'transfer_community_admin');
    expect(operations).toHaveLength(1);
    expect(operations[0]!.args).toEqual({ communityId, fromUserId: blockedAdmin.userId, toUserId: candidate!.id });
    expect(operations[0]!.before!.organization!.communities!.find((c: { id: string }) => c.id === communityId)!.adminIds).toContain(blockedAdmin.userId);
    expect((await storedTables(db)).memberships.find((m) => m.userId === candidate!.id && m.communityId === communityId)).toBeDefined();
    const audit = (await readAuditEntries(db)).filter((a) => a.action === 'transfer_community_admin');
    expect(audit).toMatchObject([{ targetId: blockedAdmin.userId, batchId: operations[0]!.id }]);
    db.close();
  });

  it('F3: an exact full name or email, case ignored, means one active user; a shared name asks for the email', async () => {
    const { queryId, count } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
    const rows = (await worker.rows(queryId, 0, count))!;
    const byName = Map.groupBy(rows, (r) => r.name);
    const unique = rows.find((r) => byName.get(r.name)!.length === 1)!;
    const [shared, sharedRows] = [...byName].find(([, named]) => named.length > 1)!;
    expect(await worker.matchActiveUser(unique.email.toUpperCase())).toEqual({ kind: 'user', user: { id: unique.id, name: unique.name, email: unique.email } });
    expect(await worker.matchActiveUser(unique.name.toLowerCase())).toMatchObject({ kind: 'user', user: { id: unique.id } });
    expect(await worker.matchActiveUser(`${unique.name} (${unique.email})`)).toMatchObject({ kind: 'user', user: { id: unique.id } });
    expect(await worker.matchActiveUser(shared)).toEqual({ kind: 'several', count: sharedRows.length });
    expect(await worker.matchActiveUser(unique.email, unique.id)).toMatchObject({ kind: 'current_admin' });
    expect(await worker.matchActiveUser('nobody-at-all@nowhere.example')).toEqual({ kind: 'none' });
  });

  it('A14: applies the plan batch by batch with progress; the list sees the change at once', async () => {
    const before = await worker.query({ ...EMPTY_FILTER, status: 'inactive' });
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'filter', filter: financeActive, excludedIds: [] } });
    const progress: ApplyProgress[] = [];
    const result = await worker.applyPlan(plan.planId, proxy((p: ApplyProgress) => progress.push(p)));
    expect(result).toMatchObject({ failure: null, batchesApplied: plan.batchCount, usersApplied: plan.eligibleCount });
    expect(progress.at(-1)).toMatchObject({ batchesDone: plan.batchCount, usersDone: plan.eligibleCount });
    const after = await worker.query({ ...EMPTY_FILTER, status: 'inactive' });
    expect(after.count).toBe(before.count + plan.eligibleCount);
    const stillActive = await worker.query(financeActive);
    expect(stillActive.count).toBe(plan.blocked.length);

    // A plan is applied once.
    await expect(worker.applyPlan(plan.planId)).rejects.toMatchObject({ code: 'plan_expired' });
    // A8: nobody reports to a deactivated manager any more.
    for (const move of plan.effects.reportMoves.slice(0, 20)) {
      const detail = await worker.userDetail(move.userId);
      expect(detail?.user.managerId).toBe(move.toManagerId);
    }
  });

  it('A14: a batch that fails stops the plan at its boundary: earlier batches stand whole, nothing of it is written', async () => {
    await worker.saveSettings({ plan: 'plus', seatLimit: 10_000, batchLimit: 10, policyPreset: 'ascender', policyOverrides: {} });
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active', customField: { name: 'department', value: 'Sales' } });
    const ids = (await worker.matchingIds(queryId))!.slice(0, 60);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(plan.batchCount).toBeGreaterThanOrEqual(3);
    // Behind the plan's back (another tab, a sync), a user of the third batch changes.
    const db = new OffboardDatabase(databaseName);
    await db.open();
    // Batches take the eligible users in id order (A14, src/core/build-lifecycle-plan.ts).
    const eligible = ids.filter((id) => !plan.blocked.some((b) => b.userId === id) && !plan.skipped.some((s) => s.userId === id)).sort();
    const victim = eligible[25]!;
    await changeStoredUser(db, victim, { status: 'inactive' });
    const outboxBefore = await db.table('outbox').count();

    const result = await worker.applyPlan(plan.planId);
    expect(result.failure).toMatchObject({ batchIndex: 2, code: 'stale_plan' });
    expect(result).toMatchObject({ batchesApplied: 2, usersApplied: 20 });
    expect(await db.table('outbox').count()).toBe(outboxBefore + 2);
    const statuses = (await storedUsersById(db, eligible.slice(0, 30))).map((u) => u!.status);
    expect(statuses.slice(0, 20).every((s) => s === 'inactive')).toBe(true);
    expect(statuses.slice(20, 30).filter((s) => s === 'inactive')).toHaveLength(1); // only the one changed behind its back
    db.close();
    await worker.saveSettings({ plan: 'plus', seatLimit: 10_000, batchLimit: 100, policyPreset: 'ascender', policyOverrides: {} });
  });

  it('A14, A3: a plan applies to its last batch as it was shown; settings saved meanwhile wait for it', async () => {
    await worker.saveSettings({ plan: 'plus', seatLimit: 10_000, batchLimit: 10, policyPreset: 'ascender', policyOverrides: {} });
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active', customField: { name: 'department', value: 'Sales' } });
    const ids = (await worker.matchingIds(queryId))!.slice(-50);
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
    expect(plan.batchCount).toBeGreaterThanOrEqual(4);
    const eligible = ids.filter((id) => !plan.blocked.some((b) => b.userId === id) && !plan.skipped.some((s) => s.userId === id));
    const db = new OffboardDatabase(databaseName);
    await db.open();
    const ofEligible = new Set(eligible);
    const assignmentsBefore = (await storedTables(db)).assignments.filter((a) => ofEligible.has(a.userId)).length;
    expect(assignmentsBefore).toBeGreaterThan(0);

    // Asked for while the first batch is being written: under Fuse's policy, assignments would stay (F8).
    const applying = worker.applyPlan(plan.planId);
    const saving = worker.saveSettings({ plan: 'plus', seatLimit: 10_000, batchLimit: 100, policyPreset: 'fuse', policyOverrides: {} });
    const [result, saved] = await Promise.all([applying, saving]);
    expect(result).toMatchObject({ failure: null, batchesApplied: plan.batchCount });
    expect(saved).toMatchObject({ ok: true });

    // Every batch ran under the policy the plan showed (A3: assignments removed, kept for R2).
    const tables = await storedTables(db);
    expect(tables.assignments.filter((a) => ofEligible.has(a.userId)).length).toBe(0);
    expect(tables.removedAssignments.filter((a) => ofEligible.has(a.userId)).length).toBeGreaterThanOrEqual(assignmentsBefore);
    expect((await db.table('organization').toCollection().first()).policyPreset).toBe('fuse');
    const inactive = await worker.query({ ...EMPTY_FILTER, status: 'inactive', customField: { name: 'department', value: 'Sales' } });
    const inactiveIds = new Set((await worker.matchingIds(inactive.queryId))!);
    expect(eligible.every((id) => inactiveIds.has(id))).toBe(true);
    db.close();
    await worker.saveSettings({ plan: 'plus', seatLimit: 10_000, batchLimit: 100, policyPreset: 'ascender', policyOverrides: {} });
  });

  it('A6: an empty selection gets a plan blocker, and nothing can be applied', async () => {
    const plan = await worker.planLifecycle({ action: 'delete', selection: { kind: 'ids', ids: [] } });
    expect(plan.blockers.map((b) => b.code)).toEqual(['empty_selection']);
    await expect(worker.applyPlan(plan.planId)).rejects.toMatchObject({ code: 'plan_blocked' });
  });

  it('the roster and the plan survive a restart: a new worker sees what was applied', async () => {
    const second = startRosterWorker(databaseName);
    await second.open();
    const inactive = await second.query({ ...EMPTY_FILTER, status: 'inactive' });
    const now = await worker.query({ ...EMPTY_FILTER, status: 'inactive' });
    expect(inactive.count).toBe(now.count);
  });

  it('R4: "Get certificate" after a reactivation gives back the certificate the deactivation kept aside, with its own id and date', async () => {
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
    const ids = (await worker.matchingIds(queryId))!;
    // An active user with a certificate outside the Global community, who can be deactivated.
    let chosen: { userId: string; certificate: { id: string; courseId: string; communityId: string; issuedAt: string } } | null = null;
    for (const id of ids.slice(200)) {
      const detail = (await worker.userDetail(id))!;
      const other = detail.certificates.find((c) => !detail.communities.some((m) => m.id === c.communityId && m.isGlobal) && c.communityId !== 'C-1');
      if (!other || detail.directReports.length > 0 || detail.communities.some((c) => c.isAdmin)) continue;
      const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [id] } });
      if (plan.eligibleCount !== 1) continue;
      await worker.applyPlan(plan.planId);
      chosen = { userId: id, certificate: other };
      break;
    }
    expect(chosen).not.toBeNull();
    const { userId, certificate } = chosen!;
    const reactivation = await worker.planLifecycle({ action: 'reactivate', selection: { kind: 'ids', ids: [userId] } });
    await worker.applyPlan(reactivation.planId);
    expect((await worker.userDetail(userId))!.certificates.some((c) => c.id === certificate.id)).toBe(false);

    const issued = await worker.issueCertificate(userId, certificate.courseId, certificate.communityId);
    expect(issued).toEqual({ certificateId: certificate.id, issuedAt: certificate.issuedAt, wasKept: true });
    expect((await worker.userDetail(userId))!.certificates.find((c) => c.id === certificate.id)).toMatchObject({ issuedAt: certificate.issuedAt });
  });
});
