/**
 * One page of a pull, written with the cursor that follows it in one transaction: a tab closed midway
 * pulls the page again, never skips it. Users an operation still waiting in the outbox touches are left
 * as the device has them: the server has not seen that change yet, and the pull after its push brings
 * them back in step.
 */
import type { PullResponse } from '../core/sync/sync-protocol.ts';
import { usersWithPendingChanges } from './outbox-records.ts';
import type { RosterStore } from './roster-store.ts';
import { SYNC_CURSOR_KEY } from './sync-state.ts';
import { writeUserBundles, type PreparedBundles, type WrittenBundles } from './write-user-bundles.ts';

/**
 * `prepared`: the page's users encoded ahead (`prepareNewUsers`) for an empty device's first pull, used
 * only where nothing of the page is left out and they still fit.
 */
export async function applyPulledPage(store: RosterStore, page: PullResponse, options: { isRosterEmpty: boolean; prepared?: PreparedBundles | null }): Promise<WrittenBundles> {
  return store.write(async (tx) => {
    // Read in the page's own transaction: a change made while the pull ran is left alone too.
    const pendingUserIds = await usersWithPendingChanges(store.db);
    const bundles = pendingUserIds.size === 0 ? page.users : page.users.filter((b) => !pendingUserIds.has(b.id));
    const written = await writeUserBundles(tx, bundles, page.organization, { isRosterEmpty: options.isRosterEmpty, prepared: options.prepared });
    await tx.putMeta(SYNC_CURSOR_KEY, page.cursor);
    return written;
  });
}
