/**
 * Puts users as the server holds them onto the device: each bundle replaces everything of its user (the
 * user, their records, the summary derived from them), a tombstone removes the user. Runs inside the
 * caller's transaction (`store.write`), which decides what goes with it (the pull cursor, a push's
 * outcome), so that either all of it is written or none.
 */
import type { OrganizationState } from '../core/sync/sync-protocol.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';
import { storedUsersOf, type StoredUser } from '../core/stored-user.ts';
import type { EncodedUsers } from './blocks/roster-blocks.ts';
import type { BlockHead } from '../core/blocks/user-block.ts';
import type { RosterStore, RosterTransaction } from './roster-store.ts';

export interface WrittenBundles {
  /** Users as stored now. */
  changed: StoredUser[];
  deletedIds: string[];
  isOrganizationChanged: boolean;
  /**
   * Where the users were written as new blocks encoded ahead (a first pull's page): those blocks, their
   * heads holding the same users in id order, for a reader that keeps columns to take as they are.
   */
  appendedBlocks?: { id: number; head: BlockHead }[];
}

/**
 * Bundles a first pull brings to an empty device, as new users encoded in blocks ahead of the
 * transaction that writes them (`prepareNewUsers`), their summaries worked out with `globalId`.
 */
export interface PreparedBundles {
  /** The bundles given, as given: what they were prepared from. */
  of: readonly UserBundle[];
  globalId: string | null;
  encoded: EncodedUsers;
}

/**
 * Works out the users as stored and encodes the blocks that `writeUserBundles` would write for these
 * bundles on a device that holds nobody before them: no database work, so it can run while an earlier
 * page's transaction commits. Null when they cannot be written that way (ids given twice).
 */
export function prepareNewUsers(store: RosterStore, bundles: readonly UserBundle[], globalId: string | null): PreparedBundles | null {
  const live = asSeen(bundles.filter((b) => b.user && !b.deleted)).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (live.length === 0) return null;
  for (let i = 1; i < live.length; i++) if (!(live[i - 1]!.id < live[i]!.id)) return null;
  const encoded = store.encodeNewUsers(storedUsersOf(live, globalId), live);
  return encoded && { of: bundles, globalId, encoded };
}

/**
 * `isRosterEmpty`: the device holds no users (a first pull), so nothing is read first; the records are
 * only added, which is what makes a first pull of 100,000 users cost about one write each. `prepared`:
 * the same bundles encoded ahead, written as they are where they still fit (everyone after those stored,
 * the same global community), else ignored.
 */
export async function writeUserBundles(
  tx: RosterTransaction,
  bundles: readonly UserBundle[],
  organization: OrganizationState | null,
  options: { isRosterEmpty?: boolean; prepared?: PreparedBundles | null } = {},
): Promise<WrittenBundles> {
  if (organization) await tx.replaceOrganization(organization);
  if (bundles.length === 0) return { changed: [], deletedIds: [], isOrganizationChanged: organization !== null };
  // A tombstone of a user the device never held deletes nothing, but is still gone.
  const tombstoneIds = bundles.filter((b) => b.deleted || !b.user).map((b) => b.id);
  const { prepared } = options;
  if (options.isRosterEmpty && prepared && prepared.of === bundles) {
    const appended = await tx.appendEncoded(prepared.encoded, prepared.globalId);
    if (appended) return { changed: appended.changed, deletedIds: tombstoneIds, isOrganizationChanged: organization !== null, appendedBlocks: appended.blockIds.map((id, i) => ({ id, head: prepared.encoded.pieces[i]!.head })) };
  }
  const created = options.isRosterEmpty ? bundles.filter((b) => b.user && !b.deleted).map((b) => b.id) : [];
  const committed = await tx.commit({ bundles: asSeen(bundles), createdIds: created });
  const deletedIds = [...new Set([...committed.deletedIds, ...tombstoneIds])];
  return { changed: committed.changed, deletedIds, isOrganizationChanged: organization !== null };
}

/** The device remembers the revision it last saw each user at: the one the server sent. */
function asSeen(bundles: readonly UserBundle[]): UserBundle[] {
  return bundles.map((b) => (b.user && !b.deleted ? { ...b, user: { ...b.user, revision: b.revision } } : b));
}
