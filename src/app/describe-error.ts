/**
 * The one place that turns failures into words for the admin: what happened, and what to do next.
 * Codes come from our own errors (carried across the worker boundary) and from the browser's
 * DOMException names for storage failures.
 */

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
  import_admin_unknown: {
    title: 'No imported user has that email.',
    advice: 'Give the email of your own account as the users file has it.',
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
  import_refused: {
    title: 'The import was refused.',
    advice: 'Nothing of the refused part was written. Check the files again: the roster changed since they were checked.',
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

/** Changes the roster refused: the error's own message says why, so it is the title. */
const REFUSAL_ADVICE: Record<string, string> = {
  transfer_refused: 'Nothing was changed. Choose an active user other than the current admin, and try again.',
  reassign_refused: 'Nothing was changed. Reactivate the user first, then re-assign.',
  certificate_refused: 'Nothing was changed. Open the user again to see their current records.',
  settings_refused: 'Nothing was changed. Correct the settings and save again.',
  import_already_sent: 'Nothing was undone. The part already sent stays; import a corrected file to change it.',
  rule_refused: 'Nothing was saved. Change the rule and save it again.',
  permission_denied: 'Nothing was changed. Ask an admin who holds the permission to do it.',
  signed_in_to_server: 'Nothing was changed. Settings → Sync server → Sign out, then choose the admin.',
};

/** Whether a code has words of its own here (a test holds every ErrorCode to it). */
export function hasWordsFor(code: string): boolean {
  return code in BY_CODE || code in REFUSAL_ADVICE || code in SYNC_BY_CODE;
}

export function describeError(error: unknown): ErrorMessage {
  const candidate = error as { code?: unknown; name?: unknown; inner?: { name?: unknown }; message?: unknown } | null;
  const keys = [candidate?.code, candidate?.name, candidate?.inner?.name].filter((k): k is string => typeof k === 'string');
  const refusal = typeof candidate?.code === 'string' ? REFUSAL_ADVICE[candidate.code] : undefined;
  if (refusal && typeof candidate?.message === 'string') return { title: candidate.message, advice: refusal };
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

export function describeSyncFailure(failure: { code: string; message: string }): ErrorMessage {
  return SYNC_BY_CODE[failure.code] ?? { title: 'Sync failed', advice: failure.message || 'Offboard tries again by itself.' };
}
