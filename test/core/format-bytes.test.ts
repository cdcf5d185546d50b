import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/core/format-bytes.ts';

describe('formatBytes', () => {
  it('shows whole bytes below a kilobyte', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(999)).toBe('999 B');
  });

  it('uses decimal units with one decimal below 100 and none above', () => {
    expect(formatBytes(1000)).toBe('1 kB');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatBytes(2_147_483_648)).toBe('2.1 GB');
    expect(formatBytes(5e12)).toBe('5 TB');
  });

  it('moves to the next unit when rounding reaches 1,000', () => {
    expect(formatBytes(999_960)).toBe('1 MB');
    expect(formatBytes(999_499)).toBe('999 kB');
    expect(formatBytes(999_999_999)).toBe('1 GB');
  });

  it('stays in the largest unit for enormous counts', () => {
    expect(formatBytes(2.5e18)).toBe('2,500 PB');
  });

  it('says "unknown", or the given fallback, for what is not a byte count', () => {
    expect(formatBytes(null)).toBe('unknown');
    expect(formatBytes(undefined)).toBe('unknown');
    expect(formatBytes(Number.NaN)).toBe('unknown');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('unknown');
    expect(formatBytes(-1)).toBe('unknown');
    expect(formatBytes(null, '—')).toBe('—');
  });
});
