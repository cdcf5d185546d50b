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
