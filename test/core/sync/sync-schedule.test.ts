import { describe, expect, it } from 'vitest';
import { retryDelayMs, DEFAULT_BACKOFF } from '../../../src/core/sync/retry-backoff.ts';
import { DEFAULT_SYNC_SCHEDULE, isRetryableSyncCode, nextSyncAt, type SyncScheduleInput } from '../../../src/core/sync/sync-schedule.ts';

const T0 = 1_000_000;

/** Signed in, online, the first run done at T0 and nothing since. */
function input(change: Partial<SyncScheduleInput> = {}): SyncScheduleInput {
  return { now: T0, isSignedIn: true, isOnline: true, isHalted: false, lastRunEndedAt: T0, failures: 0, retryDelayMs: 0, changedAt: null, ...change };
}

describe('nextSyncAt', () => {
  it('runs at once on start when signed in, and never when not signed in', () => {
    expect(nextSyncAt(input({ lastRunEndedAt: null }))).toBe(T0);
    expect(nextSyncAt(input({ lastRunEndedAt: null, isSignedIn: false }))).toBeNull();
  });

  it('runs every minute while signed in and online, and not at all offline', () => {
    expect(nextSyncAt(input())).toBe(T0 + 60_000);
    expect(nextSyncAt(input({ isOnline: false }))).toBeNull();
  });

  it('sends a local change 2 s after the last of a burst, never later than the regular run', () => {
    expect(nextSyncAt(input({ now: T0 + 5_000, changedAt: T0 + 5_000 }))).toBe(T0 + 7_000);
    // Another change a second later moves the run with it (debounce)…
    expect(nextSyncAt(input({ now: T0 + 6_000, changedAt: T0 + 6_000 }))).toBe(T0 + 8_000);
    // …but a stream of changes cannot hold the regular run back.
    expect(nextSyncAt(input({ now: T0 + 59_500, changedAt: T0 + 59_500 }))).toBe(T0 + 60_000);
    expect(DEFAULT_SYNC_SCHEDULE).toEqual({ intervalMs: 60_000, changeDelayMs: 2_000 });
  });

  it('after retryable failures waits the backoff drawn, even when a change is made meanwhile', () => {
    const delay = retryDelayMs(3, () => 0.5);
    expect(delay).toBe(2_000);
    expect(nextSyncAt(input({ failures: 3, retryDelayMs: delay, changedAt: T0 + 100 }))).toBe(T0 + 2_000);
  });

  it('after a failure retrying cannot fix, runs nothing by itself', () => {
    expect(nextSyncAt(input({ isHalted: true }))).toBeNull();
    expect(nextSyncAt(input({ isHalted: true, changedAt: T0 }))).toBeNull();
    expect(nextSyncAt(input({ isHalted: true, lastRunEndedAt: null }))).toBeNull();
  });

  it('backoff grows exponentially up to its cap, with full jitter', () => {
    const top = () => 0.999_999;
    const caps = [1, 2, 3, 4, 5, 9, 12, 40].map((n) => retryDelayMs(n, top));
    expect(caps.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(caps.at(-1)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(retryDelayMs(5, () => 0)).toBe(0);
  });
});

describe('isRetryableSyncCode', () => {
  it('retries the network, the server’s health and garbled answers; waits for the admin otherwise', () => {
    for (const code of ['offline', 'timeout', 'server_error', 'bad_response']) expect(isRetryableSyncCode(code), code).toBe(true);
    for (const code of ['unauthorized', 'forbidden', 'not_signed_in', 'protocol_mismatch', 'csp_blocked', 'unknown']) expect(isRetryableSyncCode(code), code).toBe(false);
  });
});
