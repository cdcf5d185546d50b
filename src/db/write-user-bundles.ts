/**
 * Puts users as the server holds them onto the device: each bundle replaces everything of its user (the
 * user, their records, the summary derived from them), a tombstone removes the user. Runs inside the
 * caller's transaction (`store.write`), which decides what goes with it (the pull cursor, a push's
 * outcome), so that either all of it is written or none.
 */
import type { OrganizationState } from '../core/sync/sync-protocol.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import type { StoredUser } from '../core/stored-user.ts';
import type { RosterTransaction } from './roster-store.ts';

export interface WrittenBundles {
  /** Users as stored now. */
  changed: StoredUser[];
  deletedIds: string[];
  isOrganizationChanged: boolean;
}

/**
 * `isRosterEmpty`: the device holds no users (a first pull), so nothing is read first; the records are
 * only added, which is what makes a first pull of 100,000 users cost about one write each.
 */
export async function writeUserBundles(
  tx: RosterTransaction,
  bundles: readonly UserBundle[],
  organization: OrganizationState | null,
  options: { isRosterEmpty?: boolean } = {},
): Promise<WrittenBundles> {
  if (organization) await tx.replaceOrganization(organization);
  if (bundles.length === 0) return { changed: [], deletedIds: [], isOrganizationChanged: organization !== null };
  // The device remembers the revision it last saw each user at: the one the server sent.
  const asSeen = bundles.map((b) => (b.user && !b.deleted ? { ...b, user: { ...b.user, revision: b.revision } } : b));
  const created = options.isRosterEmpty ? asSeen.filter((b) => b.user && !b.deleted).map((b) => b.id) : [];
  const committed = await tx.commit({ bundles: asSeen, createdIds: created });
  // A tombstone of a user the device never held deletes nothing, but is still gone.
  const deletedIds = [...new Set([...committed.deletedIds, ...bundles.filter((b) => b.deleted || !b.user).map((b) => b.id)])];
  return { changed: committed.changed, deletedIds, isOrganizationChanged: organization !== null };
}
