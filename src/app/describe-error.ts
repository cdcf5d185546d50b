/**
 * The one place that turns failures into words for the admin: what happened, and what to do next.
 * Codes come from our own errors (carried across the worker boundary) and from the browser's
 * DOMException names for storage failures.
 */
import type { ErrorDetailsOf, PermissionAction, RefusalDetails } from '../core/coded-error.ts';
import type { RuleProblem } from '../core/selection-rule.ts';
import { blockedSyncOriginMessage } from '../core/sync/is-sync-origin-allowed.ts';
import { parseSyncOrigins } from '../core/sync/parse-sync-origins.ts';

export interface ErrorMessage {
  title: string;
  advice: string;
}

const BY_CODE: Record<string, ErrorMessage> = {
  roster_not_empty: {
    title: 'This device already holds a roster.',
    advice: 'Remove the data from this device first, then load the demo organization again.',
  },
  roster_not_open: {
    title: 'The roster is still opening.',
    advice: 'Wait a moment and try again.',
  },
  plan_expired: {
    title: 'This plan is no longer current.',
    advice: 'Nothing was changed. Go back to the list and review the change again.',
  },
  plan_blocked: {
    title: 'This plan cannot be applied.',
    advice: 'Resolve the blockers it lists, then review it again.',
  },
  stale_plan: {
    title: 'The roster changed since this plan was built.',
    advice: 'Nothing of the failed batch was written. Review the change again.',
  },
  export_failed: {
    title: 'The export could not be written.',
    advice: 'Nothing was changed and no report snapshot was recorded. Free some memory (close other tabs) and try again.',
  },
  import_expired: {
    title: 'These import results are no longer current.',
    advice: 'Nothing was written. Check the files again, then import.',
  },
  import_not_pending: {
    title: 'No import is waiting.',
    advice: 'Another tab may have finished or discarded it. Open the Import screen again to see where things stand.',
  },
  import_chunk_done: {
    title: 'This part of the file was imported already.',
    advice: 'Nothing was written twice. Open the Import screen again to see where the import stands.',
  },
  import_stopped: {
    title: 'The import stopped.',
    advice: 'Every part written before it stays written, whole. Resume it from the Import screen, or discard it.',
  },
  import_failed: {
    title: 'The import could not write a part of the file.',
    advice: 'Every part before it stays written, whole; nothing of the failed part was. Resume it from the Import screen, or discard it.',
  },
  import_needs_users: {
    title: 'This device holds no roster yet: import a users file first.',
    advice: 'Choose the users file with the other files, or load the demo organization.',
  },
  import_needs_admin: {
    title: 'Say which of the imported users you are.',
    advice: 'Give the email of your own account in the users file: that user becomes this device’s first admin.',
  },
  csv_read_id_in_use: {
    title: 'This file is being read already.',
    advice: 'Wait for the reading in progress to finish, or cancel it, then try again.',
  },
  bad_url: {
    title: 'That is not a server address.',
    advice: 'Enter the server’s address, starting with https:// (or http:// on this computer).',
  },
  bad_token: {
    title: 'Enter the access token.',
    advice: 'The platform gives each admin an access token for Offboard; paste it in full.',
  },
  replace_needed: {
    title: 'This device holds another roster.',
    advice: 'Signing in replaces it with the server’s roster; confirm to go on, or sign in on another device.',
  },
  import_already_sent: {
    title: 'Part of this import has already been sent to the server: it can no longer be discarded here.',
    advice: 'Nothing was undone. The part already sent stays; import a corrected file to change it.',
  },
  signed_in_to_server: {
    title: 'This device is signed in to a sync server: its access token decides who acts.',
    advice: 'Nothing was changed. Settings → Sync server → Sign out, then choose the admin.',
  },
  QuotaExceededError: {
    title: 'The browser ran out of storage space for Offboard.',
    advice: 'Nothing was half-written. Free disk space or allow more storage for this site, then try again.',
  },
  InvalidStateError: {
    title: 'The browser would not open Offboard’s database.',
    advice: 'Private browsing windows may block storage; open Offboard in a normal window.',
  },
};

/** What to do after each kind of refusal; the title comes from the error's details. */
const REFUSAL_ADVICE = {
  transfer_refused: 'Nothing was changed. Choose an active user other than the current admin, and try again.',
  reassign_refused: 'Nothing was changed. Reactivate the user first, then re-assign.',
  certificate_refused: 'Nothing was changed. Open the user again to see their current records.',
  import_refused: 'Nothing of the refused part was written. Check the files again: the roster changed since they were checked.',
  settings_refused: 'Nothing was changed. Correct the settings and save again.',
  rule_refused: 'Nothing was saved. Change the rule and save it again.',
  permission_denied: 'Nothing was changed. Ask an admin who holds the permission to do it.',
  import_admin_unknown: 'Give the email of your own account as the users file has it.',
} satisfies Record<keyof ErrorDetailsOf, string>;

const GENERIC_TITLE: Record<keyof ErrorDetailsOf, string> = {
  transfer_refused: 'The community’s admin role was not transferred.',
  reassign_refused: 'The assignments were not re-assigned.',
  certificate_refused: 'The certificate was not issued.',
  import_refused: 'The import was refused.',
  settings_refused: 'The settings were not saved.',
  rule_refused: 'The rule was not saved.',
  permission_denied: 'You do not have the permission for this.',
  import_admin_unknown: 'No imported user has that email.',
};

/** Whether a code has words of its own here (a test holds every ErrorCode to it). */
export function hasWordsFor(code: string): boolean {
  return code in BY_CODE || code in REFUSAL_ADVICE || code in SYNC_BY_CODE;
}

export function describeError(error: unknown): ErrorMessage {
  const candidate = error as { code?: unknown; name?: unknown; inner?: { name?: unknown }; message?: unknown; details?: unknown } | null;
  const code = candidate?.code;
  if (typeof code === 'string' && code in REFUSAL_ADVICE) {
    const detailed = code as keyof ErrorDetailsOf;
    const title = candidate?.details ? titleOf(detailed, candidate.details as ErrorDetailsOf[typeof detailed]) : null;
    return { title: title ?? GENERIC_TITLE[detailed], advice: REFUSAL_ADVICE[detailed] };
  }
  const keys = [code, candidate?.name, candidate?.inner?.name].filter((k): k is string => typeof k === 'string');
  for (const key of keys) {
    const known = BY_CODE[key] ?? SYNC_BY_CODE[key];
    if (known) return known;
  }
  const detail = typeof candidate?.message === 'string' && candidate.message ? ` (${candidate.message})` : '';
  return {
    title: `Something went wrong${detail}.`,
    advice: 'Your data was left as it was. Reload the page and try again.',
  };
}

function titleOf<C extends keyof ErrorDetailsOf>(code: C, details: ErrorDetailsOf[C]): string | null {
  switch (code) {
    case 'transfer_refused':
    case 'reassign_refused':
    case 'certificate_refused':
    case 'import_refused':
      return describeRefusal(details as RefusalDetails);
    case 'settings_refused': {
      const settings = details as ErrorDetailsOf['settings_refused'];
      return settings.reason === 'no_organization' ? 'There is no organization on this device to change.' : `${settings.adminId} is not an admin of this organization.`;
    }
    case 'rule_refused':
      return describeRuleProblem((details as ErrorDetailsOf['rule_refused']).problem);
    case 'permission_denied': {
      const { permission, action } = details as ErrorDetailsOf['permission_denied'];
      return `You need the ${permission} permission to ${ACTION_WORDS[action]} (A1).`;
    }
    case 'import_admin_unknown':
      return `No imported user has the email ${(details as ErrorDetailsOf['import_admin_unknown']).email}: give the email of your own account in the file.`;
  }
  return null;
}

const ACTION_WORDS: Record<PermissionAction, string> = {
  transfer_community_admin: 'transfer a community’s admin role',
  reassign_assignments: 're-assign assignments',
  issue_certificate: 'issue certificates',
  change_settings: 'change the organization’s settings',
  import_users: 'import users',
  export_reports: 'export reports',
};

/** Why the device refused a change as asked, naming the users and communities as the admin knows them. */
export function describeRefusal(refusal: RefusalDetails): string {
  const name = (id: string | undefined): string => (id === undefined ? '' : (refusal.names[id] ?? id));
  const who = refusal.userId ? name(refusal.userId) : 'This user';
  const community = name(refusal.communityId);
  const course = refusal.courseId ?? '';
  switch (refusal.reason) {
    case 'unknown_user':
      return `${who} is no longer on the roster.`;
    case 'not_active':
      if (refusal.operation === 'transfer_community_admin') return `${who} is not an active user: the new admin must be active.`;
      if (refusal.operation === 'issue_certificate') return `${who} is inactive: reactivate them before issuing certificates.`;
      if (refusal.operation === 'reassign_assignments') return `${who} is inactive: reactivate them before re-assigning.`;
      return `${who} is not an active user.`;
    case 'not_admin':
      return `${who} is no longer an admin of ${community}.`;
    case 'not_found':
      if (refusal.operation === 'issue_certificate') return `${who} has not completed ${course} in ${community}.`;
      return `The community ${community} no longer exists.`;
    case 'invalid_operation':
      if (refusal.operation === 'transfer_community_admin') return 'The new admin must be someone other than the current one.';
      return 'This change cannot be made as asked.';
    case 'certificate_exists':
      return `${who} already has the certificate of ${course}.`;
    case 'duplicate_email':
      return `Another user already has the email ${refusal.email ?? ''}.`;
    case 'unknown_manager':
      return `The manager ${name(refusal.managerId)} is not on the roster.`;
    case 'bulk_action_file':
      return 'A bulk-action file changes nothing by itself: it opens a plan.';
    default:
      return `The roster no longer allows this change for ${who}${refusal.rule ? ` (${refusal.rule})` : ''}.`;
  }
}

export function describeRuleProblem(problem: RuleProblem): string {
  switch (problem.code) {
    case 'no_name':
      return 'Give the rule a name.';
    case 'name_too_long':
      return `Keep the name under ${problem.max} characters.`;
    case 'no_criterion':
      return 'A rule needs at least one criterion; with none it would select everyone.';
    case 'id_list_too_long':
      return `An id list holds at most ${problem.max.toLocaleString('en-US')} entries.`;
    case 'date_not_a_day':
      return `The ${problem.field === 'last_login' ? 'last sign-in' : 'created'} date must be a day (YYYY-MM-DD).`;
    case 'last_login_needs_date':
      return 'Choose a date for the last sign-in, or "never".';
  }
}

/** Why a sync or a sign-in failed, by the worker's `SyncFailure` code: a short title (the status bar shows it alone) and what happens next. */
const SYNC_BY_CODE: Record<string, ErrorMessage> = {
  offline: {
    title: 'Sync server not reachable',
    advice: 'There is no connection, or the server is down. Changes wait on this device and are sent once it answers.',
  },
  timeout: {
    title: 'Sync server did not answer in time',
    advice: 'Changes wait on this device; Offboard tries again by itself.',
  },
  server_error: {
    title: 'Sync server error',
    advice: 'Changes wait on this device; Offboard tries again by itself.',
  },
  bad_response: {
    title: 'Unreadable answer from the sync server',
    advice: 'Offboard tries again by itself. If it keeps happening, the server may run another version.',
  },
  unauthorized: {
    title: 'Sign in again: the server refused the token',
    advice: 'Sign in again in Settings with a current access token. Changes wait on this device meanwhile.',
  },
  forbidden: {
    title: 'The server refused: no permission',
    advice: 'Ask for an access token whose admin holds the permission, then sign in again in Settings.',
  },
  not_signed_in: {
    title: 'Not signed in to a sync server',
    advice: 'Sign in to the server in Settings first.',
  },
  protocol_mismatch: {
    title: 'The sync server speaks another version',
    advice: 'Reload Offboard when a new version is offered, or ask for the server to be updated. Changes wait on this device.',
  },
  csp_blocked: {
    title: 'The browser blocked the connection to the server',
    advice: 'Offboard may only connect to its own origin; use the server it is served with.',
  },
};

/** Why a sign-in failed, in the one sentence the form shows under its fields. */
export function describeSignInFailure(failure: { code: string; detail: string }, url: string): string {
  switch (failure.code) {
    case 'bad_url':
      return 'Enter the server’s address, starting with https:// (or http:// on this computer).';
    case 'bad_token':
      return 'Enter the access token the platform gave you.';
    case 'unauthorized':
      return 'The server does not accept this token.';
    case 'csp_blocked': {
      const allowed = import.meta.env.OFFBOARD_SYNC_ORIGINS === undefined ? [] : parseSyncOrigins(import.meta.env.OFFBOARD_SYNC_ORIGINS).origins;
      const appOrigin = typeof location === 'undefined' ? '' : location.origin;
      return blockedSyncOriginMessage(url, appOrigin, allowed) ?? SYNC_BY_CODE.csp_blocked!.advice;
    }
  }
  const known = SYNC_BY_CODE[failure.code];
  const said = failure.detail ? ` The server or browser said: ${failure.detail}` : '';
  return known ? `${known.title}. ${known.advice}${said}` : `Signing in failed.${said}`;
}

export function describeSyncFailure(failure: { code: string; message: string }): ErrorMessage {
  return SYNC_BY_CODE[failure.code] ?? { title: 'Sync failed', advice: failure.message || 'Offboard tries again by itself.' };
}
