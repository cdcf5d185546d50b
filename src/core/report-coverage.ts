/**
 * A5/A17: per user, when the newest report snapshot covering them was taken. A plan asks it for every
 * selected user, so it is worked out once when snapshots change, never per plan: at 1,000,000 users a
 * set of every snapshot's ids per plan would cost more than the plan.
 */
import type { ReportSnapshot } from './roster-types.ts';

export type ReportCoverage = ReadonlyMap<string, string>;

export function reportCoverageOf(snapshots: readonly Pick<ReportSnapshot, 'takenAt' | 'userIds'>[], into: Map<string, string> = new Map()): Map<string, string> {
  for (const snapshot of snapshots) {
    for (const id of snapshot.userIds) {
      const known = into.get(id);
      // ISO 8601 times in UTC compare as strings.
      if (known === undefined || known < snapshot.takenAt) into.set(id, snapshot.takenAt);
    }
  }
  return into;
}

/**
 * What is left of older snapshots once `newer` is recorded: a user it covers is covered by it from now
 * on, so older snapshots drop them, and one left with nobody goes. Keeps the stored snapshots, read at
 * every start, to about one id per user however often every report is exported.
 */
export function withoutSuperseded<S extends Pick<ReportSnapshot, 'id' | 'takenAt' | 'userIds'>>(older: readonly S[], newer: Pick<ReportSnapshot, 'takenAt' | 'userIds'>): { kept: S[]; removedIds: string[] } {
  const covered = new Set(newer.userIds);
  const kept: S[] = [];
  const removedIds: string[] = [];
  for (const snapshot of older) {
    if (snapshot.takenAt > newer.takenAt) {
      kept.push(snapshot);
      continue;
    }
    const userIds = snapshot.userIds.filter((id) => !covered.has(id));
    if (userIds.length === 0) removedIds.push(snapshot.id);
    else kept.push(userIds.length === snapshot.userIds.length ? snapshot : { ...snapshot, userIds });
  }
  return { kept, removedIds };
}
