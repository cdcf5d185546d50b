import { describe, expect, it } from 'vitest';
import { generateDemoOrganization, type RosterChunk } from '../../src/core/generate-demo-organization.ts';

function collect(size: number, chunkSize = 500, seed?: number): RosterChunk {
  const all: RosterChunk = {
    users: [], licenses: [], memberships: [], membershipRequests: [], assignments: [], removedAssignments: [],
    completions: [], certificates: [], removedCertificates: [], removedMemberships: [], tokens: [], retainedHistory: [],
  };
  for (const chunk of generateDemoOrganization({ size, seed }).chunks(chunkSize)) {
    for (const key of Object.keys(all) as (keyof RosterChunk)[]) (all[key] as unknown[]).push(...chunk[key]);
  }
  return all;
}

function depthOf(id: string, managerOf: Map<string, string | null>): number {
  let depth = 0;
  for (let at = managerOf.get(id); at; at = managerOf.get(at)) depth++;
  return depth;
}

describe('generateDemoOrganization', () => {
  const demo = generateDemoOrganization();
  const roster = collect(2_000);
  const byId = new Map(roster.users.map((u) => [u.id, u]));

  it('makes 2,000 users by default, with unique ids and case-insensitively unique emails', () => {
    expect(demo.size).toBe(2_000);
    expect(byId.size).toBe(2_000);
    expect(new Set(roster.users.map((u) => u.email.toLowerCase())).size).toBe(2_000);
    for (const user of roster.users) expect(user.email).toMatch(/^[a-z0-9.]+@northwind\.example$/);
  });

  it('is deterministic from its seed and independent of the chunk size', () => {
    expect(collect(2_000, 77)).toEqual(roster);
    expect(collect(300, 50, 7).users).not.toEqual(collect(300, 50, 8).users);
  });

  it('builds one manager tree at least 6 levels deep, without cycles or unknown managers', () => {
    const managerOf = new Map(roster.users.map((u) => [u.id, u.managerId]));
    const roots = roster.users.filter((u) => u.managerId === null);
    expect(roots).toHaveLength(1);
    for (const user of roster.users) if (user.managerId) expect(byId.has(user.managerId)).toBe(true);
    const deepest = Math.max(...roster.users.map((u) => depthOf(u.id, managerOf)));
    expect(deepest).toBeGreaterThanOrEqual(6);
  });

  it('A8: no inactive user still manages anyone', () => {
    const inactive = new Set(roster.users.filter((u) => u.status === 'inactive').map((u) => u.id));
    expect(inactive.size).toBeGreaterThan(0);
    for (const user of roster.users) if (user.managerId) expect(inactive.has(user.managerId)).toBe(false);
  });

  it('has three methodologies (one ELA) whose grants fit their seats', () => {
    const { methodologies } = demo.header;
    expect(methodologies).toHaveLength(3);
    expect(methodologies.filter((m) => m.model === 'ela')).toHaveLength(1);
    for (const m of methodologies) {
      const held = roster.licenses.filter((l) => l.methodologyId === m.id && !l.releasedFromElaAt).length;
      expect(held).toBeLessThanOrEqual(m.seats);
    }
    expect(new Set(roster.licenses.map((l) => l.state))).toEqual(new Set(['reserved', 'consumed']));
  });

  it('has about 20 communities, exactly one global, each with active admins who are members', () => {
    const { communities } = demo.header;
    expect(communities).toHaveLength(20);
    expect(communities.filter((c) => c.global)).toHaveLength(1);
    for (const c of communities) {
      expect(c.adminIds.length).toBeGreaterThan(0);
      for (const adminId of c.adminIds) {
        expect(byId.get(adminId)?.status).toBe('active');
        expect(roster.memberships.some((m) => m.userId === adminId && m.communityId === c.id)).toBe(true);
      }
    }
    expect(roster.membershipRequests.length).toBeGreaterThan(0);
  });

  it('A7/F9: inactive users hold no tokens, memberships or certificates, and keep completions and history (F8)', () => {
    const inactive = new Set(roster.users.filter((u) => u.status === 'inactive').map((u) => u.id));
    expect(roster.tokens.some((t) => inactive.has(t.userId))).toBe(false);
    expect(roster.memberships.some((m) => inactive.has(m.userId))).toBe(false);
    expect(roster.certificates.some((c) => inactive.has(c.userId))).toBe(false);
    expect(roster.completions.some((c) => inactive.has(c.userId))).toBe(true);
    expect(roster.retainedHistory.filter((h) => inactive.has(h.userId))).toHaveLength(inactive.size);
  });

  it('A3/R2: inactive users hold no assignments; the ones their deactivation removed are kept aside, for active users none', () => {
    const inactive = new Set(roster.users.filter((u) => u.status === 'inactive').map((u) => u.id));
    expect(roster.assignments.some((a) => inactive.has(a.userId))).toBe(false);
    expect(roster.removedAssignments.length).toBeGreaterThan(inactive.size / 2);
    expect(roster.removedAssignments.every((a) => inactive.has(a.userId))).toBe(true);
    const ids = [...roster.assignments, ...roster.removedAssignments].map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('F9/R3/R4: inactive users\' certificates and global membership are kept aside as they were, for active users none', () => {
    const inactive = new Set(roster.users.filter((u) => u.status === 'inactive').map((u) => u.id));
    const globalId = demo.header.communities.find((c) => c.global)!.id;
    expect(roster.removedMemberships.map((m) => m.userId).sort()).toEqual([...inactive].sort());
    expect(roster.removedMemberships.every((m) => m.communityId === globalId)).toBe(true);
    expect(roster.removedCertificates.length).toBeGreaterThan(inactive.size / 2);
    expect(roster.removedCertificates.every((c) => inactive.has(c.userId))).toBe(true);
    const completed = new Set(roster.completions.map((c) => `${c.userId} ${c.courseId} ${c.communityId}`));
    expect(roster.removedCertificates.every((c) => completed.has(`${c.userId} ${c.courseId} ${c.communityId}`))).toBe(true);
    const ids = [...roster.certificates, ...roster.removedCertificates].map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('signs in an admin with manage_users and delete_users, and has a second admin with neither', () => {
    const [full, readOnly] = demo.header.admins;
    expect(demo.header.signedInAdminId).toBe(full?.userId);
    expect(full?.permissions).toEqual(expect.arrayContaining(['manage_users', 'delete_users']));
    expect(readOnly?.permissions).not.toContain('manage_users');
    expect(readOnly?.permissions).not.toContain('delete_users');
    expect(byId.has(full!.userId) && byId.has(readOnly!.userId)).toBe(true);
  });

  it('defines region, department and an empty offboard custom field', () => {
    expect(demo.header.customFields.map((f) => f.name)).toEqual(['region', 'department', 'offboard']);
    expect(roster.users.some((u) => 'offboard' in u.customFields)).toBe(false);
    expect(new Set(roster.users.map((u) => u.customFields.region)).size).toBe(3);
  });

  it('has assignments, completions, certificates, tokens and retained history for everyone', () => {
    expect(roster.assignments.length).toBeGreaterThan(1_000);
    expect(roster.completions.length).toBeGreaterThan(1_000);
    expect(roster.certificates.length).toBeGreaterThan(500);
    expect(new Set(roster.tokens.map((t) => t.kind))).toEqual(new Set(['auth', 'auto_login', 'device', 'oauth']));
    expect(roster.retainedHistory).toHaveLength(2_000);
  });

  it('scales to tiny and large sizes', () => {
    expect(collect(1).users).toHaveLength(1);
    expect(collect(7).users.every((u) => u.managerId === null || u.managerId < u.id)).toBe(true);
    let count = 0;
    for (const chunk of generateDemoOrganization({ size: 100_000 }).chunks(10_000)) count += chunk.users.length;
    expect(count).toBe(100_000);
  });
});
