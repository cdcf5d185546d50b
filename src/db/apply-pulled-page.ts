/**
 * One page of a pull, written with the cursor that follows it in one transaction: a tab closed midway
 * pulls the page again, never skips it. Users an operation still waiting in the outbox touches are left
 * as the device has them: the server has not seen that change yet, and the pull after its push brings
 * them back in step.
 */
import type { PullResponse } from '../core/sync/sync-protocol.ts';
import type { OffboardDatabase } from './offboard-database.ts';
import type { RosterStore } from './roster-store.ts';
import { SYNC_CURSOR_KEY } from './sync-state.ts';
import { writeUserBundles, type WrittenBundles } from './write-user-bundles.ts';

/** Users that operations waiting in the outbox touch (and, for imports, create). */
export async function usersWithPendingChanges(db: OffboardDatabase): Promise<Set<string>> {
  const ids = new Set<string>();
  await db.outbox
    .where('status')
    .equals('pending')
    .each((op) => {
      for (const id of op.userIds) ids.add(id);
      if (op.kind === 'deactivate' || op.kind === 'reactivate' || op.kind === 'delete') for (const move of op.args.reportMoves) ids.add(move.userId);
      for (const id of op.before?.createdUserIds ?? []) ids.add(id);
    });
  return ids;
}

export async function applyPulledPage(store: RosterStore, page: PullResponse, options: { isRosterEmpty: boolean }): Promise<WrittenBundles> {
  return store.write(async (tx) => {
    // Read in the page's own transaction: a change made while the pull ran is left alone too.
    const pendingUserIds = await usersWithPendingChanges(store.db);
    const bundles = pendingUserIds.size === 0 ? page.users : page.users.filter((b) => !pendingUserIds.has(b.id));
    const written = await writeUserBundles(tx, bundles, page.organization, { isRosterEmpty: options.isRosterEmpty });
    await tx.putMeta(SYNC_CURSOR_KEY, page.cursor);
    return written;
  });
}
