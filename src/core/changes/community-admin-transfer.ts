/**
 * F3: a community admin can be neither deactivated nor deleted until the role passes to someone else. The
 * transfer replaces the community's admins and makes the new admin a member (an admin is a member).
 */
import type { Community } from '../roster-types.ts';
import { emptyOutcome, type ChangeContext, type ChangeOutcome } from './change-outcome.ts';
import type { TransferCommunityAdminArgs } from './operation.ts';

export function transferCommunityAdminChange(context: ChangeContext, args: TransferCommunityAdminArgs): ChangeOutcome {
  const outcome = emptyOutcome();
  const { communityId, fromUserId, toUserId } = args;
  const community = context.organization.communities.find((c) => c.id === communityId);
  if (!community) {
    outcome.refusals.push({ userId: fromUserId, code: 'not_found', rule: 'F3', message: `Community ${communityId} does not exist.` });
    return outcome;
  }
  if (toUserId === fromUserId) {
    outcome.refusals.push({ userId: toUserId, code: 'invalid_operation', rule: 'F3', message: 'The new admin must be someone other than the current one.' });
    return outcome;
  }
  if (!community.adminIds.includes(fromUserId)) {
    // Made already (a replay, or the same transfer from another device): nothing left to do.
    if (community.adminIds.includes(toUserId)) outcome.unchanged.push(fromUserId, toUserId);
    else outcome.refusals.push({ userId: fromUserId, code: 'not_admin', rule: 'F3', message: `${fromUserId} is no longer an admin of ${communityId}.` });
    return outcome;
  }
  const newAdmin = context.bundleOf(toUserId);
  if (!newAdmin?.user || newAdmin.user.status !== 'active') {
    outcome.refusals.push({ userId: toUserId, code: 'not_active', rule: 'F3', message: `The new admin ${toUserId} is not an active user.` });
    return outcome;
  }
  const updated: Community = { ...community, adminIds: [...community.adminIds.filter((id) => id !== fromUserId && id !== toUserId), toUserId] };
  outcome.organization = { communities: context.organization.communities.map((c) => (c.id === communityId ? updated : c)) };
  const isMember = newAdmin.memberships.some((m) => m.communityId === communityId);
  outcome.changed.set(toUserId, isMember ? newAdmin : { ...newAdmin, memberships: [...newAdmin.memberships, { userId: toUserId, communityId, joinedAt: context.now }] });
  // Both users' roles changed: the server gives both bundles a new revision, so a device that saw them
  // before can tell (Rejection.changedSinceSeen).
  const oldAdmin = context.bundleOf(fromUserId);
  if (oldAdmin) outcome.changed.set(fromUserId, oldAdmin);
  outcome.audit.push({ action: 'transfer_community_admin', targetId: fromUserId, ruleId: 'F3', summary: `Admin role of ${communityId} transferred from ${fromUserId} to ${toUserId}.` });
  return outcome;
}
