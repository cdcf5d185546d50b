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
import { SyncStatus, type SyncStatusOptions } from './sync-status.svelte.ts';
import { ServerSignIn } from './server-sign-in.svelte.ts';

export interface AppState {
  session: RosterSession;
  list: UserList;
  review: LifecycleReview;
  settings: SettingsEditor;
  audit: AuditLog;
  rules: SavedRules;
  exports: ReportExports;
  importer: CsvImport;
  sync: SyncStatus;
  serverSignIn: ServerSignIn;
}

/** `syncOptions` lets a test drive the sync scheduler's clock and network. */
export function createAppState(worker: RosterWorker, syncOptions: SyncStatusOptions = {}): AppState {
  const session = new RosterSession(worker);
  const list = new UserList(worker);
  // A sync or another tab changed the roster: the summary is read again, and with it the list.
  const sync = new SyncStatus(
    worker,
    () => session.changed(),
    (action, selection) => {
      currentRoute.go('users');
      void review.start(action, selection);
    },
    syncOptions,
  );
  // After a plan is applied the selection no longer means anything, and the list must re-read the roster.
  // The change waits in the outbox: it is sent soon.
  const review = new LifecycleReview(
    worker,
    () => {
      list.selection.clear();
      void session.changed();
      sync.noteLocalChange();
      if (review.phase === 'done') void sync.planApplied(review.plannedSelection, review.result);
    },
    // The result replaces the review: a notice about the plan's export ("Saved …") no longer applies.
    () => exports.forget('plan'),
  );
  // A17: a new report snapshot changes the A5 warning of the plan on screen, so it is built again.
  const exports = new ReportExports(worker, session, () => review.replan());
  const importer = new CsvImport(
    worker,
    async () => {
      list.selection.clear();
      sync.noteLocalChange();
      await session.changed();
    },
    // F6: a bulk-action file opens the plan review with exactly the users it names.
    (action, userIds) => {
      currentRoute.go('users');
      void review.start(action, { kind: 'ids', ids: userIds });
    },
  );
  const settings = new SettingsEditor(worker, session);
  return {
    session,
    list,
    review,
    settings,
    audit: new AuditLog(worker),
    rules: new SavedRules(worker),
    exports,
    importer,
    sync,
    // A sign-in may replace the roster: a selection or an open user from before means nothing now.
    serverSignIn: new ServerSignIn(sync, session, () => {
      settings.reset();
      list.selection.clear();
      list.closeDetail();
    }),
  };
}
