import { describe, expect, it } from 'vitest';
import { describeSettingsChange, validateSettings, type OrganizationSettings } from '../../src/core/organization-settings.ts';
import { effectivePolicy } from '../../src/core/lifecycle-policy.ts';

const current: OrganizationSettings = { name: 'Northwind Traders', plan: 'plus', seatLimit: 2_040, batchLimit: 100, policyPreset: 'ascender', policyOverrides: {} };

describe('organization settings', () => {
  it('A14: the batch limit is a whole number from 1 to 1,000; typed text is read as a number', () => {
    expect(validateSettings({ ...current, batchLimit: '40' })).toMatchObject({ ok: true, settings: { batchLimit: 40 } });
    for (const bad of ['0', '-3', '2.5', '1001', 'abc', '', null]) {
      const result = validateSettings({ ...current, batchLimit: bad });
      expect(result.ok, String(bad)).toBe(false);
      if (!result.ok) expect(result.errors.batchLimit).toMatch(/from 1 to 1,000/);
    }
  });

  it('A12/R1: the seat limit is a whole number of seats, 0 allowed', () => {
    expect(validateSettings({ ...current, seatLimit: 0 }).ok).toBe(true);
    const result = validateSettings({ ...current, seatLimit: '12x' });
    expect(result).toMatchObject({ ok: false, errors: { seatLimit: expect.stringMatching(/whole number of seats/) } });
  });

  it('A1: the plan is plus or standard, and only plus allows deactivation', () => {
    expect(validateSettings({ ...current, plan: 'enterprise' })).toMatchObject({ ok: false, errors: { plan: expect.any(String) } });
    const standard = validateSettings({ ...current, plan: 'standard' });
    expect(standard.ok && effectivePolicy({ id: 'O', name: 'O', ...standard.settings }).isDeactivationAllowed).toBe(false);
  });

  it('A3/A4: an override equal to the preset is dropped, so a later preset change carries it along', () => {
    const result = validateSettings({ ...current, policyOverrides: { assignments: 'remove', reportsIncludeInactive: true } });
    expect(result).toMatchObject({ ok: true, settings: { policyOverrides: { reportsIncludeInactive: true } } });
    expect(result.ok && 'assignments' in result.settings.policyOverrides).toBe(false);
  });

  it('refuses an override of a setting the policy does not have, or with a wrong value', () => {
    expect(validateSettings({ ...current, policyOverrides: { assignments: 'archive' } }).ok).toBe(false);
    expect(validateSettings({ ...current, policyOverrides: { unknown: true } }).ok).toBe(false);
    expect(validateSettings({ ...current, policyPreset: 'moodle' }).ok).toBe(false);
  });

  it('the organization’s name is required, its spaces collapsed, at most 100 characters', () => {
    expect(validateSettings({ ...current, name: '  Acme \n Corp  ' })).toMatchObject({ ok: true, settings: { name: 'Acme Corp' } });
    expect(validateSettings({ ...current, name: '   ' })).toMatchObject({ ok: false, errors: { name: 'Give the organization a name.' } });
    expect(validateSettings({ ...current, name: 'x'.repeat(101) })).toMatchObject({ ok: false, errors: { name: expect.stringMatching(/100 characters; this one has 101/) } });
    expect(validateSettings({ ...current, name: 42 }).ok).toBe(false);
    // Without a name, the organization keeps its own.
    const { name: _kept, ...withoutName } = current;
    expect(validateSettings(withoutName)).toMatchObject({ ok: true, settings: expect.not.objectContaining({ name: expect.anything() }) });
    expect(describeSettingsChange(current, { ...current, name: 'Acme Corp' })).toBe('Settings changed: name “Northwind Traders” → “Acme Corp”.');
  });

  it('says what changed, for the audit', () => {
    const after: OrganizationSettings = { ...current, seatLimit: 1_800, policyPreset: 'fuse', policyOverrides: { requireSnapshot: true } };
    expect(describeSettingsChange(current, after)).toBe('Settings changed: seat limit 2,040 → 1,800; preset ascender → fuse; requireSnapshot override preset → true.');
    expect(describeSettingsChange(current, current)).toBe('Settings saved unchanged.');
  });
});
