/**
 * Every code an error of Offboard's own can carry across the worker boundary: the worker and the
 * database raise them (src/core/coded-error.ts), the page turns each into words for the admin
 * (src/app/describe-error.ts), and a test holds every one of them to having its own words.
 */
export const ERROR_CODES = [
  // The roster and its plans.
  'roster_not_open',
  'roster_not_empty',
  'plan_expired',
  'plan_blocked',
  'stale_plan',
  'permission_denied',
  'signed_in_to_server',
  // Changes the roster refuses as asked.
  'transfer_refused',
  'reassign_refused',
  'certificate_refused',
  'settings_refused',
  'rule_refused',
  // Imports.
  'import_expired',
  'import_not_pending',
  'import_already_sent',
  'import_chunk_done',
  'import_refused',
  'import_stopped',
  'import_failed',
  'import_needs_users',
  'import_needs_admin',
  'import_admin_unknown',
  'csv_read_id_in_use',
  // Exports.
  'export_failed',
  // Sync and signing in to a server.
  'offline',
  'timeout',
  'server_error',
  'bad_response',
  'unauthorized',
  'forbidden',
  'not_signed_in',
  'protocol_mismatch',
  'csp_blocked',
  'bad_url',
  'bad_token',
  'replace_needed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
