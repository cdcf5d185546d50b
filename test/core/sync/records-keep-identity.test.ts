/**
 * The server's side of a round trip: what a deactivation takes away and a reactivation, a re-assignment
 * (R2) or "Get certificate" (R4) gives back is the same record, field by field (issue 11).
 */
import { describe, expect, it } from 'vitest';
import { generateDemoOrganization } from '../../../src/core/generate-demo-organization.ts';
import { ServerRoster } from '../../../src/core/sync/server-roster.ts';
import { serverSnapshotOfRoster } from '../../../src/core/sync/server-snapshot-of-roster.ts';
import { recordsOfBundles, type UserBundle } from '../../../src/core/sync/user-bundle.ts';
import { SYNC_PROTOCOL_VERSION, type PushOperation } from '../../../src/core/sync/sync-protocol.ts';
import { findRoundTripUser } from '../../fixtures/round-trip-user.ts';

const demo = generateDemoOrganization({ size: 2_000 });
const snapshot = serverSnapshotOfRoster(demo.header, demo.chunks(500));
const admin = snapshot.organization.admins.find((a) => a.permissions.includes('manage_users'))!;
const { userId, globalCommunityId, otherCertificate } = findRoundTripUser(demo.header, recordsOfBundles(snapshot.bundles));
const original = structuredClone(snapshot.bundles.find((b) => b.id === userId)!);

const T_DEACTIVATE = '2026-11-20T10:00:00.000Z';
const T_REACTIVATE = '2026-11-21T10:00:00.000Z';
const T_REASSIGN = '2026-11-22T10:00:00.000Z';
const T_CERTIFICATE = '2026-11-23T10:00:00.000Z';

let seq = 0;
function op(kind: PushOperation['kind'], createdAt: string, args?: unknown): PushOperation {
  seq++;
  const lifecycleArgs = kind === 'reactivate' ? { reportMoves: [], reassignPrevious: false } : { reportMoves: [] };
  return { id: `identity-${seq}`, seq, kind, userIds: [userId], args: args ?? lifecycleArgs, seen: {}, createdAt } as PushOperation;
}

function push(server: ServerRoster, ...operations: PushOperation[]): void {
  const outcome = server.push({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'identity', operations }, admin);
  if (!outcome.ok) throw new Error(outcome.message);
  for (const result of outcome.results) expect(result, `${result.id} applied`).toMatchObject({ status: 'applied', rejections: [] });
}

/** Deactivated, then reactivated (without R2 in the same step). */
function roundTrip(): ServerRoster {
  const server = new ServerRoster(structuredClone(snapshot));
  push(server, op('deactivate', T_DEACTIVATE), op('reactivate', T_REACTIVATE, { reportMoves: [], reassignPrevious: false }));
  return server;
}

function byId<T extends { id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => a.id.localeCompare(b.id));
}

describe('records keep their identity across a round trip on the server', () => {
  it('F9: deactivation keeps every certificate and the global membership aside, as they were', () => {
    const server = new ServerRoster(structuredClone(snapshot));
    push(server, op('deactivate', T_DEACTIVATE));
    const after = server.bundle(userId)!;
    expect(after.certificates).toEqual([]);
    expect(after.memberships).toEqual([]);
    expect(byId(after.removedCertificates)).toEqual(byId(original.certificates));
    expect(after.removedMemberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId));
  });

  it('R4: a certificate that reappears on reactivation is the same record, id and issue date', () => {
    const after = roundTrip().bundle(userId)!;
    const global = original.certificates.filter((c) => c.communityId === globalCommunityId);
    expect(global.length).toBeGreaterThan(0);
    expect(byId(after.certificates)).toEqual(byId(global));
    // The others wait for "Get certificate", as they were.
    expect(byId(after.removedCertificates)).toEqual(byId(original.certificates.filter((c) => c.communityId !== globalCommunityId)));
  });

  it('R3: the global membership that comes back on reactivation is the same record, with the day they joined', () => {
    const after = roundTrip().bundle(userId)!;
    expect(after.memberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId));
    expect(after.removedMemberships).toEqual([]);
  });

  it('R5: an ELA license consumed again is the record it was before A11 released it, with no mark left', () => {
    const server = new ServerRoster(structuredClone(snapshot));
    push(server, op('deactivate', T_DEACTIVATE));
    expect(server.bundle(userId)!.licenses.some((l) => l.releasedFromElaAt === T_DEACTIVATE)).toBe(true);
    push(server, op('reactivate', T_REACTIVATE, { reportMoves: [], reassignPrevious: false }));
    // A10: reserved licenses went back to the pool and do not come back; every other one is as it was.
    expect(server.bundle(userId)!.licenses).toEqual(original.licenses.filter((l) => l.state !== 'reserved'));
  });

  it('R4: "Get certificate" gives back the certificate kept for another community, its id and issue date', () => {
    const server = roundTrip();
    const kept = original.certificates.find((c) => c.courseId === otherCertificate.courseId && c.communityId === otherCertificate.communityId)!;
    push(server, op('issue_certificate', T_CERTIFICATE, { ...otherCertificate }));
    const after = server.bundle(userId)!;
    expect(after.certificates.find((c) => c.courseId === kept.courseId && c.communityId === kept.communityId)).toEqual(kept);
    expect(after.removedCertificates.some((c) => c.id === kept.id)).toBe(false);
  });

  it('R4: a completion that never had a certificate gets a new one from "Get certificate", issued when asked', () => {
    const server = new ServerRoster(structuredClone(snapshot));
    const bundle = snapshot.bundles.find((b) => b.user?.status === 'active' && b.completions.some((c) => !b.certificates.some((x) => x.courseId === c.courseId && x.communityId === c.communityId)))!;
    const completion = bundle.completions.find((c) => !bundle.certificates.some((x) => x.courseId === c.courseId && x.communityId === c.communityId))!;
    const outcome = server.push(
      { protocol: SYNC_PROTOCOL_VERSION, clientId: 'identity-new', operations: [{ id: 'new-cert', seq: 1, kind: 'issue_certificate', userIds: [bundle.id], args: { courseId: completion.courseId, communityId: completion.communityId }, seen: {}, createdAt: T_CERTIFICATE }] },
      admin,
    );
    expect(outcome).toMatchObject({ ok: true, results: [{ status: 'applied' }] });
    expect(server.bundle(bundle.id)!.certificates).toContainEqual({
      id: `CERT-${bundle.id}-${completion.courseId}-${completion.communityId}`,
      userId: bundle.id,
      courseId: completion.courseId,
      communityId: completion.communityId,
      issuedAt: T_CERTIFICATE,
    });
  });

  it('R2/R3/R4/R5: after deactivate → reactivate → re-assign → "Get certificate" every record equals the original, field by field', () => {
    const server = roundTrip();
    const assignmentIds = original.assignments.map((a) => a.id);
    push(server, op('reassign_assignments', T_REASSIGN, { assignmentIds }), op('issue_certificate', T_CERTIFICATE, { certificateId: 'any', ...otherCertificate }));
    const after = server.bundle(userId)!;
    expect(after.user).toEqual(original.user);
    const expected: Partial<UserBundle> = {
      licenses: original.licenses.filter((l) => l.state !== 'reserved'), // A10
      memberships: original.memberships.filter((m) => m.communityId === globalCommunityId), // R3: the global one only
      membershipRequests: [], // F9
      tokens: [], // A7
      completions: original.completions,
      removedAssignments: [],
      removedMemberships: [],
      retainedHistory: original.retainedHistory,
    };
    expect(after).toMatchObject(expected);
    expect(byId(after.assignments)).toEqual(byId(original.assignments));
    // Every certificate is back, the global ones on reactivation and the other one on request; the rest
    // of that community's certificates still wait, as they were.
    const stillKept = original.certificates.filter((c) => c.communityId !== globalCommunityId && !(c.courseId === otherCertificate.courseId && c.communityId === otherCertificate.communityId));
    expect(byId([...after.certificates, ...after.removedCertificates])).toEqual(byId(original.certificates));
    expect(byId(after.removedCertificates)).toEqual(byId(stillKept));
  });

  it('a server whose data was stored before certificates and memberships were kept reads it, and keeps them from then on', () => {
    const older = structuredClone(snapshot);
    for (const bundle of older.bundles) {
      delete (bundle as Partial<UserBundle>).removedCertificates;
      delete (bundle as Partial<UserBundle>).removedMemberships;
    }
    const server = new ServerRoster(older);
    push(server, op('deactivate', T_DEACTIVATE), op('reactivate', T_REACTIVATE, { reportMoves: [], reassignPrevious: false }));
    const after = server.bundle(userId)!;
    expect(after.memberships).toEqual(original.memberships.filter((m) => m.communityId === globalCommunityId));
    expect(byId(after.certificates)).toEqual(byId(original.certificates.filter((c) => c.communityId === globalCommunityId)));
    // A pull of a bundle that never had the lists still gives the device every list.
    expect(recordsOfBundles([{ ...older.bundles[0]! }]).removedCertificates).toEqual([]);
  });
});
