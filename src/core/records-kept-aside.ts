/**
 * What a deactivation takes from a user that a later step may give back, and how it comes back. The
 * record is kept aside as it was (its id, its dates, every field) and what comes back is that record,
 * never a newly minted one:
 * - F9/R4: certificates: those of the global community reappear on reactivation, the others on "Get
 *   certificate";
 * - F9/R3: the membership of the global community, re-added on reactivation;
 * - A11/R5: consumed ELA licenses stay in place, marked released, and lose the mark when consumed again;
 * - A3/R2: removed assignments, which move between two lists whole (nothing here to decide).
 * The device (src/db/apply-lifecycle-batch.ts, src/db/restore-learning-records.ts) and the server
 * (src/core/sync/apply-lifecycle-to-bundles.ts, src/core/sync/server-roster.ts) both decide with these
 * functions, so the same records come back with the same ids and dates on both.
 */
import { certificateIdOf } from './certificate-id.ts';
import type { Certificate, CompletionRecord, LicenseGrant, Membership } from './roster-types.ts';

/** What a user holds now and what earlier deactivations kept aside for them. */
export interface KeptRecords {
  memberships: readonly Membership[];
  removedMemberships: readonly Membership[];
  certificates: readonly Certificate[];
  removedCertificates: readonly Certificate[];
}

/** A user's kept lists after a change, whole: what the tables or the bundle hold for them from now on. */
export interface KeptAside {
  removedMemberships: Membership[];
  removedCertificates: Certificate[];
}

const learningKey = (record: { courseId: string; communityId: string }): string => `${record.courseId} ${record.communityId}`;

/**
 * F9 for one user: their memberships and certificates go, and what a later step may give back is kept
 * aside as it was. Every certificate is kept (R4: the global ones reappear, the others can be had again);
 * of the memberships only the global community's (R3: the only one reactivation re-adds; the others are
 * gone, as F9 says). A certificate held now replaces one kept earlier for the same course and community,
 * so at most one waits per completion.
 */
export function keepAsideOnDeactivation(records: KeptRecords, globalCommunityId: string | null): KeptAside {
  const global = records.memberships.filter((m) => m.communityId === globalCommunityId);
  const certified = new Set(records.certificates.map(learningKey));
  return {
    removedMemberships: [...records.removedMemberships.filter((m) => !global.some((g) => g.communityId === m.communityId)), ...global],
    removedCertificates: [...records.removedCertificates.filter((c) => !certified.has(learningKey(c))), ...records.certificates],
  };
}

export interface RestoredOnReactivation extends KeptAside {
  /** R3: the global membership to add; null when the user is a member already (or there is no global community). */
  membership: Membership | null;
  /** R4: the certificates to add. */
  certificates: Certificate[];
}

/**
 * R3/R4 for one user being reactivated.
 * - R3: the membership of the global community kept by their deactivation comes back as it was (the day
 *   they joined). A user who was not a member when deactivated (or whose deactivation kept nothing:
 *   before memberships were kept, or loaded from a file) joins now: a new membership. Memberships kept for
 *   other communities (the global flag moved meanwhile) are dropped: R3 re-adds the global one only.
 * - R4: every completion in the global community without a certificate gets its certificate back: the one
 *   kept aside, as it was. Where none was kept (deactivated before certificates were kept, or loaded from a
 *   file), one is issued from the completion: a new record, id derived from the completion and dated by it,
 *   the same on the device and the server. Certificates of other communities stay kept for "Get
 *   certificate".
 */
export function restoreOnReactivation(
  userId: string,
  records: KeptRecords & { completions: readonly CompletionRecord[] },
  globalCommunityId: string | null,
  now: string,
): RestoredOnReactivation {
  let membership: Membership | null = null;
  if (globalCommunityId !== null && !records.memberships.some((m) => m.communityId === globalCommunityId)) {
    membership = records.removedMemberships.find((m) => m.communityId === globalCommunityId) ?? { userId, communityId: globalCommunityId, joinedAt: now };
  }
  const certified = new Set(records.certificates.map(learningKey));
  const kept = new Map(records.removedCertificates.map((c) => [learningKey(c), c]));
  const certificates: Certificate[] = [];
  for (const completion of records.completions) {
    const key = learningKey(completion);
    if (completion.communityId !== globalCommunityId || certified.has(key)) continue;
    certificates.push(kept.get(key) ?? issuedFromCompletion(completion, completion.completedAt));
    certified.add(key);
  }
  const back = new Set(certificates);
  return {
    membership,
    removedMemberships: [],
    certificates,
    removedCertificates: records.removedCertificates.filter((c) => !back.has(c)),
  };
}

/**
 * R4 "Get certificate" for one completion without a certificate: the certificate a deactivation kept aside
 * for it comes back as it was (its id, its issue date); a completion that never had one, or whose
 * certificate was not kept, gets a new certificate issued `now`, its id derived from the completion.
 */
export function certificateToIssue(
  completion: CompletionRecord,
  removedCertificates: readonly Certificate[],
  now: string,
): { certificate: Certificate; wasKept: boolean } {
  const key = learningKey(completion);
  const kept = removedCertificates.find((c) => c.userId === completion.userId && learningKey(c) === key);
  return kept ? { certificate: kept, wasKept: true } : { certificate: issuedFromCompletion(completion, now), wasKept: false };
}

function issuedFromCompletion(completion: CompletionRecord, issuedAt: string): Certificate {
  return { id: certificateIdOf(completion), userId: completion.userId, courseId: completion.courseId, communityId: completion.communityId, issuedAt };
}

/** A11: whether deactivation releases this license (consumed, on an ELA, not released already). */
export function isReleasedByDeactivation(license: LicenseGrant, elaMethodologyIds: ReadonlySet<string>): boolean {
  return license.state === 'consumed' && elaMethodologyIds.has(license.methodologyId) && !license.releasedFromElaAt;
}

/** A11: the license stays where it is, marked released, so that reactivation consumes that same record again. */
export function releaseElaLicense(license: LicenseGrant, now: string): LicenseGrant {
  return { ...license, releasedFromElaAt: now };
}

/** R5: the license as it was before A11 released it: consumed, and without the mark (not even a null one). */
export function reconsumeElaLicense(license: LicenseGrant): LicenseGrant {
  const { releasedFromElaAt: _released, ...held } = license;
  return { ...held, state: 'consumed' };
}
