/**
 * F3: a community admin can be neither deactivated nor deleted until the role passes to someone else.
 * The transfer is one transaction: the community's admins, the new admin's membership (an admin is a
 * member), the audit entry and the outbox operation, all or nothing.
 */
import type { Community } from '../core/roster-types.ts';
import { emptyBeforeImage, type OutboxOperation, type TransferCommunityAdminArgs } from '../core/outbox-operation.ts';
import { RefusedChangeError } from './database-errors.ts';
import { toUser, toStoredUser, type OffboardDatabase, type StoredUser } from './offboard-database.ts';

export interface AppliedTransfer {
  community: Community;
  /** The new admin as stored now (their membership may have been added). */
  newAdmin: StoredUser;
}

export async function transferCommunityAdmin(
  db: OffboardDatabase,
  transfer: TransferCommunityAdminArgs & { actorId: string; now: string; operationId: string },
): Promise<AppliedTransfer> {
  return db.transaction('rw', [db.communities, db.users, db.memberships, db.audit, db.outbox], async () => {
    const { communityId, fromUserId, toUserId } = transfer;
    const [community, newAdmin, membership] = await Promise.all([db.communities.get(communityId), db.users.get(toUserId), db.memberships.get([toUserId, communityId])]);
    if (!community) throw refuse(`Community ${communityId} does not exist.`);
    if (!community.adminIds.includes(fromUserId)) throw refuse(`${fromUserId} is not an admin of ${communityId}.`);
    if (!newAdmin) throw refuse(`User ${toUserId} does not exist.`);
    if (newAdmin.status !== 'active') throw refuse('The new admin must be an active user.');
    if (toUserId === fromUserId) throw refuse('Choose someone else as the new admin.');

    const updated: Community = { ...community, adminIds: [...community.adminIds.filter((id) => id !== fromUserId && id !== toUserId), toUserId] };
    let stored = newAdmin;
    if (!newAdmin.communityIds.includes(communityId)) {
      await db.memberships.put({ userId: toUserId, communityId, joinedAt: transfer.now });
      stored = toStoredUser(toUser(newAdmin), {
        communityIds: [...newAdmin.communityIds, communityId].sort(),
        licenses: newAdmin.licenses,
        counts: newAdmin.counts,
      });
      await db.users.put(stored);
    }
    await db.communities.put(updated);
    await db.audit.add({
      at: transfer.now,
      actorId: transfer.actorId,
      action: 'transfer_community_admin',
      targetId: fromUserId,
      batchId: transfer.operationId,
      ruleId: 'F3',
      summary: `Admin role of ${communityId} transferred from ${fromUserId} to ${toUserId}.`,
    });
    const operation: OutboxOperation = {
      id: transfer.operationId,
      kind: 'transfer_community_admin',
      args: { communityId, fromUserId, toUserId },
      planId: transfer.operationId,
      batchIndex: 0,
      batchCount: 1,
      actorId: transfer.actorId,
      userIds: [fromUserId, toUserId],
      reportMoves: [],
      createdAt: transfer.now,
      status: 'pending',
      // The membership as it was (none: the transfer added it), so a refused transfer can be put back.
      before: { ...emptyBeforeImage(), communities: [community], users: [toUser(newAdmin)], memberships: membership ? [membership] : [] },
    };
    await db.outbox.add(operation);
    return { community: updated, newAdmin: stored };
  });
}

function refuse(message: string): RefusedChangeError {
  return new RefusedChangeError('transfer_refused', message);
}
