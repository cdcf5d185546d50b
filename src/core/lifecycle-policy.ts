/**
 * Where the two source platforms disagree, a policy decides (DOMAIN.md). A preset fills every setting;
 * an organization's overrides replace single ones.
 */
import type { Organization, PolicyPreset, PolicySettings } from './roster-types.ts';

export const POLICY_PRESETS: Readonly<Record<PolicyPreset, Readonly<PolicySettings>>> = Object.freeze({
  // Ascender: assignments removed (A3), reports exclude inactive users (A4), a seat to reactivate (R1).
  ascender: Object.freeze({ assignments: 'remove', reportsIncludeInactive: false, requireSnapshot: false, reactivationNeedsSeat: true }),
  // Fuse: history and assignments retained (F8), reactivation any time (F1).
  fuse: Object.freeze({ assignments: 'retain', reportsIncludeInactive: true, requireSnapshot: false, reactivationNeedsSeat: false }),
});

export const DEFAULT_BATCH_LIMIT = 100;

export interface EffectivePolicy extends PolicySettings {
  preset: PolicyPreset;
  /** A1: whether the organization's plan allows deactivation. */
  isDeactivationAllowed: boolean;
  seatLimit: number;
  /** A14: most users per batch. */
  batchLimit: number;
}

export function effectivePolicy(organization: Organization): EffectivePolicy {
  const preset = POLICY_PRESETS[organization.policyPreset] ?? POLICY_PRESETS.ascender;
  const batchLimit = Math.floor(organization.batchLimit);
  return {
    ...preset,
    ...organization.policyOverrides,
    preset: organization.policyPreset,
    isDeactivationAllowed: organization.plan === 'plus',
    seatLimit: organization.seatLimit,
    batchLimit: Number.isFinite(batchLimit) && batchLimit >= 1 ? batchLimit : DEFAULT_BATCH_LIMIT,
  };
}
