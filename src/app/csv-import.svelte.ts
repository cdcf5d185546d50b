/**
 * The import flow on the page: choose files, review how each reads and maps, check every row (nothing is
 * written), look at the preview, then import with progress. A bulk-action file (F6) ends in a plan
 * review instead; a change via upload (A13) ends with the A16 notice, and a system notification when the
 * admin allowed them.
 */
import { proxy } from 'comlink';
import type { ColumnMapping, ImportKind, ValueAnswers } from '../core/csv/column-mapping.ts';
import type { BulkAction } from '../core/csv/check-import.ts';
import type { ImportCheckView, ImportFileView, ImportProgress, ImportResult, PendingImportView } from '../../workers/roster-api.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import { downloadBlob } from './report-exports.svelte.ts';
import type { RosterWorker } from './roster-worker-client.ts';

export type ImportPhase = 'idle' | 'inspecting' | 'ready' | 'checking' | 'checked' | 'writing' | 'done';

export interface FileChoice {
  view: ImportFileView;
  mapping: ColumnMapping | null;
  remember: boolean;
  /** The fields this file's kind may map to. */
  targets: string[];
  /** A remembered mapping is used only once the admin has seen and confirmed it. */
  isConfirmed: boolean;
  /** The admin's answers for values Offboard does not know; kept when the columns' mapping is changed. */
  values: ValueAnswers;
}

export class CsvImport {
  phase = $state<ImportPhase>('idle');
  files = $state<FileChoice[]>([]);
  progress = $state.raw<ImportProgress | null>(null);
  check = $state.raw<ImportCheckView | null>(null);
  result = $state.raw<ImportResult | null>(null);
  error = $state.raw<ErrorMessage | null>(null);
  pending = $state.raw<PendingImportView | null>(null);
  /** What the last discard undid. */
  discardedNotice = $state<string | null>(null);
  /** On an empty device: which imported user the admin is. */
  adminEmail = $state('');
  /** A16: the admin asked for a system notification when an upload is processed. */
  wantsNotification = $state(false);
  private readId: string | null = null;

  constructor(
    private readonly worker: RosterWorker,
    /** Called once an import has changed the roster, even partly. */
    private readonly onImported: () => Promise<void> | void,
    /** F6: a bulk-action file opens the plan review with exactly these users. */
    private readonly onBulkAction: (action: BulkAction, userIds: string[]) => void,
  ) {}

  get isBusy(): boolean {
    return this.phase === 'inspecting' || this.phase === 'checking' || this.phase === 'writing';
  }

  /** Files that still need the admin's mapping, or their confirmation of a remembered one, before they can be checked. */
  get unmapped(): FileChoice[] {
    return this.files.filter((f) => f.view.problem === null && (f.mapping === null || !f.isConfirmed));
  }

  get readable(): FileChoice[] {
    return this.files.filter((f) => f.view.problem === null);
  }

  async refreshPending(): Promise<void> {
    try {
      this.pending = await this.worker.pendingImport();
    } catch {
      this.pending = null;
    }
  }

  async choose(files: File[]): Promise<void> {
    if (files.length === 0) return;
    this.reset();
    this.phase = 'inspecting';
    try {
      const views = await this.worker.inspectImportFiles(files);
      this.files = await Promise.all(
        views.map(async (view) => ({
          view,
          mapping: view.mapping,
          remember: false,
          targets: await this.worker.importTargets((view.mapping ?? view.guess).kind),
          isConfirmed: !view.isRemembered,
          values: view.mapping?.values ?? {},
        })),
      );
    } catch (error) {
      this.error = describeError(error);
    }
    this.phase = 'ready';
  }

  /** Opens the mapping step for a file, starting from the proposed mapping. */
  editMapping(fileId: string): void {
    const choice = this.files.find((f) => f.view.fileId === fileId);
    if (choice) choice.mapping = null;
  }

  async useMapping(fileId: string, mapping: ColumnMapping, remember: boolean): Promise<void> {
    const choice = this.files.find((f) => f.view.fileId === fileId);
    if (!choice) return;
    choice.mapping = mapping;
    choice.remember = remember;
    choice.isConfirmed = true;
    choice.targets = await this.worker.importTargets(mapping.kind);
  }

  /** The admin has seen the remembered mapping and uses it. */
  confirmMapping(fileId: string): void {
    const choice = this.files.find((f) => f.view.fileId === fileId);
    if (choice) choice.isConfirmed = true;
  }

  /**
   * The admin's answers for values Offboard did not know: each value means an allowed one, or its rows
   * are rejected. The files are checked again with them; remembered for files of the same shape if asked.
   */
  async answerValues(fileId: string, answers: ValueAnswers, remember: boolean): Promise<void> {
    const choice = this.files.find((f) => f.view.fileId === fileId);
    if (!choice?.mapping || this.isBusy) return;
    for (const [target, byValue] of Object.entries(answers)) choice.values[target] = { ...choice.values[target], ...byValue };
    choice.remember = remember;
    await this.runCheck();
  }

  async targetsOf(kind: ImportKind): Promise<string[]> {
    return this.worker.importTargets(kind);
  }

  async runCheck(): Promise<void> {
    const choices = this.readable
      .filter((f) => f.mapping !== null)
      .map((f) => ({ fileId: f.view.fileId, mapping: { ...$state.snapshot(f.mapping)!, values: $state.snapshot(f.values) }, remember: f.remember }));
    if (choices.length === 0) return;
    this.phase = 'checking';
    this.error = null;
    this.check = null;
    this.progress = null;
    this.readId = crypto.randomUUID();
    try {
      const check = await this.worker.checkImport(this.readId, choices, proxy((p: ImportProgress) => (this.progress = p)));
      this.check = check.isCancelled ? null : check;
      this.phase = check.isCancelled ? 'ready' : 'checked';
    } catch (error) {
      this.error = describeError(error);
      this.phase = 'ready';
    }
    this.readId = null;
  }

  cancel(): void {
    if (this.readId) void this.worker.cancelCsvRead(this.readId);
  }

  async downloadRejected(fileId: string): Promise<void> {
    const check = this.check;
    const file = check?.files.find((f) => f.fileId === fileId);
    if (!check || !file) return;
    try {
      const blob = await this.worker.rejectedRowsCsv(check.importId, fileId);
      downloadBlob(blob, file.fileName.replace(/(\.[^.]*)?$/, '-rejected.csv'));
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async write(): Promise<void> {
    const check = this.check;
    if (!check || this.phase !== 'checked') return;
    if (this.wantsNotification && typeof Notification !== 'undefined' && Notification.permission === 'default') {
      await Notification.requestPermission().catch(() => 'denied');
    }
    this.phase = 'writing';
    this.error = null;
    this.progress = null;
    this.readId = crypto.randomUUID();
    try {
      this.result = await this.worker.writeImport(this.readId, check.importId, { adminEmail: this.adminEmail.trim() || undefined }, proxy((p: ImportProgress) => (this.progress = p)));
      this.phase = 'done';
      this.notify(this.result.notice);
      await this.onImported();
    } catch (error) {
      this.error = describeError(error);
      this.phase = 'checked';
    }
    this.readId = null;
    await this.refreshPending();
  }

  async resume(): Promise<void> {
    this.phase = 'writing';
    this.error = null;
    this.readId = crypto.randomUUID();
    try {
      this.result = await this.worker.resumeImport(this.readId, proxy((p: ImportProgress) => (this.progress = p)));
      this.phase = 'done';
      await this.onImported();
    } catch (error) {
      this.error = describeError(error);
      this.phase = 'idle';
    }
    this.readId = null;
    await this.refreshPending();
  }

  /** Undoes what the interrupted import wrote. */
  async discardPending(): Promise<void> {
    this.phase = 'writing';
    this.error = null;
    try {
      const { chunksUndone } = await this.worker.discardPendingImport();
      this.discardedNotice = `The interrupted import was discarded: ${chunksUndone} written chunks undone. The roster is as it was before it.`;
      await this.onImported();
    } catch (error) {
      this.error = describeError(error);
    }
    this.phase = 'idle';
    await this.refreshPending();
  }

  /** F6: opens the plan review for the users a bulk-action file names. */
  planBulkAction(action: BulkAction, userIds: string[]): void {
    this.onBulkAction(action, userIds);
  }

  reset(): void {
    if (this.isBusy) return;
    this.phase = 'idle';
    this.files = [];
    this.check = null;
    this.result = null;
    this.error = null;
    this.progress = null;
  }

  /** A16: a system notification too, when the admin allowed them; the in-app notice is always there. */
  private notify(text: string): void {
    if (!this.wantsNotification || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    try {
      new Notification('Offboard', { body: text, tag: 'offboard-import' });
    } catch {
      // Some browsers allow notifications only from a service worker: the in-app notice says it anyway.
    }
  }
}
