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
  rule_refused: 'Nothing was saved. Change the rule and save it again.',
  permission_denied: 'Nothing was changed. Ask an admin who holds the permission to do it.',
};

export function describeError(error: unknown): ErrorMessage {
  const candidate = error as { code?: unknown; name?: unknown; inner?: { name?: unknown }; message?: unknown } | null;
  const keys = [candidate?.code, candidate?.name, candidate?.inner?.name].filter((k): k is string => typeof k === 'string');
  const refusal = typeof candidate?.code === 'string' ? REFUSAL_ADVICE[candidate.code] : undefined;
  if (refusal && typeof candidate?.message === 'string') return { title: candidate.message, advice: refusal };
  for (const key of keys) {
    const known = BY_CODE[key];
    if (known) return known;
  }
  const detail = typeof candidate?.message === 'string' && candidate.message ? ` (${candidate.message})` : '';
  return {
    title: `Something went wrong${detail}.`,
    advice: 'Your data was left as it was. Reload the page and try again.',
  };
}
