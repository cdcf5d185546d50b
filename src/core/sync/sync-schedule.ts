/**
 * When the page runs the next sync by itself, as a pure function of what it knows: signed in or not,
 * online or not, how the last runs went, and whether an admin changed something since. The page keeps
 * one timer set to the answer, so a test can check every case without waiting for any of them.
 */

export interface SyncSchedulePolicy {
  /** A sync every so often while signed in and online: other admins' changes come in. */
  intervalMs: number;
  /** A local change is sent this long after the last one of a burst (an import announces every chunk). */
  changeDelayMs: number;
}

export const DEFAULT_SYNC_SCHEDULE: SyncSchedulePolicy = { intervalMs: 60_000, changeDelayMs: 2_000 };

export interface SyncScheduleInput {
  now: number;
  isSignedIn: boolean;
  /** The browser believes it has a network; when it has none, waiting for its `online` event is enough. */
  isOnline: boolean;
  /** The last run failed in a way retrying cannot fix (a refused token): only the admin starts the next. */
  isHalted: boolean;
  /** When the last run of this page ended; null before its first, which runs straight away. */
  lastRunEndedAt: number | null;
  /** Retryable failures in a row; 0 after a success. */
  failures: number;
  /** The backoff drawn after the last of those failures (`retryDelayMs`). */
  retryDelayMs: number;
  /** The last local change made since the last run started, or null. */
  changedAt: number | null;
}

/** The time (in the clock of `now`) at which the next sync should start, or null for "not by itself". */
export function nextSyncAt(input: SyncScheduleInput, policy: SyncSchedulePolicy = DEFAULT_SYNC_SCHEDULE): number | null {
  if (!input.isSignedIn || !input.isOnline || input.isHalted) return null;
  if (input.lastRunEndedAt === null) return input.now;
  // While the server is failing, the backoff alone decides: a change made meanwhile waits with the rest.
  if (input.failures > 0) return input.lastRunEndedAt + input.retryDelayMs;
  const regular = input.lastRunEndedAt + policy.intervalMs;
  return input.changedAt === null ? regular : Math.min(regular, input.changedAt + policy.changeDelayMs);
}

/** Codes of a failed run that are worth trying again by themselves: the network, the server's health or a garbled answer. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['offline', 'timeout', 'server_error', 'bad_response']);

/**
 * Whether a sync failure with this code is retried with backoff. The worker's failure knows this too,
 * but only `code` crosses the worker boundary, so the page decides again from it.
 */
export function isRetryableSyncCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}
