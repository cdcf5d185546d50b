/**
 * Seats or licenses in use against their limit, in words (A12, R1, A10–A11): within the limit "9 of 10
 * in use"; beyond it the excess is said, never "10 of 9 in use", which reads like a typo.
 */
import { formatCount } from './format-count.ts';

/** How far `inUse` is beyond `limit`; 0 within it. */
export function overLimit(inUse: number, limit: number): number {
  return Math.max(0, inUse - limit);
}

export function describeLimitUse(inUse: number, limit: number): string {
  const over = overLimit(inUse, limit);
  return over > 0 ? `${formatCount(inUse)} in use, ${formatCount(over)} over the limit of ${formatCount(limit)}` : `${formatCount(inUse)} of ${formatCount(limit)} in use`;
}
