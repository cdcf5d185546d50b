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
import { ReportExports } from './report-exports.svelte.ts';
import { CsvImport } from './csv-import.svelte.ts';
import { currentRoute } from './current-route.svelte.ts';

export interface AppState {
  session: RosterSession;
  list: UserList;
  review: LifecycleReview;
  settings: SettingsEditor;
  audit: AuditLog;
  rules: SavedRules;
  exports: ReportExports;
  importer: CsvImport;
}

export function createAppState(worker: RosterWorker): AppState {
  const session = new RosterSession(worker);
  const list = new UserList(worker);
  // After a plan is applied the selection no longer means anything, and the list must re-read the roster.
  const review = new LifecycleReview(worker, () => {
    list.selection.clear();
    void session.changed();
  });
  // A17: a new report snapshot changes the A5 warning of the plan on screen, so it is built again.
  const exports = new ReportExports(worker, session, () => review.replan());
  const importer = new CsvImport(
    worker,
    async () => {
      list.selection.clear();
      await session.changed();
    },
    // F6: a bulk-action file opens the plan review with exactly the users it names.
    (action, userIds) => {
      currentRoute.go('users');
      void review.start(action, { kind: 'ids', ids: userIds });
    },
  );
  return { session, list, review, settings: new SettingsEditor(worker, session), audit: new AuditLog(worker), rules: new SavedRules(worker), exports, importer };
}
