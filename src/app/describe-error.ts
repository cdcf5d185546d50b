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
  transfer_refused: {
    title: 'The admin role was not transferred.',
    advice: 'Choose an active user other than the current admin, and try again.',
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

export function describeError(error: unknown): ErrorMessage {
  const candidate = error as { code?: unknown; name?: unknown; inner?: { name?: unknown }; message?: unknown } | null;
  const keys = [candidate?.code, candidate?.name, candidate?.inner?.name].filter((k): k is string => typeof k === 'string');
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
