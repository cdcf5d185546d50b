import { describe, expect, it } from 'vitest';
import { reportCoverageOf, withoutSuperseded } from '../../src/core/report-coverage.ts';

const snapshot = (id: string, takenAt: string, userIds: string[]) => ({ id, takenAt, userIds, takenBy: 'admin', reportTypes: ['users'] });

describe('report coverage', () => {
  it('A5/A17: each user is covered since the newest snapshot that holds them', () => {
    const coverage = reportCoverageOf([snapshot('S1', '2026-05-01T00:00:00.000Z', ['a', 'b']), snapshot('S2', '2026-06-01T00:00:00.000Z', ['b', 'c']), snapshot('S0', '2026-01-01T00:00:00.000Z', ['a'])]);
    expect(Object.fromEntries(coverage)).toEqual({ a: '2026-05-01T00:00:00.000Z', b: '2026-06-01T00:00:00.000Z', c: '2026-06-01T00:00:00.000Z' });
  });

  it('A17: a newer snapshot takes its users out of older ones, and an older one left with nobody goes', () => {
    const older = [snapshot('S1', '2026-05-01T00:00:00.000Z', ['a', 'b']), snapshot('S2', '2026-05-02T00:00:00.000Z', ['b']), snapshot('S9', '2026-09-01T00:00:00.000Z', ['b'])];
    const { kept, removedIds } = withoutSuperseded(older, snapshot('S3', '2026-06-01T00:00:00.000Z', ['b', 'c']));
    expect(removedIds).toEqual(['S2']);
    expect(kept.map((s) => [s.id, s.userIds])).toEqual([
      ['S1', ['a']],
      // Newer than the one recorded (a clock that went back): left alone.
      ['S9', ['b']],
    ]);
    // Coverage is the same before and after pruning.
    const before = reportCoverageOf([...older, snapshot('S3', '2026-06-01T00:00:00.000Z', ['b', 'c'])]);
    const after = reportCoverageOf([...kept, snapshot('S3', '2026-06-01T00:00:00.000Z', ['b', 'c'])]);
    expect(after).toEqual(before);
  });
});
