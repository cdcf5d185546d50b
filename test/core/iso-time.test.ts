import { describe, expect, it } from 'vitest';
import { canonicalTimeOf, isoTimeOf } from '../../src/core/columns/iso-time.ts';
import { createRandom } from '../../src/core/seeded-random.ts';

describe('isoTimeOf', () => {
  it('writes every time of years 1000–9999 as toISOString does, and canonicalTimeOf reads it back', () => {
    const random = createRandom(5);
    const from = Date.UTC(1000, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const edges = [from, to, 0, -1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 10, 1)];
    for (let i = 0; i < 20_000; i++) edges.push(from + Math.floor(random.next() * (to - from)));
    for (const ms of edges) {
      expect(isoTimeOf(ms)).toBe(new Date(ms).toISOString());
      expect(canonicalTimeOf(isoTimeOf(ms))).toBe(ms);
    }
  });
});
