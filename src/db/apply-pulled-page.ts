/**
 * One page of a pull, written with the cursor that follows it in one transaction: a tab closed midway
 * pulls the page again, never skips it. Users an operation still waiting in the outbox touches are left
 * as the device has them: the server has not seen that change yet, and the pull after its push brings
 * them back in step.
 */
import type { ImportArgs } from '../core/outbox-operation.ts';
import type { PullResponse } from '../core/sync/sync-protocol.ts';
import type { OffboardDatabase } from './offboard-database.ts';
import { SYNC_CURSOR_KEY } from './sync-state.ts';
import { syncWriteTables, writeUserBundles, type WrittenBundles } from './write-user-bundles.ts';

/** Users that operations waiting in the outbox touch. */
export async function usersWithPendingChanges(db: OffboardDatabase): Promise<Set<string>> {
  const ids = new Set<string>();
  await db.outbox
    .where('status')
    .equals('pending')
    .each((op) => {
      for (const id of op.userIds) ids.add(id);
      for (const move of op.reportMoves) ids.add(move.userId);
      if (op.kind === 'import') for (const id of (op.args as ImportArgs).createdUserIds ?? []) ids.add(id);
    });
  return ids;
}

export async function applyPulledPage(
  db: OffboardDatabase,
  page: PullResponse,
  options: { isRosterEmpty: boolean; pendingUserIds: ReadonlySet<string> },
): Promise<WrittenBundles> {
  return db.transaction('rw', syncWriteTables(db), async () => {
    const bundles = options.pendingUserIds.size === 0 ? page.users : page.users.filter((b) => !options.pendingUserIds.has(b.id));
    const written = await writeUserBundles(db, bundles, page.organization, { isRosterEmpty: options.isRosterEmpty });
    await db.meta.put({ key: SYNC_CURSOR_KEY, value: page.cursor });
    return written;
  });
}
