import { describe, expect, it } from 'vitest';
import {
  certificateToIssue,
  isReleasedByDeactivation,
  keepAsideOnDeactivation,
  reconsumeElaLicense,
  releaseElaLicense,
  restoreOnReactivation,
} from '../../src/core/records-kept-aside.ts';
import type { Certificate, CompletionRecord, Membership } from '../../src/core/roster-types.ts';

const GLOBAL = 'C-1';
const T0 = '2025-03-04T05:06:07.000Z';
const NOW = '2026-11-20T10:00:00.000Z';

const completion = (courseId: string, communityId: string): CompletionRecord => ({ userId: 'u1', courseId, communityId, completedAt: T0 });
const certificate = (id: string, courseId: string, communityId: string, issuedAt = T0): Certificate => ({ id, userId: 'u1', courseId, communityId, issuedAt });
const membership = (communityId: string, joinedAt = T0): Membership => ({ userId: 'u1', communityId, joinedAt });
const nothing = { memberships: [], removedMemberships: [], certificates: [], removedCertificates: [], completions: [] };

describe('records kept aside', () => {
  it('F9: deactivation keeps every certificate and only the global membership (R3 re-adds no other)', () => {
    const kept = keepAsideOnDeactivation(
      { ...nothing, memberships: [membership(GLOBAL), membership('C-7')], certificates: [certificate('a', 'CRS-1', GLOBAL), certificate('b', 'CRS-2', 'C-7')] },
      GLOBAL,
    );
    expect(kept).toEqual({ removedMemberships: [membership(GLOBAL)], removedCertificates: [certificate('a', 'CRS-1', GLOBAL), certificate('b', 'CRS-2', 'C-7')] });
  });

  it('F9: a certificate held now replaces one kept earlier for the same completion; other kept ones stay', () => {
    const kept = keepAsideOnDeactivation(
      { ...nothing, certificates: [certificate('new', 'CRS-2', 'C-7')], removedCertificates: [certificate('old', 'CRS-2', 'C-7'), certificate('other', 'CRS-3', 'C-7')] },
      GLOBAL,
    );
    expect(kept.removedCertificates.map((c) => c.id)).toEqual(['other', 'new']);
  });

  it('R3: reactivation gives back the kept global membership as it was; with none kept, the user joins now', () => {
    expect(restoreOnReactivation('u1', { ...nothing, removedMemberships: [membership(GLOBAL)] }, GLOBAL, NOW)).toMatchObject({ membership: membership(GLOBAL), removedMemberships: [] });
    expect(restoreOnReactivation('u1', nothing, GLOBAL, NOW).membership).toEqual(membership(GLOBAL, NOW));
    // Already a member (an import added them meanwhile): nothing added, the kept one is dropped.
    expect(restoreOnReactivation('u1', { ...nothing, memberships: [membership(GLOBAL, NOW)], removedMemberships: [membership(GLOBAL)] }, GLOBAL, NOW)).toMatchObject({ membership: null, removedMemberships: [] });
    // The global flag moved to another community meanwhile: the kept membership of the former one goes.
    expect(restoreOnReactivation('u1', { ...nothing, removedMemberships: [membership('C-9')] }, GLOBAL, NOW)).toMatchObject({ membership: membership(GLOBAL, NOW), removedMemberships: [] });
  });

  it('R4: reactivation gives back the kept global certificates as they were; other communities\' stay kept', () => {
    const kept = [certificate('g', 'CRS-1', GLOBAL, '2025-01-01T00:00:00.000Z'), certificate('o', 'CRS-2', 'C-7')];
    const restored = restoreOnReactivation('u1', { ...nothing, completions: [completion('CRS-1', GLOBAL), completion('CRS-2', 'C-7')], removedCertificates: kept }, GLOBAL, NOW);
    expect(restored.certificates).toEqual([kept[0]]);
    expect(restored.removedCertificates).toEqual([kept[1]]);
  });

  it('R4: a global completion whose certificate was not kept gets one issued from it (a new record, dated by the completion)', () => {
    const restored = restoreOnReactivation('u1', { ...nothing, completions: [completion('CRS-1', GLOBAL)] }, GLOBAL, NOW);
    expect(restored.certificates).toEqual([certificate('CERT-u1-CRS-1-C-1', 'CRS-1', GLOBAL, T0)]);
    // One held already: nothing more.
    expect(restoreOnReactivation('u1', { ...nothing, completions: [completion('CRS-1', GLOBAL)], certificates: [certificate('x', 'CRS-1', GLOBAL)] }, GLOBAL, NOW).certificates).toEqual([]);
  });

  it('R4 "Get certificate": the kept certificate comes back as it was; one that never existed is issued now', () => {
    const kept = certificate('CERT-7-2', 'CRS-2', 'C-7', '2025-01-01T00:00:00.000Z');
    expect(certificateToIssue(completion('CRS-2', 'C-7'), [certificate('z', 'CRS-3', 'C-7'), kept], NOW)).toEqual({ certificate: kept, wasKept: true });
    expect(certificateToIssue(completion('CRS-2', 'C-7'), [], NOW)).toEqual({ certificate: certificate('CERT-u1-CRS-2-C-7', 'CRS-2', 'C-7', NOW), wasKept: false });
  });

  it('A11/R5: a released ELA license consumed again is the record it was, without even a null mark', () => {
    const license = { userId: 'u1', methodologyId: 'M-VFE', state: 'consumed' as const };
    const ela = new Set(['M-VFE']);
    expect(isReleasedByDeactivation(license, ela)).toBe(true);
    const released = releaseElaLicense(license, NOW);
    expect(isReleasedByDeactivation(released, ela)).toBe(false);
    expect(Object.keys(reconsumeElaLicense(released)).sort()).toEqual(Object.keys(license).sort());
    expect(reconsumeElaLicense(released)).toStrictEqual(license);
    expect(isReleasedByDeactivation({ ...license, state: 'reserved' }, ela)).toBe(false);
    expect(isReleasedByDeactivation({ ...license, methodologyId: 'M-COM' }, ela)).toBe(false);
  });
});
