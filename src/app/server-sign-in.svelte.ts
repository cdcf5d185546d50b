/**
 * The Settings screen's "Sync server" form: the server's address and an access token, the sign-in that
 * pulls the server's roster, and the confirmation asked for when this device holds another roster.
 * The sign-in itself is a run of `SyncStatus`, so it never overlaps a sync.
 */
import { formatBytes } from '../core/format-bytes.ts';
import { formatCount } from '../core/format-count.ts';
import { describeError, describeSignInFailure } from './describe-error.ts';
import type { RosterSession } from './roster-session.svelte.ts';
import type { SyncStatus } from './sync-status.svelte.ts';

/** The server served with the app: `npm start` and `npm run dev` mount the reference server under /api. */
export function defaultServerUrl(): string {
  return typeof location === 'undefined' ? '' : `${location.origin}/api`;
}

/** What signing in would replace, said before anything is: the admin confirms or cancels. */
export interface ReplaceQuestion {
  localUsers: number;
  pendingOperations: number;
  organizationName: string;
}

export class ServerSignIn {
  url = $state(defaultServerUrl());
  token = $state('');
  isSigningIn = $state(false);
  /** Why the last attempt failed, in words for the admin (a bad address, the server's refusal). */
  error = $state.raw<{ code: string; message: string } | null>(null);
  replaceQuestion = $state.raw<ReplaceQuestion | null>(null);
  notice = $state<string | null>(null);

  constructor(
    private readonly sync: SyncStatus,
    private readonly session: RosterSession,
    /** The roster, and the organization's settings with it, are the server's now. */
    private readonly onSignedIn: () => void = () => undefined,
  ) {}

  async signIn(replaceRoster = false): Promise<void> {
    if (this.isSigningIn) return;
    this.isSigningIn = true;
    this.error = null;
    this.notice = null;
    this.replaceQuestion = null;
    try {
      const result = await this.sync.signIn(this.url, this.token, replaceRoster);
      if (result.ok) {
        // The worker keeps the token for the next syncs; the page has no further use for it.
        this.token = '';
        const adminName = this.session.summary?.admins.find((a) => a.id === result.session.admin.userId)?.name ?? result.session.admin.userId;
        const bytes = result.report.bytesPulled > 0 ? ` (${formatBytes(result.report.bytesPulled)})` : '';
        this.notice = `Signed in to ${result.session.organizationName} as ${adminName}: ${formatCount(result.report.usersPulled)} users received${bytes}.`;
        this.onSignedIn();
      } else if (result.code === 'replace_needed' && 'localUsers' in result) {
        this.replaceQuestion = { localUsers: result.localUsers, pendingOperations: result.pendingOperations, organizationName: result.organizationName };
      } else if ('detail' in result) {
        this.error = { code: result.code, message: describeSignInFailure(result, this.url) };
      }
    } catch (error) {
      const described = describeError(error);
      this.error = { code: 'unexpected', message: `${described.title} ${described.advice}` };
    } finally {
      this.isSigningIn = false;
    }
  }

  /** The admin agreed to replace this device's roster with the server's. */
  confirmReplace(): Promise<void> {
    return this.signIn(true);
  }

  cancelReplace(): void {
    this.replaceQuestion = null;
  }

  async signOut(): Promise<void> {
    this.error = null;
    await this.sync.signOut();
    this.notice = 'Signed out of the sync server. The roster and any changes not yet sent stay on this device.';
  }
}
