/**
 * The organization's settings an admin edits on the Settings screen: its name (an imported roster starts
 * as "My organization"), the platform facts plans depend on (A1 plan, A12/R1 seat limit, A14 batch limit)
 * and the policy (a preset and per-setting overrides).
 * Validated here so the page, the worker and a server agree on what is acceptable.
 */
import { POLICY_PRESETS } from './lifecycle-policy.ts';
import type { Organization, PolicyPreset, PolicySettings } from './roster-types.ts';

export type OrganizationSettings = Pick<Organization, 'name' | 'plan' | 'seatLimit' | 'batchLimit' | 'policyPreset' | 'policyOverrides'>;

export type SettingsField = keyof OrganizationSettings;

export type SettingsErrors = Partial<Record<SettingsField, string>>;

/** Large enough for any roster this app holds; a typo of extra zeros is caught. */
export const MAX_SEAT_LIMIT = 10_000_000;
/** Batches above a thousand users make a sync round trip too long for a poor connection. */
export const MAX_BATCH_LIMIT = 1_000;
/** Long enough for any company's legal name; the header shows it beside the counts. */
export const MAX_NAME_LENGTH = 100;

const POLICY_KEYS = Object.keys(POLICY_PRESETS.ascender) as (keyof PolicySettings)[];

export function settingsOf(organization: Organization): OrganizationSettings {
  const { name, plan, seatLimit, batchLimit, policyPreset, policyOverrides } = organization;
  return { name, plan, seatLimit, batchLimit, policyPreset, policyOverrides: { ...policyOverrides } };
}

function wholeNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) ? number : null;
}

function isOverrideValid<K extends keyof PolicySettings>(key: K, value: unknown): value is PolicySettings[K] {
  return key === 'assignments' ? value === 'remove' || value === 'retain' : typeof value === 'boolean';
}

/** Settings as typed; without a name, the organization keeps the one it has. */
export type SettingsInput = Record<Exclude<SettingsField, 'name'>, unknown> & { name?: unknown };

/** Valid settings to save; a name only when one was given. */
export type ValidSettings = Omit<OrganizationSettings, 'name'> & { name?: string };

export type SettingsValidation = { ok: true; settings: ValidSettings } | { ok: false; errors: SettingsErrors };

/**
 * Checks settings as typed (numbers may arrive as text from a form). An override equal to the preset's
 * own value is dropped, so that changing the preset later changes that setting too.
 */
export function validateSettings(input: SettingsInput): SettingsValidation {
  const errors: SettingsErrors = {};
  // Spaces collapse, as a name typed or pasted with a line break or a double space means the same name.
  const name = typeof input.name === 'string' ? input.name.replace(/\s+/g, ' ').trim() : '';
  if (input.name === undefined) {
    // Kept as it is.
  } else if (name === '') errors.name = 'Give the organization a name.';
  else if (name.length > MAX_NAME_LENGTH) errors.name = `Keep the name to ${MAX_NAME_LENGTH} characters; this one has ${name.length}.`;
  const plan = input.plan;
  if (plan !== 'plus' && plan !== 'standard') errors.plan = 'Choose the plus or the standard plan.';
  const preset = input.policyPreset;
  if (preset !== 'ascender' && preset !== 'fuse') errors.policyPreset = 'Choose the ascender or the fuse preset.';

  const seatLimit = wholeNumber(input.seatLimit);
  if (seatLimit === null || seatLimit < 0 || seatLimit > MAX_SEAT_LIMIT) {
    errors.seatLimit = `Enter a whole number of seats from 0 to ${MAX_SEAT_LIMIT.toLocaleString('en-US')}.`;
  }
  const batchLimit = wholeNumber(input.batchLimit);
  if (batchLimit === null || batchLimit < 1 || batchLimit > MAX_BATCH_LIMIT) {
    errors.batchLimit = `Enter a whole number of users from 1 to ${MAX_BATCH_LIMIT.toLocaleString('en-US')}.`;
  }

  const overrides: Partial<PolicySettings> = {};
  const given = (input.policyOverrides ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!POLICY_KEYS.includes(key as keyof PolicySettings) || !isOverrideValid(key as keyof PolicySettings, value)) {
      errors.policyOverrides = `The override of ${key} is not a setting this policy has, or not one of its values.`;
      continue;
    }
    const presetSettings = POLICY_PRESETS[(preset as PolicyPreset) ?? 'ascender'] ?? POLICY_PRESETS.ascender;
    if (presetSettings[key as keyof PolicySettings] !== value) Object.assign(overrides, { [key]: value });
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: { ...(input.name === undefined ? {} : { name }), plan: plan as OrganizationSettings['plan'], policyPreset: preset as PolicyPreset, seatLimit: seatLimit!, batchLimit: batchLimit!, policyOverrides: overrides },
  };
}

/** What changed, in words, for the audit: "seat limit 1,900 → 2,100; preset ascender → fuse". */
export function describeSettingsChange(before: OrganizationSettings, after: OrganizationSettings): string {
  const parts: string[] = [];
  const show = (value: unknown): string => (typeof value === 'number' ? value.toLocaleString('en-US') : String(value));
  const compare = (label: string, a: unknown, b: unknown): void => {
    if (a !== b) parts.push(`${label} ${show(a)} → ${show(b)}`);
  };
  if (before.name !== after.name) parts.push(`name “${before.name}” → “${after.name}”`);
  compare('plan', before.plan, after.plan);
  compare('seat limit', before.seatLimit, after.seatLimit);
  compare('batch limit', before.batchLimit, after.batchLimit);
  compare('preset', before.policyPreset, after.policyPreset);
  for (const key of POLICY_KEYS) {
    compare(`${key} override`, before.policyOverrides[key] ?? 'preset', after.policyOverrides[key] ?? 'preset');
  }
  return parts.length > 0 ? `Settings changed: ${parts.join('; ')}.` : 'Settings saved unchanged.';
}
