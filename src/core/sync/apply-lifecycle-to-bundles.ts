/**
 * The consequences of a deactivation, reactivation or deletion, carried out on user bundles: what the
 * server does once `buildLifecyclePlan` has re-checked an operation. The device does the same to its
 * IndexedDB tables (src/db/apply-lifecycle-batch.ts), where the records live in one table per kind; the
 * rules are the same, rule by rule, and the sync tests hold the two to the same end state. What comes
 * back on reactivation is decided by records-kept-aside.ts on both.
 */
import type { LifecycleAction, ReportMove } from '../build-lifecycle-plan.ts';
import type { EffectivePolicy } from '../lifecycle-policy.ts';
import { isReleasedByDeactivation, keepAsideOnDeactivation, reconsumeElaLicense, releaseElaLicense, restoreOnReactivation } from '../records-kept-aside.ts';
import type { UserBundle } from './user-bundle.ts';
import { tombstoneOf } from './user-bundle.ts';

export interface LifecycleChange {
  action: LifecycleAction;
  actorId: string;
  now: string;
  policy: EffectivePolicy;
  globalCommunityId: string | null;
  elaMethodologyIds: ReadonlySet<string>;
  /** R2: a reactivation also re-assigns the users' previous assignments. */
  reassignPrevious: boolean;
}

/** The bundle of an eligible user once the change is made (a tombstone for a deletion). */
export function applyLifecycleToBundle(bundle: UserBundle, change: LifecycleChange, revision: number): UserBundle {
  const user = bundle.user!;
  if (change.action === 'delete') return tombstoneOf(bundle.id, revision); // F2: everything goes

  if (change.action === 'deactivate') {
    const removesAssignments = change.policy.assignments === 'remove';
    return {
      ...bundle,
      revision,
      user: { ...user, status: 'inactive', deactivatedAt: change.now, deactivatedBy: change.actorId },
      licenses: bundle.licenses
        .filter((l) => l.state !== 'reserved') // A10
        .map((l) => (isReleasedByDeactivation(l, change.elaMethodologyIds) ? releaseElaLicense(l, change.now) : l)), // A11
      memberships: [], // F9
      membershipRequests: [], // F9
      certificates: [], // F9
      // F9: what R3/R4 may give back, kept as it was.
      ...keepAsideOnDeactivation(bundle, change.globalCommunityId),
      tokens: [], // A7/F7
      assignments: removesAssignments ? [] : bundle.assignments, // A3
      removedAssignments: removesAssignments ? [...bundle.removedAssignments, ...bundle.assignments] : bundle.removedAssignments,
      // F8: completions and retained history stay.
    };
  }

  // Reactivation.
  const restored = restoreOnReactivation(bundle.id, bundle, change.globalCommunityId, change.now); // R3/R4
  return {
    ...bundle,
    revision,
    user: { ...user, status: 'active', deactivatedAt: null, deactivatedBy: null },
    licenses: bundle.licenses.map((l) => (l.releasedFromElaAt ? reconsumeElaLicense(l) : l)), // R5
    memberships: restored.membership ? [...bundle.memberships, restored.membership] : bundle.memberships,
    removedMemberships: restored.removedMemberships,
    certificates: [...bundle.certificates, ...restored.certificates],
    removedCertificates: restored.removedCertificates,
    assignments: change.reassignPrevious ? [...bundle.assignments, ...bundle.removedAssignments] : bundle.assignments, // R2
    removedAssignments: change.reassignPrevious ? [] : bundle.removedAssignments,
  };
}

/** A8: a report of a leaving manager moves to the first manager above who stays. */
export function applyReportMove(bundle: UserBundle, move: ReportMove, revision: number): UserBundle {
  return { ...bundle, revision, user: { ...bundle.user!, managerId: move.toManagerId } };
}
