/**
 * The app's state objects and how they depend on each other, made in one place for the app and its
 * tests alike.
 */
import { LifecycleReview } from './lifecycle-review.svelte.ts';
import { RosterSession } from './roster-session.svelte.ts';
import type { RosterWorker } from './roster-worker-client.ts';
import { UserList } from './user-list.svelte.ts';
import { SettingsEditor } from './settings-editor.svelte.ts';
import { AuditLog } from './audit-log.svelte.ts';
import { SavedRules } from './saved-rules.svelte.ts';

export interface AppState {
  session: RosterSession;
  list: UserList;
  review: LifecycleReview;
  settings: SettingsEditor;
  audit: AuditLog;
  rules: SavedRules;
}

export function createAppState(worker: RosterWorker): AppState {
  const session = new RosterSession(worker);
  const list = new UserList(worker);
  // After a plan is applied the selection no longer means anything, and the list must re-read the roster.
  const review = new LifecycleReview(worker, () => {
    list.selection.clear();
    void session.changed();
  });
  return { session, list, review, settings: new SettingsEditor(worker, session), audit: new AuditLog(worker), rules: new SavedRules(worker) };
}
