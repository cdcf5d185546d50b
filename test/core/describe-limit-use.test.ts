import { describe, expect, it } from 'vitest';
import { describeLimitUse, overLimit } from '../../src/core/describe-limit-use.ts';

describe('describeLimitUse', () => {
  it('A12: within the limit, says how many of the limit are in use', () => {
    expect(describeLimitUse(9, 10)).toBe('9 of 10 in use');
    expect(describeLimitUse(2_040, 2_040)).toBe('2,040 of 2,040 in use');
    expect(describeLimitUse(0, 5)).toBe('0 of 5 in use');
  });

  it('R1: beyond the limit, says by how much instead of "10 of 9 in use"', () => {
    expect(describeLimitUse(10, 9)).toBe('10 in use, 1 over the limit of 9');
    expect(describeLimitUse(1_901, 1_800)).toBe('1,901 in use, 101 over the limit of 1,800');
  });

  it('counts the excess, and nothing within the limit', () => {
    expect(overLimit(10, 9)).toBe(1);
    expect(overLimit(9, 9)).toBe(0);
    expect(overLimit(3, 9)).toBe(0);
  });
});
