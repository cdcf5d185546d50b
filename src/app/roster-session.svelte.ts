/**
 * Which state the roster on this device is in (opening, empty, loading, ready) and the actions that
 * move between them. One instance serves the app; tests make their own with a throwaway worker.
 */
import type { LoadMarker } from '../db/write-roster-in-chunks.ts';
import type { LoadProgress, RosterSummary } from '../../workers/roster-api.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import { progressCallback, type RosterWorker } from './roster-worker-client.ts';

export type RosterPhase = 'opening' | 'empty' | 'loading' | 'ready' | 'failed';

export class RosterSession {
  phase = $state<RosterPhase>('opening');
  progress = $state<LoadProgress | null>(null);
  summary = $state<RosterSummary | null>(null);
  error = $state<ErrorMessage | null>(null);
  /** Set when a load was interrupted last time and has been discarded. */
  discardedLoad = $state<LoadMarker | null>(null);
  /** Bumped whenever the roster's content changes, so lists re-query. */
  revision = $state(0);

  constructor(readonly worker: RosterWorker) {}

  async open(): Promise<void> {
    this.phase = 'opening';
    this.error = null;
    try {
      const result = await this.worker.open(progressCallback((p) => (this.progress = p)));
      this.discardedLoad = result.discardedLoad;
      this.settle(result.summary);
    } catch (error) {
      this.fail(error);
    }
  }

  async loadDemo(size: number): Promise<void> {
    this.phase = 'loading';
    this.error = null;
    this.discardedLoad = null;
    this.progress = { phase: 'writing', done: 0, total: size };
    try {
      this.settle(await this.worker.loadDemo(size, progressCallback((p) => (this.progress = p))));
    } catch (error) {
      // A failed load leaves a marker; opening again discards the partial data.
      this.fail(error);
      await this.worker.open().then((r) => this.settle(r.summary)).catch(() => undefined);
    }
  }

  /** Re-reads the summary after the roster changed in the worker (a plan was applied). */
  async changed(): Promise<void> {
    try {
      this.settle(await this.worker.summary());
    } catch (error) {
      this.fail(error);
    }
  }

  async clear(): Promise<void> {
    try {
      await this.worker.clear();
      this.settle(await this.worker.summary());
    } catch (error) {
      this.fail(error);
    }
  }

  private settle(summary: RosterSummary): void {
    this.summary = summary;
    this.progress = null;
    this.phase = summary.userCount > 0 ? 'ready' : 'empty';
    this.revision++;
  }

  private fail(error: unknown): void {
    this.error = describeError(error);
    this.progress = null;
    this.phase = this.summary && this.summary.userCount > 0 ? 'ready' : 'failed';
  }
}
