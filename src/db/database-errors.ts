/**
 * Unexpected database failures, as small Error classes with a `code`. `describeDatabaseError` in
 * src/app turns codes (and the browser's own DOMException names) into words for the admin.
 */

export class RosterNotEmptyError extends Error {
  readonly code = 'roster_not_empty';
  constructor() {
    super('The roster already holds users; clear it before loading another organization.');
    this.name = 'RosterNotEmptyError';
  }
}

/** The roster changed between building a plan and applying it: the plan must be built again. */
export class StalePlanError extends Error {
  readonly code = 'stale_plan';
  constructor(detail: string) {
    super(`${detail} The roster changed since the plan was built; review the plan again.`);
    this.name = 'StalePlanError';
  }
}

export type RefusalCode = 'transfer_refused' | 'reassign_refused' | 'certificate_refused' | 'settings_refused' | 'rule_refused' | 'import_not_pending' | 'import_already_sent';

/** A change the roster does not allow as asked; the message says why, and nothing was written. */
export class RefusedChangeError extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedChangeError';
  }
}
