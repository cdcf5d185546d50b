/**
 * When to try again after a failed sync: exponential backoff with full jitter (a random delay between
 * zero and the exponential cap), so that devices that lost the same server do not all come back at
 * the same instant. Network errors and 5xx answers are retried; other failures wait for the admin.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** The delay before attempt `failures + 1`, given `failures` failures in a row (≥ 1). */
export function retryDelayMs(failures: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(random() * cap);
}

/** Whether an HTTP status (or a network error, status 0) is worth retrying by itself. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}
