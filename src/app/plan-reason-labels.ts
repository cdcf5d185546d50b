/** The plan's reasons for leaving users out, as the review's counts name them. */
import type { PlanReasonCode } from '../core/build-lifecycle-plan.ts';

export const PLAN_REASON_LABELS: Record<PlanReasonCode, string> = {
  unknown_user: 'Not on this roster',
  already_inactive: 'Already inactive',
  already_active: 'Already active',
  self: 'The signed-in admin themself',
  last_user_manager: 'The last active holder of manage_users',
  community_admin: 'Community admins',
  no_report_snapshot: 'No report snapshot covers them',
  no_free_seat: 'No free platform seat',
  ela_pool_full: 'The ELA pool has no room',
};
