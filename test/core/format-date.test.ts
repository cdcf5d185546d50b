import { describe, expect, it } from 'vitest';
import { formatClockTime, formatDate } from '../../src/core/format-date.ts';

describe('formatClockTime', () => {
  // Local times: what the device's clock shows, whatever its time zone.
  const now = new Date(2026, 2, 12, 15, 0);

  it('gives the time alone on the same day, and the day too on another', () => {
    expect(formatClockTime(new Date(2026, 2, 12, 10, 42).toISOString(), now)).toBe('10:42');
    expect(formatClockTime(new Date(2026, 2, 11, 23, 5).toISOString(), now)).toBe('11 Mar, 23:05');
  });

  it('falls back for a missing or unreadable moment', () => {
    expect(formatClockTime(null, now)).toBe('—');
    expect(formatClockTime('not a date', now, 'never')).toBe('never');
    expect(formatDate(undefined)).toBe('—');
  });
});
