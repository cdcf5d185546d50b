import { describe, expect, it } from 'vitest';
import { buildLifecyclePlan, type LifecycleAction } from '../../src/core/build-lifecycle-plan.ts';
import { effectivePolicy, POLICY_PRESETS } from '../../src/core/lifecycle-policy.ts';
import { createPlanningRoster, type PlanningRecords } from '../../src/core/planning-roster.ts';
import type { Organization, User } from '../../src/core/roster-types.ts';

const T0 = '2026-01-01T00:00:00.000Z';

function user(id: string, managerId: string | null, status: User['status'] = 'active'): User {
  return {
    id,
    email: `${id}@example.com`,
    firstName: id.toUpperCase(),
    lastName: 'Test',
    status,
    managerId,
    customFields: {},
    lastLoginAt: '2026-06-01T00:00:00.000Z',
    createdAt: T0,
    deactivatedAt: status === 'inactive' ? '2026-07-01T00:00:00.000Z' : null,
    deactivatedBy: null,
  };
}

const organization: Organization = {
  id: 'org',
  name: 'Org',
  plan: 'plus',
  seatLimit: 20,
  policyPreset: 'ascender',
  policyOverrides: {},
  batchLimit: 2,
};

/**
 * ceo ─┬─ admin (the actor)   ─ viewer reports to ceo too
 *      ├─ m1 ─┬─ m2 ─┬─ r1
 *      │      │      └─ r2
 *      │      ├─ r3
 *      │      └─ gone (inactive)
 *      └─ cadmin (admin of C-2 and C-3)
 */
function records(overrides: Partial<PlanningRecords> = {}): PlanningRecords {
  return {
    organization,
    admins: [
      { userId: 'admin', permissions: ['manage_users', 'reports', 'delete_users'] },
      { userId: 'viewer', permissions: ['reports'] },
    ],
    communities: [
      { id: 'C-1', name: 'All', global: true, adminIds: [] },
      { id: 'C-2', name: 'Two', global: false, adminIds: ['cadmin'] },
      { id: 'C-3', name: 'Three', global: false, adminIds: ['cadmin'] },
    ],
    methodologies: [
      { id: 'COM', name: 'Command', model: 'seat', seats: 10 },
      { id: 'VFE', name: 'Value', model: 'ela', seats: 1 },
    ],
    users: [
      user('ceo', null),
      user('admin', 'ceo'),
      user('viewer', 'ceo'),
      user('m1', 'ceo'),
      user('m2', 'm1'),
      user('r1', 'm2'),
      user('r2', 'm2'),
      user('r3', 'm1'),
      user('gone', 'm1', 'inactive'),
      user('cadmin', 'ceo'),
    ],
    licenses: [
      { userId: 'r1', methodologyId: 'COM', state: 'reserved' },
      { userId: 'r1', methodologyId: 'VFE', state: 'consumed' },
      { userId: 'r2', methodologyId: 'COM', state: 'consumed' },
      { userId: 'gone', methodologyId: 'VFE', state: 'consumed', releasedFromElaAt: '2026-07-01T00:00:00.000Z' },
    ],
    memberships: [
      { userId: 'r1', communityId: 'C-1' },
      { userId: 'r1', communityId: 'C-2' },
      { userId: 'r2', communityId: 'C-1' },
      { userId: 'cadmin', communityId: 'C-2' },
    ],
    membershipRequests: [{ userId: 'r2', communityId: 'C-3' }],
    assignments: [
      { id: 'A1', userId: 'r1', contentId: 'X', dueAt: null, status: 'in_progress' },
      { id: 'A2', userId: 'r1', contentId: 'Y', dueAt: null, status: 'not_started' },
      { id: 'A3', userId: 'r2', contentId: 'X', dueAt: null, status: 'completed' },
    ],
    removedAssignments: [{ id: 'A0', userId: 'gone', contentId: 'Z', dueAt: null, status: 'not_started' }],
    completions: [
      { userId: 'gone', courseId: 'CRS-1', communityId: 'C-1', completedAt: T0 },
      { userId: 'gone', courseId: 'CRS-2', communityId: 'C-2', completedAt: T0 },
      { userId: 'r1', courseId: 'CRS-3', communityId: 'C-1', completedAt: T0 },
    ],
    certificates: [{ id: 'CERT-1', userId: 'r1', courseId: 'CRS-3', communityId: 'C-1', issuedAt: T0 }],
    tokens: [
      { id: 't1', userId: 'r1', kind: 'auth', createdAt: T0 },
      { id: 't2', userId: 'r1', kind: 'device', createdAt: T0 },
      { id: 't3', userId: 'r2', kind: 'auth', createdAt: T0 },
    ],
    retainedHistory: [
      { userId: 'r1', counts: {} as never, lastActivityAt: '2026-06-15T00:00:00.000Z' },
      { userId: 'r2', counts: {} as never, lastActivityAt: null },
    ],
    ...overrides,
  };
}

function plan(action: LifecycleAction, userIds: string[], overrides: Partial<PlanningRecords> = {}, actorId = 'admin') {
  return buildLifecyclePlan(createPlanningRoster(records(overrides)), { action, actorId, userIds });
}

function reasonOf(result: ReturnType<typeof plan>, userId: string) {
  return [...result.blocked, ...result.skipped].find((o) => o.userId === userId)?.reasons[0];
}

describe('policy presets', () => {
  it('ascender removes assignments and excludes inactive users from reports; fuse retains (A3, A4, F8)', () => {
    expect(POLICY_PRESETS.ascender).toMatchObject({ assignments: 'remove', reportsIncludeInactive: false, reactivationNeedsSeat: true });
    expect(POLICY_PRESETS.fuse).toMatchObject({ assignments: 'retain', reportsIncludeInactive: true, reactivationNeedsSeat: false });
  });

  it('overrides replace single settings, and a broken batch limit falls back to 100 (A14)', () => {
    const policy = effectivePolicy({ ...organization, policyPreset: 'fuse', policyOverrides: { requireSnapshot: true }, batchLimit: 0 });
    expect(policy).toMatchObject({ assignments: 'retain', requireSnapshot: true, batchLimit: 100 });
  });
});

describe('buildLifecyclePlan: deactivate', () => {
  it('A1: only an admin holding manage_users, on a plan that allows it, can deactivate', () => {
    expect(plan('deactivate', ['r1'], {}, 'viewer').blockers.map((b) => [b.code, b.rule])).toEqual([['missing_permission', 'A1']]);
    const standard = plan('deactivate', ['r1'], { organization: { ...organization, plan: 'standard' } });
    expect(standard.blockers.map((b) => b.code)).toEqual(['plan_disallows']);
    expect(standard.canApply).toBe(false);
    expect(plan('deactivate', ['r1'], {}, 'r2').blockers.map((b) => b.code)).toEqual(['unknown_actor']);
  });

  it('A6: an empty selection is a plan blocker with a clear message', () => {
    const empty = plan('deactivate', []);
    expect(empty.blockers[0]).toMatchObject({ code: 'empty_selection' });
    expect(empty.canApply).toBe(false);
  });

  it('X1: nobody can deactivate themselves', () => {
    expect(reasonOf(plan('deactivate', ['admin']), 'admin')).toMatchObject({ code: 'self', rule: 'X1' });
  });

  it('X2: the last active holder of manage_users cannot be deactivated', () => {
    const result = plan('deactivate', ['h2', 'r1'], {
      users: [...records().users, user('h2', 'ceo')],
      admins: [
        { userId: 'admin', permissions: ['manage_users'] },
        { userId: 'h2', permissions: ['manage_users'] },
      ],
    }, 'admin');
    // The actor still holds manage_users, so h2 may go.
    expect(result.eligibleIds).toContain('h2');
    const lastOne = plan('deactivate', ['h2'], {
      users: [...records().users.map((u) => (u.id === 'admin' ? { ...u, status: 'inactive' as const } : u)), user('h2', 'ceo')],
      admins: [
        { userId: 'admin', permissions: ['manage_users'] },
        { userId: 'h2', permissions: ['manage_users'] },
      ],
    });
    expect(reasonOf(lastOne, 'h2')).toMatchObject({ code: 'last_user_manager', rule: 'X2' });
    expect(lastOne.eligibleIds).toEqual([]);
  });

  it('X3: users already inactive are skipped, and the plan says so; unknown ids are listed too', () => {
    const result = plan('deactivate', ['gone', 'nobody', 'r1', 'r1']);
    expect(reasonOf(result, 'gone')).toMatchObject({ code: 'already_inactive', rule: 'X3' });
    expect(reasonOf(result, 'nobody')).toMatchObject({ code: 'unknown_user' });
    expect(result.eligibleIds).toEqual(['r1']);
  });

  it('F3/F4: a community admin is blocked, naming every community they administer', () => {
    const reason = reasonOf(plan('deactivate', ['cadmin']), 'cadmin');
    expect(reason).toMatchObject({ code: 'community_admin', rule: 'F3', communityIds: ['C-2', 'C-3'] });
    expect(reason?.message).toContain('Two (C-2) and Three (C-3)');
  });

  it('A8: reports of a deactivated manager move one level up', () => {
    const result = plan('deactivate', ['m2']);
    expect(result.effects.reportMoves).toEqual([
      { userId: 'r1', name: 'R1 Test', fromManagerId: 'm2', toManagerId: 'm1' },
      { userId: 'r2', name: 'R2 Test', fromManagerId: 'm2', toManagerId: 'm1' },
    ]);
  });

  it('A8: with a chain of leaving managers, reports climb to the first ancestor that stays, or become top-level', () => {
    const chain = plan('deactivate', ['m1', 'm2']);
    const moves = Object.fromEntries(chain.effects.reportMoves.map((m) => [m.userId, m.toManagerId]));
    expect(moves).toEqual({ r1: 'ceo', r2: 'ceo', r3: 'ceo', gone: 'ceo' });
    const top = plan('deactivate', ['ceo', 'm1', 'm2', 'admin', 'viewer'], {
      admins: [{ userId: 'boss', permissions: ['manage_users'] }],
      users: [...records().users, user('boss', null)],
    }, 'boss');
    const topMoves = Object.fromEntries(top.effects.reportMoves.map((m) => [m.userId, m.toManagerId]));
    expect(topMoves.r1).toBeNull();
    expect(topMoves.cadmin).toBeNull();
  });

  it('A3: ascender removes assignments; fuse keeps them (F8)', () => {
    expect(plan('deactivate', ['r1', 'r2']).effects).toMatchObject({ assignmentsRemoved: 3, assignmentsKept: 0 });
    const fuse = plan('deactivate', ['r1', 'r2'], { organization: { ...organization, policyPreset: 'fuse' } });
    expect(fuse.effects).toMatchObject({ assignmentsRemoved: 0, assignmentsKept: 3 });
  });

  it('A5: warns for every user not covered by a report snapshot taken after their last change', () => {
    const bare = plan('deactivate', ['r1', 'r2']);
    expect(bare.warnings.find((w) => w.code === 'no_report_snapshot')?.userIds).toEqual(['r1', 'r2']);
    const covered = plan('deactivate', ['r1', 'r2'], {
      reportSnapshots: [
        { id: 'S1', takenAt: '2026-06-10T00:00:00.000Z', takenBy: 'admin', reportTypes: ['users'], userIds: ['r1', 'r2'] },
      ],
    });
    // r1 was active after the snapshot (history at 06-15); r2's last change is older.
    expect(covered.warnings.find((w) => w.code === 'no_report_snapshot')?.userIds).toEqual(['r1']);
  });

  it('A5/A17: requireSnapshot turns the warning into a blocker; A4: none when reports include inactive users', () => {
    const strict = plan('deactivate', ['r1'], { organization: { ...organization, policyOverrides: { requireSnapshot: true } } });
    expect(reasonOf(strict, 'r1')).toMatchObject({ code: 'no_report_snapshot', rule: 'A5' });
    const fuse = plan('deactivate', ['r1'], { organization: { ...organization, policyPreset: 'fuse' } });
    expect(fuse.warnings.some((w) => w.code === 'no_report_snapshot')).toBe(false);
  });

  it('A15: a selection made by a custom field value warns that the value stays visible to admins and managers', () => {
    const tagged = (id: string, value: string) => ({ ...user(id, 'm2'), customFields: { offboard: value } });
    const users = [...records().users.filter((u) => u.id !== 'r1' && u.id !== 'r2'), tagged('r1', 'wave-3'), tagged('r2', 'wave-2')];
    const roster = createPlanningRoster(records({ users }));
    const request = { action: 'deactivate' as const, actorId: 'admin', userIds: ['r1', 'r2'] };
    const byField = buildLifecyclePlan(roster, { ...request, selectedByCustomField: { name: 'offboard', value: 'wave-3' } });
    expect(byField.warnings.find((w) => w.code === 'custom_fields_visible')).toMatchObject({ rule: 'A15', userIds: ['r1'] });
    expect(byField.warnings.find((w) => w.code === 'custom_fields_visible')?.message).toContain('offboard = wave-3');
    // Picked by hand, by an empty value, or deleted (the value goes with the user): nothing to warn of.
    expect(buildLifecyclePlan(roster, request).warnings.some((w) => w.code === 'custom_fields_visible')).toBe(false);
    expect(buildLifecyclePlan(roster, { ...request, selectedByCustomField: { name: 'offboard', value: '' } }).warnings.some((w) => w.code === 'custom_fields_visible')).toBe(false);
    expect(buildLifecyclePlan(roster, { ...request, action: 'delete', selectedByCustomField: { name: 'offboard', value: 'wave-3' } }).warnings).toEqual([]);
  });

  it('F7: a deactivated user can no longer sign in: none of their tokens is left', () => {
    const result = plan('deactivate', ['r1', 'r2']);
    const held = records().tokens!.filter((t) => t.userId === 'r1' || t.userId === 'r2').length;
    expect(Object.values(result.effects.tokensRemoved).reduce((a, b) => a + b, 0)).toBe(held);
  });

  it('A7/F7: every auth, auto-login, device and OAuth token is destroyed', () => {
    expect(plan('deactivate', ['r1', 'r2']).effects.tokensRemoved).toEqual({ auth: 2, auto_login: 0, device: 1, oauth: 0 });
  });

  it('A10/A11: reserved licenses go back to the pool; consumed ones stay, unless ELA', () => {
    const result = plan('deactivate', ['r1', 'r2']);
    const com = result.effects.licensePools.find((p) => p.methodologyId === 'COM')!;
    const vfe = result.effects.licensePools.find((p) => p.methodologyId === 'VFE')!;
    expect(com).toMatchObject({ inUseBefore: 2, inUseAfter: 1, reservedReleased: 1, consumedKept: 1 });
    expect(vfe).toMatchObject({ inUseBefore: 1, inUseAfter: 0, elaReleased: 1 });
    expect(result.warnings.find((w) => w.code === 'consumed_licenses_stay')).toMatchObject({ rule: 'A11', userIds: ['r2'] });
  });

  it('A12: inactive users do not count toward seat usage', () => {
    expect(plan('deactivate', ['r1', 'r2', 'gone']).effects.seatUsage).toEqual({ before: 9, after: 7, limit: 20 });
  });

  it('F9: memberships, requests and certificates are removed, completions kept; F8: history kept', () => {
    expect(plan('deactivate', ['r1', 'r2']).effects).toMatchObject({
      membershipsRemoved: 3,
      requestsRemoved: 1,
      certificatesRemoved: 1,
      completionsKept: 1,
      historyKept: 2,
      historyRemoved: 0,
    });
  });

  it('A14: eligible users are split into batches of at most the batch limit, in id order', () => {
    const result = plan('deactivate', ['r1', 'r2', 'r3', 'm2', 'm1']);
    expect(result.batches).toEqual([['m1', 'm2'], ['r1', 'r2'], ['r3']]);
    // The plan lists them as selected; only the batches go in id order.
    expect(result.eligibleIds).toEqual(['r1', 'r2', 'r3', 'm2', 'm1']);
  });
});

describe('buildLifecyclePlan: reactivate', () => {
  it('F1/X3: inactive users can be reactivated; active ones are skipped', () => {
    const result = plan('reactivate', ['gone', 'r1'], { methodologies: [{ id: 'VFE', name: 'Value', model: 'ela', seats: 5 }] });
    expect(result.eligibleIds).toEqual(['gone']);
    expect(reasonOf(result, 'r1')).toMatchObject({ code: 'already_active', rule: 'X3' });
  });

  it('R1: blocked when active users would exceed the seat limit (ascender); fuse does not check', () => {
    const full = { organization: { ...organization, seatLimit: 9 }, methodologies: [{ id: 'VFE', name: 'Value', model: 'ela' as const, seats: 5 }] };
    expect(reasonOf(plan('reactivate', ['gone'], full), 'gone')).toMatchObject({ code: 'no_free_seat', rule: 'R1' });
    const fuse = plan('reactivate', ['gone'], { ...full, organization: { ...full.organization, policyPreset: 'fuse' } });
    expect(fuse.eligibleIds).toEqual(['gone']);
  });

  it('R5: licenses released under an ELA are consumed again, and block when the pool has no room', () => {
    expect(reasonOf(plan('reactivate', ['gone']), 'gone')).toMatchObject({ code: 'ela_pool_full', rule: 'R5', methodologyIds: ['VFE'] });
    const roomy = plan('reactivate', ['gone'], { methodologies: [{ id: 'VFE', name: 'Value', model: 'ela', seats: 5 }] });
    expect(roomy.effects.licensePools[0]).toMatchObject({ elaReconsumed: 1, inUseBefore: 1, inUseAfter: 2 });
  });

  it('R2/R3/R4: previous assignments offered, re-added to the global community only, global certificates reappear', () => {
    const result = plan('reactivate', ['gone'], { methodologies: [{ id: 'VFE', name: 'Value', model: 'ela', seats: 5 }] });
    expect(result.effects).toMatchObject({
      assignmentsToOffer: 1,
      globalMembershipsAdded: 1,
      certificatesRestored: 1,
      certificatesRegenerable: 1,
      seatUsage: { before: 9, after: 10, limit: 20 },
    });
    // R6: nobody moves on reactivation.
    expect(result.effects.reportMoves).toEqual([]);
  });

  it('R1: a full organization says how far over the limit it is, not "10 of 9 in use"', () => {
    const over = plan('reactivate', ['gone'], { organization: { ...organization, seatLimit: 8 }, methodologies: [] });
    expect(reasonOf(over, 'gone')).toMatchObject({ code: 'no_free_seat', message: 'No free platform seat: 9 in use, 1 over the limit of 8.' });
    const full = plan('reactivate', ['gone'], { organization: { ...organization, seatLimit: 9 }, methodologies: [] });
    expect(reasonOf(full, 'gone')).toMatchObject({ code: 'no_free_seat', message: 'No free platform seat: 9 of 9 in use.' });
  });

  describe('R6/A8: a user whose manager is inactive', () => {
    // Left together: A8 moved neither, so `left` still reports to the inactive `oldboss`.
    const together = (more: User[] = []) => ({
      users: [...records().users, user('oldboss', 'ceo', 'inactive'), user('left', 'oldboss', 'inactive'), ...more],
      methodologies: [],
    });

    it('is reactivated under that manager, and the plan warns, naming both', () => {
      const result = plan('reactivate', ['left'], together());
      expect(result.eligibleIds).toEqual(['left']);
      expect(result.warnings).toEqual([
        {
          code: 'inactive_manager',
          rule: 'R6',
          message:
            'LEFT Test reports to OLDBOSS Test, who is inactive and stays so: reactivation moves nobody (R6), so LEFT Test comes back under an inactive manager. Reactivate OLDBOSS Test too, or give LEFT Test another manager afterwards.',
          userIds: ['left'],
        },
      ]);
    });

    it('counts several users and names their managers', () => {
      const result = plan('reactivate', ['left', 'left2', 'left3'], together([user('left2', 'oldboss', 'inactive'), user('boss2', 'ceo', 'inactive'), user('left3', 'boss2', 'inactive')]));
      const warning = result.warnings.find((w) => w.code === 'inactive_manager')!;
      expect(warning.userIds).toEqual(['left', 'left2', 'left3']);
      expect(warning.message).toBe(
        '3 of these users report to managers who are inactive and stay so (OLDBOSS Test and BOSS2 Test): reactivation moves nobody (R6), so they come back under inactive managers. Reactivate those managers too, or give the users other managers afterwards.',
      );
    });

    it('is not warned about when the manager is reactivated in the same plan', () => {
      const result = plan('reactivate', ['left', 'oldboss'], together());
      expect(result.eligibleIds).toEqual(['left', 'oldboss']);
      expect(result.warnings.filter((w) => w.code === 'inactive_manager')).toEqual([]);
    });

    it('is not warned about when their manager is active', () => {
      expect(plan('reactivate', ['gone'], { methodologies: [] }).warnings.filter((w) => w.code === 'inactive_manager')).toEqual([]);
    });
  });
});

describe('buildLifecyclePlan: delete', () => {
  it('F2: needs delete_users', () => {
    expect(plan('delete', ['r1'], { admins: [{ userId: 'admin', permissions: ['manage_users'] }] }).blockers).toMatchObject([
      { code: 'missing_permission', rule: 'F2' },
    ]);
  });

  it('F2: removes everything, retained history and assignments included, active or inactive', () => {
    const result = plan('delete', ['r1', 'gone'], { organization: { ...organization, policyPreset: 'fuse' } });
    expect(result.eligibleIds).toEqual(['r1', 'gone']);
    expect(result.effects).toMatchObject({ assignmentsRemoved: 2, historyRemoved: 1, historyKept: 0, certificatesRemoved: 1 });
    expect(result.effects.seatUsage).toMatchObject({ before: 9, after: 8 });
  });

  it('F4: a community admin can no more be deleted than deactivated; the blocker names the communities', () => {
    const result = plan('delete', ['cadmin']);
    expect(result.eligibleIds).toEqual([]);
    expect(reasonOf(result, 'cadmin')).toMatchObject({
      code: 'community_admin',
      rule: 'F3',
      communityIds: ['C-2', 'C-3'],
      message: 'Admin of communities Two (C-2) and Three (C-3): transfer the admin role first.',
    });
  });

  it('F3 and A8 apply to deletion; X1 too', () => {
    const result = plan('delete', ['cadmin', 'm2', 'admin']);
    expect(reasonOf(result, 'cadmin')).toMatchObject({ code: 'community_admin' });
    expect(reasonOf(result, 'admin')).toMatchObject({ code: 'self' });
    expect(result.effects.reportMoves.map((m) => m.toManagerId)).toEqual(['m1', 'm1']);
  });
});
