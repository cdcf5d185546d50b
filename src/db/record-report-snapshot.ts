/**
 * A17: records a report snapshot, and in the same transaction takes the users it covers out of older
 * snapshots (see `withoutSuperseded`), so the table a start reads stays about one id per user.
 */
import { withoutSuperseded } from '../core/report-coverage.ts';
import type { ReportSnapshot } from '../core/roster-types.ts';
import type { OffboardDatabase } from './offboard-database.ts';

export async function recordReportSnapshot(db: OffboardDatabase, snapshot: ReportSnapshot): Promise<void> {
  await db.transaction('rw', db.reportSnapshots, async () => {
    const older = await db.reportSnapshots.toArray();
    const { kept, removedIds } = withoutSuperseded(older, snapshot);
    const unchanged = new Set(older);
    const changed = kept.filter((s) => !unchanged.has(s));
    await db.reportSnapshots.bulkDelete(removedIds);
    await db.reportSnapshots.bulkPut(changed);
    await db.reportSnapshots.add(snapshot);
  });
}
