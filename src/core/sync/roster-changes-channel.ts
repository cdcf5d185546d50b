/**
 * The BroadcastChannel on which every tab's worker says what it wrote to one database, and which the
 * pages listen on too. Named after the database: two databases on one origin (tests, a second roster)
 * never hear each other. Here, in the core, so the page can name it without loading the worker's code.
 */

/** The database the app itself uses. */
export const APP_DATABASE_NAME = 'offboard';

export function rosterChangesChannelName(databaseName: string): string {
  return `offboard-roster-changes:${databaseName}`;
}
