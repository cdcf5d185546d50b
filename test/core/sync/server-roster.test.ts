import { describe, expect, it } from 'vitest';
import { generateDemoOrganization } from '../../../src/core/generate-demo-organization.ts';
import { ServerRoster, type ServerSnapshot, type SyncCommit } from '../../../src/core/sync/server-roster.ts';
import { serverSnapshotOfRoster } from '../../../src/core/sync/server-snapshot-of-roster.ts';
import { SYNC_PROTOCOL_VERSION, type PushOperation } from '../../../src/core/sync/sync-protocol.ts';
import type { Admin } from '../../../src/core/roster-types.ts';

function demoSnapshot(size = 2_000): ServerSnapshot {
  const demo = generateDemoOrganization({ size });
  return serverSnapshotOfRoster(demo.header, demo.chunks(500));
}

function setup(size = 2_000) {
  const snapshot = demoSnapshot(size);
  const server = new ServerRoster(structuredClone(snapshot));
  const admin = snapshot.organization.admins.find((a) => a.permissions.includes('manage_users'))!;
  const readOnly = snapshot.organization.admins.find((a) => !a.permissions.includes('manage_users'))!;
  const live = snapshot.bundles.filter((b) => !b.deleted && b.user);
  const adminIds = new Set(snapshot.organization.communities.flatMap((c) => c.adminIds));
  const protectedIds = new Set([...adminIds, ...snapshot.organization.admins.map((a) => a.userId)]);
  const reportsOf = (id: string) => live.filter((b) => b.user!.managerId === id);
  // Active, not an admin of anything, no reports: a plain user anyone may deactivate.
  const plain = live.filter((b) => b.user!.status === 'active' && !protectedIds.has(b.id) && reportsOf(b.id).length === 0).map((b) => b.id);
  const manager = live.find((b) => b.user!.status === 'active' && !protectedIds.has(b.id) && reportsOf(b.id).length > 0 && b.user!.managerId !== null)!;
  return { snapshot, server, admin, readOnly, plain, manager, reportsOf, communityAdminId: [...adminIds][0]! };
}

const USER_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'status', 'manager_id', 'last_login_at', 'created_at'];

let seq = 0;
/** An operation as a device sends it; a lifecycle batch's own A8 moves are the server's to work out. */
function op(kind: PushOperation['kind'], userIds: string[], extra: { args?: unknown; seen?: Record<string, number> } = {}): PushOperation {
  seq++;
  const args = extra.args ?? (kind === 'reactivate' ? { reportMoves: [], reassignPrevious: false } : { reportMoves: [] });
  return { id: `op-${seq}`, seq, kind, userIds, seen: extra.seen ?? {}, createdAt: '2026-11-20T10:00:00.000Z', args } as PushOperation;
}

function pushOk(server: ServerRoster, admin: Admin, operations: PushOperation[], clientId = 'client-a') {
  const outcome = server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId, operations }, admin);
  if (!outcome.ok) throw new Error(`push refused: ${outcome.message}`);
  return outcome;
}

describe('ServerRoster', () => {
  it('A1/X3: applies a deactivation, reports users already inactive as unchanged, and a pull brings the change', () => {
    const { server, admin, plain } = setup();
    const [a, b] = plain;
    const cursor = server.pull(null, 10_000);
    if (cursor === 'bad_cursor') throw new Error('bad cursor');
    const first = pushOk(server, admin, [op('deactivate', [a!, b!])]);
    expect(first.results[0]).toMatchObject({ status: 'applied', rejections: [], unchanged: [] });
    const again = pushOk(server, admin, [op('deactivate', [a!])]);
    expect(again.results[0]).toMatchObject({ status: 'applied', unchanged: [a] });

    const pulled = server.pull(cursor.cursor);
    if (pulled === 'bad_cursor') throw new Error('bad cursor');
    expect(pulled.users.map((u) => u.id).sort()).toEqual([a, b].sort());
    expect(pulled.users.every((u) => u.user!.status === 'inactive' && u.memberships.length === 0 && u.tokens.length === 0)).toBe(true);
    expect(pulled.hasMore).toBe(false);
    const after = server.pull(pulled.cursor);
    expect(after).toMatchObject({ users: [], hasMore: false });
  });

  it('a replayed operation gets its first answer again and changes nothing', () => {
    const { server, admin, plain } = setup();
    const operation = op('deactivate', [plain[0]!]);
    const first = pushOk(server, admin, [operation]);
    const revision = server.currentRevision;
    const replay = pushOk(server, admin, [operation]);
    expect(replay.results).toEqual(first.results);
    expect(replay.commits).toEqual([]);
    expect(server.currentRevision).toBe(revision);
    // Same seq from the same client, even under another id, is a replay too.
    const sameSeq = pushOk(server, admin, [{ ...operation, id: 'other-id' }]);
    expect(sameSeq.commits).toEqual([]);
  });

  it('F3: a user made a community admin on the server meanwhile is rejected, with their server state; the rest applies', () => {
    const { server, admin, plain, communityAdminId } = setup();
    const [ok, becameAdmin] = plain;
    // Another admin made `becameAdmin` an admin of a community (a transfer from the current admin).
    const community = server.organizationState.communities.find((c) => c.adminIds.includes(communityAdminId))!;
    pushOk(server, admin, [op('transfer_community_admin', [communityAdminId, becameAdmin!], { args: { communityId: community.id, fromUserId: communityAdminId, toUserId: becameAdmin } })], 'client-b');
    const seenRevision = 1;
    const outcome = pushOk(server, admin, [op('deactivate', [ok!, becameAdmin!], { seen: { [ok!]: seenRevision, [becameAdmin!]: seenRevision } })]);
    const result = outcome.results[0]!;
    expect(result.status).toBe('partly_applied');
    expect(result.rejections).toEqual([
      expect.objectContaining({ userId: becameAdmin, code: 'community_admin', rule: 'F3', changedSinceSeen: true }),
    ]);
    expect(result.current.map((b) => [b.id, b.user?.status])).toEqual([[becameAdmin, 'active']]);
    expect(server.bundle(ok!)!.user!.status).toBe('inactive');
    expect(server.bundle(becameAdmin!)!.user!.status).toBe('active');
  });

  it('A8/F3: a refused leaving manager comes back with their reports, which the device had moved up', () => {
    const { server, admin, manager, reportsOf, communityAdminId } = setup();
    const community = server.organizationState.communities.find((c) => c.adminIds.includes(communityAdminId))!;
    pushOk(server, admin, [op('transfer_community_admin', [communityAdminId, manager.id], { args: { communityId: community.id, fromUserId: communityAdminId, toUserId: manager.id } })], 'client-b');
    const result = pushOk(server, admin, [op('deactivate', [manager.id])]).results[0]!;
    expect(result.status).toBe('rejected');
    const reports = reportsOf(manager.id).map((b) => b.id);
    expect(result.current.map((b) => b.id).sort()).toEqual([manager.id, ...reports].sort());
    expect(result.current.filter((b) => b.id !== manager.id).every((b) => b.user!.managerId === manager.id)).toBe(true);
  });

  it('A8: the reports of a deactivated manager move to the manager above, worked out on the server', () => {
    const { server, admin, manager, reportsOf } = setup();
    const reports = reportsOf(manager.id).map((b) => b.id);
    pushOk(server, admin, [op('deactivate', [manager.id])]);
    for (const id of reports) expect(server.bundle(id)!.user!.managerId).toBe(manager.user!.managerId);
  });

  it('F2: a deletion leaves a tombstone that a pull carries', () => {
    const { server, admin, plain } = setup();
    const cursor = (server.pull(null, 100_000) as { cursor: string }).cursor;
    pushOk(server, admin, [op('delete', [plain[0]!])]);
    const pulled = server.pull(cursor);
    if (pulled === 'bad_cursor') throw new Error('bad cursor');
    expect(pulled.users).toEqual([expect.objectContaining({ id: plain[0], deleted: true, user: null, assignments: [] })]);
  });

  it('A1: an account without manage_users gets 403 and nothing changes', () => {
    const { server, readOnly, plain } = setup();
    const outcome = server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'c', operations: [op('deactivate', [plain[0]!])] }, readOnly);
    expect(outcome).toMatchObject({ ok: false, status: 403, code: 'forbidden' });
    expect(server.currentRevision).toBe(1);
  });

  it('a push above the server’s limit gets 413; operations out of order get 409', () => {
    const { server, admin, plain } = setup();
    const tooMany = Array.from({ length: server.limits.operationsPerPush + 1 }, () => op('deactivate', [plain[0]!]));
    expect(server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'c', operations: tooMany }, admin)).toMatchObject({ ok: false, status: 413 });
    const [x, y] = [op('deactivate', [plain[0]!]), op('deactivate', [plain[1]!])];
    expect(server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'c', operations: [y, x] }, admin)).toMatchObject({ ok: false, status: 409 });
  });

  it('pages a first pull of the whole roster by cursor, each user once', () => {
    const { server } = setup();
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    let organizationPages = 0;
    for (;;) {
      const page = server.pull(cursor, 300);
      if (page === 'bad_cursor') throw new Error('bad cursor');
      pages++;
      if (page.organization) organizationPages++;
      for (const u of page.users) {
        expect(seen.has(u.id)).toBe(false);
        seen.add(u.id);
      }
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    expect(seen.size).toBe(2_000);
    expect(pages).toBe(Math.ceil(2_000 / 300));
    expect(organizationPages).toBeGreaterThanOrEqual(1);
    expect(server.pull('not a cursor')).toBe('bad_cursor');
  });

  it('replaying the persisted commits on the first snapshot rebuilds the same state', () => {
    const { snapshot, server, admin, plain, manager } = setup();
    const commits: SyncCommit[] = [];
    commits.push(...pushOk(server, admin, [op('deactivate', [manager.id, plain[0]!]), op('delete', [plain[1]!])]).commits);
    commits.push(...pushOk(server, admin, [op('reactivate', [plain[0]!], { args: { reportMoves: [], reassignPrevious: true } })]).commits);
    const restarted = new ServerRoster(structuredClone(snapshot));
    for (const commit of JSON.parse(JSON.stringify(commits)) as SyncCommit[]) restarted.commit(commit);
    expect(restarted.snapshot().bundles.sort((a, b) => a.id.localeCompare(b.id))).toEqual(server.snapshot().bundles.sort((a, b) => a.id.localeCompare(b.id)));
    expect(restarted.currentRevision).toBe(server.currentRevision);
    // The restarted server still knows what it answered.
    const replay = restarted.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'client-a', operations: [{ id: 'op-x', seq: 1, kind: 'delete', args: { reportMoves: [] }, userIds: [plain[2]!], seen: {}, createdAt: '' }] }, admin);
    expect(replay).toMatchObject({ ok: true, commits: [] });
  });

  it('R2/R3/R5: reactivation re-joins the global community, re-assigns previous assignments and re-consumes ELA licenses', () => {
    const { server, admin, snapshot } = setup();
    const ela = new Set(snapshot.organization.methodologies.filter((m) => m.model === 'ela').map((m) => m.id));
    const globalId = snapshot.organization.communities.find((c) => c.global)!.id;
    const inactive = snapshot.bundles.find((b) => b.user?.status === 'inactive' && b.removedAssignments.length > 0 && b.licenses.some((l) => l.releasedFromElaAt && ela.has(l.methodologyId)));
    expect(inactive, 'the demo holds an inactive user with removed assignments and a released ELA license').toBeDefined();
    const outcome = pushOk(server, admin, [op('reactivate', [inactive!.id], { args: { reportMoves: [], reassignPrevious: true } })]);
    if (outcome.results[0]!.status !== 'applied') {
      // R1/R5 may block it on a full demo: then the reason is there.
      expect(outcome.results[0]!.rejections[0]!.rule).toMatch(/R1|R5/);
      return;
    }
    const after = server.bundle(inactive!.id)!;
    expect(after.user!.status).toBe('active');
    expect(after.memberships.some((m) => m.communityId === globalId)).toBe(true);
    expect(after.removedAssignments).toEqual([]);
    expect(after.assignments.length).toBe(inactive!.assignments.length + inactive!.removedAssignments.length);
    expect(after.licenses.filter((l) => ela.has(l.methodologyId)).every((l) => l.state === 'consumed' && !l.releasedFromElaAt)).toBe(true);
  });

  it('an imported user whose email another user holds on the server is rejected; the rest are added', () => {
    const { server, admin, snapshot } = setup();
    const taken = snapshot.bundles[10]!.user!.email.toUpperCase();
    const base = { firstName: 'N', lastName: 'New', status: 'active' as const, managerId: null, customFields: {}, lastLoginAt: null, createdAt: '2026-11-01T00:00:00.000Z', deactivatedAt: null, deactivatedBy: null };
    const outcome = pushOk(server, admin, [
      op('import', ['NEW-1', 'NEW-2'], { args: { recordKind: 'users', rows: [{ ...base, id: 'NEW-1', email: 'new1@example.com' }, { ...base, id: 'NEW-2', email: taken }], presentColumns: USER_COLUMNS, importId: 'import-1', fileName: 'users.csv', lastRow: 3, newCustomFields: [] } }),
    ]);
    expect(outcome.results[0]).toMatchObject({ status: 'partly_applied', rejections: [expect.objectContaining({ userId: 'NEW-2', code: 'duplicate_email' })] });
    expect(outcome.results[0]!.current).toEqual([expect.objectContaining({ id: 'NEW-2', deleted: true })]);
    expect(server.bundle('NEW-1')!.user!.email).toBe('new1@example.com');
  });
});
