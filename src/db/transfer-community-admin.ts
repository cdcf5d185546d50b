/**
 * F3: a community admin can be neither deactivated nor deleted until the role passes to someone else.
 * The transfer (src/core/changes/community-admin-transfer.ts) is one transaction: the community's admins,
 * the new admin's membership (an admin is a member), the audit entry and the outbox operation.
 */
import type { TransferCommunityAdminArgs } from '../core/changes/operation.ts';
import type { Community } from '../core/roster-types.ts';
import type { StoredUser } from '../core/stored-user.ts';
import { commitLocalChange, type RosterLookup } from './commit-local-change.ts';
import type { RosterStore } from './roster-store.ts';

export interface AppliedTransfer {
  community: Community;
  /** Both users as stored now (the new admin's membership may have been added). */
  changed: StoredUser[];
}

export async function transferCommunityAdmin(
  store: RosterStore,
  transfer: TransferCommunityAdminArgs & { actorId: string; now: string; operationId: string },
  lookup: RosterLookup,
): Promise<AppliedTransfer> {
  const { communityId, fromUserId, toUserId } = transfer;
  return store.write(async (tx) => {
    const committed = await commitLocalChange(tx, {
      operation: {
        id: transfer.operationId,
        actorId: transfer.actorId,
        createdAt: transfer.now,
        planId: transfer.operationId,
        batchIndex: 0,
        batchCount: 1,
        userIds: [fromUserId, toUserId],
        kind: 'transfer_community_admin',
        args: { communityId, fromUserId, toUserId },
      },
      lookup,
    });
    const community = committed.outcome.organization!.communities!.find((c) => c.id === communityId)!;
    return { community, changed: committed.changed };
  });
}
