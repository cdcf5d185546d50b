/**
 * The one way Offboard's own errors are made: an Error with a `code` from the union of error codes and,
 * for the codes whose words depend on the case, typed details (ids, names, reason codes; never words).
 * The page turns code and details into words (src/app/describe-error.ts); `message` says what happened
 * for logs and developers only.
 */
import type { OperationKind } from './changes/operation.ts';
import type { ErrorCode } from './error-codes.ts';
import type { RuleProblem } from './selection-rule.ts';
import type { RejectionCode } from './sync/sync-protocol.ts';

/** Why the device refused a change as asked: the core's refusal, or a reason of the device's own. */
export type RefusalReason = RejectionCode | 'certificate_exists' | 'bulk_action_file';

export interface RefusalDetails {
  operation: OperationKind | 'import';
  reason: RefusalReason;
  /** The DOMAIN.md rule, where one applies. */
  rule: string | null;
  /** The user refused; null when the whole change was. */
  userId: string | null;
  /** What else the refusal is about, as ids: the community, the course, the email taken, the manager missing. */
  communityId?: string;
  courseId?: string;
  email?: string;
  managerId?: string;
  /** Display names of the ids above that the change read (users, communities). */
  names: Record<string, string>;
}

/** What an admin was about to do without the permission for it (A1). */
export type PermissionAction = 'transfer_community_admin' | 'reassign_assignments' | 'issue_certificate' | 'change_settings' | 'import_users' | 'export_reports';

export interface ErrorDetailsOf {
  transfer_refused: RefusalDetails;
  reassign_refused: RefusalDetails;
  certificate_refused: RefusalDetails;
  import_refused: RefusalDetails;
  settings_refused: { reason: 'no_organization' } | { reason: 'not_admin'; adminId: string };
  rule_refused: { problem: RuleProblem };
  permission_denied: { permission: 'manage_users' | 'reports'; action: PermissionAction };
  import_admin_unknown: { email: string };
}

export type CodedError<C extends ErrorCode = ErrorCode> = Error & { code: C; details?: C extends keyof ErrorDetailsOf ? ErrorDetailsOf[C] : never };

/** Codes with details take them; the others take none. */
export function codedError<C extends ErrorCode>(code: C, message: string, ...details: C extends keyof ErrorDetailsOf ? [ErrorDetailsOf[C]] : []): CodedError<C> {
  const error = Object.assign(new Error(message), { code }) as CodedError<C>;
  if (details.length > 0) (error as { details?: unknown }).details = details[0];
  return error;
}
