import { describe, expect, it } from 'vitest';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { RosterIndex } from '../../src/core/roster-index.ts';
import { buildUserDetail, buildUserRow } from '../../src/core/user-views.ts';
import { summarizeUserRecords, withSummaries } from '../../src/core/summarize-user-records.ts';

const demo = generateDemoOrganization({ size: 600, seed: 5 });
const [chunk] = [...demo.chunks(600)];
const globalId = demo.header.communities.find((c) => c.global)!.id;
const index = RosterIndex.build({ ...demo.header, users: withSummaries(chunk!.users, summarizeUserRecords(chunk!, globalId)) });

function relatedOf(userId: string) {
  return {
    admin: demo.header.admins.find((a) => a.userId === userId) ?? null,
    membershipRequests: chunk!.membershipRequests.filter((r) => r.userId === userId),
    assignments: chunk!.assignments.filter((a) => a.userId === userId),
    previousAssignments: chunk!.removedAssignments?.filter((a) => a.userId === userId) ?? [],
    completions: chunk!.completions.filter((c) => c.userId === userId),
    certificates: chunk!.certificates.filter((c) => c.userId === userId),
    tokens: chunk!.tokens.filter((t) => t.userId === userId),
    retainedHistory: chunk!.retainedHistory.find((h) => h.userId === userId) ?? null,
    audit: [],
  };
}

describe('user views', () => {
  it('a row names the manager, the licenses by methodology and the communities', () => {
    const user = chunk!.users.find((u) => u.managerId && chunk!.licenses.some((l) => l.userId === u.id))!;
    const row = buildUserRow(index, user);
    expect(row.manager?.id).toBe(user.managerId);
    expect(row.manager?.name).toBe(`${index.userById(user.managerId!)!.firstName} ${index.userById(user.managerId!)!.lastName}`);
    const names = new Set(demo.header.methodologies.map((m) => m.name));
    expect(row.licenses.length).toBeGreaterThan(0);
    for (const license of row.licenses) expect(names.has(license.methodologyName)).toBe(true);
    expect(row.communities.map((c) => c.id)).toEqual(chunk!.memberships.filter((m) => m.userId === user.id).map((m) => m.communityId));
  });

  it('the detail holds everything DOMAIN.md keeps for a user: chain, reports, admin role, tokens, history', () => {
    const communityAdmin = demo.header.communities[3]!.adminIds[0]!;
    const detail = buildUserDetail(index, index.userById(communityAdmin)!, relatedOf(communityAdmin));
    expect(detail.communities.find((c) => c.id === demo.header.communities[3]!.id)?.isAdmin).toBe(true);
    expect(detail.managerChain.at(-1)?.id).toBe('U0000001');
    expect(detail.directReports.length).toBe(index.reportsOf(communityAdmin).length);
    expect(detail.reportsBelowCount).toBeGreaterThanOrEqual(detail.directReports.length);
    const tokenTotal = Object.values(detail.tokenCounts).reduce((a, b) => a + b, 0);
    expect(tokenTotal).toBe(relatedOf(communityAdmin).tokens.length);
    expect(detail.retainedHistory?.userId).toBe(communityAdmin);
  });

  it('A11/R5: an inactive user shows ELA licenses released by deactivation', () => {
    const released = chunk!.licenses.find((l) => l.releasedFromElaAt)!;
    const detail = buildUserDetail(index, index.userById(released.userId)!, relatedOf(released.userId));
    const license = detail.licenses.find((l) => l.methodologyId === released.methodologyId)!;
    expect(license.model).toBe('ela');
    expect(license.releasedFromElaAt).toBe(released.releasedFromElaAt);
    expect(detail.user.status).toBe('inactive');
  });

  it('the signed-in admin shows their permissions', () => {
    const detail = buildUserDetail(index, index.userById(demo.header.signedInAdminId)!, relatedOf(demo.header.signedInAdminId));
    expect(detail.admin?.permissions).toEqual(['manage_users', 'reports', 'delete_users']);
  });
});
