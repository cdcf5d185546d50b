/**
 * The Settings screen's state: a draft of the organization's settings as typed, the effective policy it
 * would give, and the save, whose refusals come back per field.
 */
import { effectivePolicy, type EffectivePolicy } from '../core/lifecycle-policy.ts';
import { settingsOf, type OrganizationSettings, type SettingsErrors } from '../core/organization-settings.ts';
import type { Organization, PolicySettings } from '../core/roster-types.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import type { RosterSession } from './roster-session.svelte.ts';
import type { RosterWorker } from './roster-worker-client.ts';

/** Numbers as typed, so a half-typed value is shown as it is and refused with a reason. */
export interface SettingsDraft extends Omit<OrganizationSettings, 'seatLimit' | 'batchLimit'> {
  seatLimit: string;
  batchLimit: string;
}

function draftOf(organization: Organization): SettingsDraft {
  const settings = settingsOf(organization);
  return { ...settings, seatLimit: String(settings.seatLimit), batchLimit: String(settings.batchLimit) };
}

export class SettingsEditor {
  draft = $state<SettingsDraft | null>(null);
  errors = $state<SettingsErrors>({});
  error = $state.raw<ErrorMessage | null>(null);
  notice = $state<string | null>(null);
  isSaving = $state(false);

  constructor(
    private readonly worker: RosterWorker,
    private readonly session: RosterSession,
  ) {}

  /** Starts from what is saved; called when the screen opens. */
  reset(): void {
    const organization = this.session.summary?.organization;
    this.draft = organization ? draftOf(organization) : null;
    this.errors = {};
    this.error = null;
    this.notice = null;
  }

  /** The policy plans would use with the draft, where the draft's numbers are readable. */
  get preview(): EffectivePolicy | null {
    const organization = this.session.summary?.organization;
    if (!organization || !this.draft) return null;
    const seatLimit = Number(this.draft.seatLimit);
    const batchLimit = Number(this.draft.batchLimit);
    return effectivePolicy({
      ...organization,
      ...this.draft,
      seatLimit: Number.isFinite(seatLimit) ? seatLimit : organization.seatLimit,
      batchLimit: Number.isFinite(batchLimit) ? batchLimit : organization.batchLimit,
    });
  }

  setOverride<K extends keyof PolicySettings>(key: K, value: PolicySettings[K] | undefined): void {
    if (!this.draft) return;
    const overrides = { ...this.draft.policyOverrides };
    if (value === undefined) delete overrides[key];
    else overrides[key] = value;
    this.draft.policyOverrides = overrides;
  }

  async save(): Promise<void> {
    if (!this.draft || this.isSaving) return;
    this.isSaving = true;
    this.notice = null;
    this.error = null;
    try {
      const result = await this.worker.saveSettings($state.snapshot(this.draft));
      if (result.ok) {
        this.errors = {};
        await this.session.changed();
        this.reset();
        this.notice = 'Settings saved. Plans built from now on follow them.';
      } else {
        this.errors = result.errors;
      }
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.isSaving = false;
    }
  }

  async signIn(adminId: string): Promise<void> {
    this.error = null;
    try {
      await this.worker.signIn(adminId);
      await this.session.changed();
      this.notice = `Signed in as ${this.session.summary?.signedInAdmin?.name ?? adminId}.`;
    } catch (error) {
      this.error = describeError(error);
    }
  }
}
