/**
 * Report exports on the page: asks the worker for a report, hands the file to the browser as a download,
 * and says what was written (or why not) through the app's one error funnel. One export at a time: a
 * second click while one is written would only queue behind it in the worker.
 */
import { proxy } from 'comlink';
import { effectivePolicy } from '../core/lifecycle-policy.ts';
import { reportsExcludeInactive } from '../core/csv/report-kinds.ts';
import { plural } from '../core/plural.ts';
import type { EveryReportFile, ExportProgress, ReportFile, ReportRequest } from '../../workers/roster-api.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import type { RosterSession } from './roster-session.svelte.ts';
import type { RosterWorker } from './roster-worker-client.ts';

/** How long a download's object URL lives: the browser has read the Blob long before. */
const OBJECT_URL_LIFETIME_MS = 60_000;

/** Saves a Blob under a file name, as the browser's own download. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS);
}

/** The screen an export was asked from: its progress and outcome are said there, not on the next screen. */
export type ExportPlace = 'users' | 'audit' | 'plan';

export class ReportExports {
  /** Where the current or last export was asked from. */
  place = $state<ExportPlace>('users');
  /** What is being exported, said while it is; null when idle. */
  busy = $state<string | null>(null);
  progress = $state.raw<ExportProgress | null>(null);
  /** What the last export wrote. */
  notice = $state<string | null>(null);
  error = $state.raw<ErrorMessage | null>(null);

  constructor(
    private readonly worker: RosterWorker,
    private readonly session: RosterSession,
    /** Called once a report snapshot was recorded (A17): a plan on screen should be built again. */
    private readonly onSnapshotRecorded: () => Promise<void> | void = () => undefined,
    private readonly download: (blob: Blob, fileName: string) => void = downloadBlob,
  ) {}

  get isBusy(): boolean {
    return this.busy !== null;
  }

  /** A4: whether the organization's reports leave inactive users out, for the screens to say so. */
  get excludesInactive(): boolean {
    const organization = this.session.summary?.organization;
    return organization ? reportsExcludeInactive(effectivePolicy(organization)) : false;
  }

  /** One report; `label` names it while it is written ("Users (all)"). */
  exportReport(request: ReportRequest, label: string, place: ExportPlace): Promise<boolean> {
    return this.run(place, label, async () => this.saved(await this.worker.exportReport(request)));
  }

  /** A5/A17: every report type, unfiltered, as one zip; records the snapshot that covers its users. */
  exportEveryReport(place: ExportPlace): Promise<boolean> {
    return this.run(place, 'Every report', async () => {
      const file: EveryReportFile = await this.worker.exportEveryReport(proxy((p: ExportProgress) => (this.progress = p)));
      this.saved(file, ` in ${plural(file.entries.length, 'file')}; a report snapshot now covers ${plural(file.snapshot.userCount, 'user')} (A17)`);
      await this.onSnapshotRecorded();
    });
  }

  /** The plan on screen, or its result once applied. */
  exportPlan(planId: string): Promise<boolean> {
    return this.run('plan', 'The plan', async () => this.saved(await this.worker.exportPlanResult(planId)));
  }

  dismiss(): void {
    this.notice = null;
    this.error = null;
  }

  /** The screen `place` was left (or moved on, a plan applied): what was said there is over. */
  forget(place: ExportPlace): void {
    if (this.place === place && this.busy === null) this.dismiss();
  }

  private saved(file: ReportFile, more = ''): void {
    // A User Timing mark once the file is ready: the benchmarks (and devtools) time exports by it.
    performance.mark('offboard:export-ready', { detail: { fileName: file.fileName, rowCount: file.rowCount } });
    this.download(file.blob, file.fileName);
    const leftOut = file.excludesInactive ? ' Inactive users and their records are left out (A4).' : '';
    this.notice = `Saved ${file.fileName}: ${plural(file.rowCount, 'row')}${more}.${leftOut}`;
  }

  private async run(place: ExportPlace, label: string, work: () => Promise<void>): Promise<boolean> {
    if (this.busy !== null) return false;
    this.place = place;
    this.busy = label;
    this.progress = null;
    this.notice = null;
    this.error = null;
    try {
      await work();
      return true;
    } catch (error) {
      this.error = describeError(error);
      return false;
    } finally {
      this.busy = null;
      this.progress = null;
    }
  }
}
