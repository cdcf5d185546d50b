/**
 * Sync as the page sees it: where it stands (server, changes waiting, refusals, the last attempt), the
 * run in progress, and the scheduler that starts runs by itself: on start, when the browser comes back
 * online, soon after a local change, every minute, and after a retryable failure with backoff. When to
 * run is decided by `nextSyncAt` (pure, tested in Node); this class only keeps one timer set to it.
 * The page never runs two syncs at once: a run asked for while one runs joins it.
 */
import { proxy } from 'comlink';
import type { LifecycleAction } from '../core/build-lifecycle-plan.ts';
import { formatCount } from '../core/format-count.ts';
import { formatClockTime } from '../core/format-date.ts';
import { plural } from '../core/plural.ts';
import { retryDelayMs } from '../core/sync/retry-backoff.ts';
import { DEFAULT_SYNC_SCHEDULE, isRetryableSyncCode, nextSyncAt, type SyncSchedulePolicy } from '../core/sync/sync-schedule.ts';
import type { ApplyResult, LifecycleSelection } from '../../workers/roster-api.ts';
import type { RejectionView, RosterChangeMessage, SignInResult, SyncStateView } from '../../workers/roster-api.ts';
import type { SyncRunReport } from '../../workers/roster-api.ts';
import { formatBytes } from '../core/format-bytes.ts';
import { describeError, describeSyncFailure, type ErrorMessage } from './describe-error.ts';
import type { RosterWorker } from './roster-worker-client.ts';
import { APP_DATABASE_NAME, rosterChangesChannelName } from '../core/sync/roster-changes-channel.ts';

/** The channel every tab's worker announces changes to the app's database on. */
export const ROSTER_CHANGES_CHANNEL = rosterChangesChannelName(APP_DATABASE_NAME);

/** Time, for the scheduler: the real clock in the app, a hand-driven one in tests. */
export interface SyncClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Whether the browser believes it is online, and where its `online`/`offline` events come from. */
export interface NetworkSignal {
  isOnline(): boolean;
  events: EventTarget;
}

export interface SyncStatusOptions {
  clock?: SyncClock;
  /** The backoff's jitter. */
  random?: () => number;
  policy?: SyncSchedulePolicy;
  network?: NetworkSignal;
  /** The roster-change channel; null where there is none. */
  openChannel?: () => (EventTarget & { close(): void }) | null;
}

/** A failed run as the page keeps it: only `code` crosses the worker boundary, so retryability is decided here. */
export interface SyncFailureView {
  code: string;
  message: string;
  isRetryable: boolean;
}

const SYSTEM_CLOCK: SyncClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

function browserNetwork(): NetworkSignal {
  return { isOnline: () => navigator.onLine, events: window };
}

function openRosterChannel(): (EventTarget & { close(): void }) | null {
  return typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(ROSTER_CHANGES_CHANNEL);
}

/** Whether a run wrote anything the summary or the list shows: users pulled, operations settled or refused. */
function hasChangedRoster(report: SyncRunReport): boolean {
  return report.usersPulled > 0 || report.operationsPushed > 0 || report.operationsRefused > 0 || report.usersRejected > 0;
}

/** Runs `task` now, or once more after the run in progress: bursts of calls cost two runs at most. */
function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let isStale = false;
  return () => {
    if (running) {
      isStale = true;
      return running;
    }
    running = (async () => {
      do {
        isStale = false;
        await task();
      } while (isStale);
    })().finally(() => {
      running = null;
    });
    return running;
  };
}

export class SyncStatus {
  /** Null until first read. */
  state = $state.raw<SyncStateView | null>(null);
  /** A run (or a sign-in's first pull) is in progress on this page. */
  isRunning = $state(false);
  pullProgress = $state.raw<{ done: number; total: number; bytes: number } | null>(null);
  /** This page's last failed run; cleared by a run that goes through. */
  failure = $state.raw<SyncFailureView | null>(null);
  /** A failure retrying cannot fix: no run starts by itself until "Sync now" or a sign-in. */
  isHalted = $state(false);
  /** When the scheduler will run next (the clock's time), or null. */
  nextAttemptAt = $state<number | null>(null);
  lastReport = $state.raw<SyncRunReport | null>(null);
  rejections = $state.raw<RejectionView[]>([]);
  /** An unexpected failure of a call to the worker (not of the sync itself). */
  error = $state.raw<ErrorMessage | null>(null);
  notice = $state<string | null>(null);
  isOnline = $state(true);
  /** The clock when the state was last read, so "Last sync 10:42" can say which day. */
  now = $state(Date.now());

  private readonly clock: SyncClock;
  private readonly random: () => number;
  private readonly policy: SyncSchedulePolicy;
  private readonly network: NetworkSignal | undefined;
  private readonly openChannel: () => (EventTarget & { close(): void }) | null;

  private isStarted = false;
  private stopListening: (() => void) | null = null;
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private lastRunEndedAt: number | null = null;
  private failures = 0;
  private retryDelay = 0;
  private changedAt: number | null = null;
  private hasLoadedRejections = false;
  /** The plan review opened by "Retry", and the refusals it settles once applied. */
  private pendingRetry: { selection: LifecycleSelection; rejectionIds: number[] } | null = null;

  constructor(
    private readonly worker: RosterWorker,
    /** The roster changed under the page (a sync here, another tab): re-read the summary and the list. */
    private readonly onRosterChanged: () => Promise<void> | void,
    /** "Retry": plan the action again for these users, in the plan review. */
    private readonly openPlan: (action: LifecycleAction, selection: LifecycleSelection) => void,
    options: SyncStatusOptions = {},
  ) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.random = options.random ?? Math.random;
    this.policy = options.policy ?? DEFAULT_SYNC_SCHEDULE;
    this.network = options.network;
    this.openChannel = options.openChannel ?? openRosterChannel;
    this.now = this.clock.now();
  }

  get isSignedIn(): boolean {
    return this.state?.server != null;
  }

  /** The failure to show: this page's, or the one the device recorded last time. */
  get lastError(): SyncFailureView | null {
    if (this.failure) return this.failure;
    const recorded = this.state?.outcome.lastError;
    return recorded ? { ...recorded, isRetryable: isRetryableSyncCode(recorded.code) } : null;
  }

  /**
   * The status bar's sentence, which changes only when the situation does (a change waiting, sent,
   * refused, a failure): it sits in a live region, so runs that change nothing announce nothing.
   */
  get summaryText(): string {
    const state = this.state;
    if (!state) return '';
    const waiting = state.pendingOperations > 0 ? plural(state.pendingOperations, 'change waiting', 'changes waiting') : null;
    if (!state.server) return waiting ? `Not signed in to a server, ${waiting}` : 'Not signed in to a server';
    const error = this.lastError;
    if (error) return `${describeSyncFailure(error).title}${waiting ? `, ${waiting}` : ''}`;
    return waiting ?? 'All changes sent';
  }

  /**
   * What a pull has received of what: users, and megabytes as they came over the network, with the
   * whole pull's size estimated from the pages so far (a first sign-in over a thin link takes minutes).
   */
  get pullProgressText(): string {
    const progress = this.pullProgress;
    if (!progress || progress.total <= 0) return '';
    const users = `${formatCount(progress.done)} of ${formatCount(progress.total)} users`;
    if (progress.bytes <= 0 || progress.done <= 0) return users;
    const received = formatBytes(progress.bytes);
    if (progress.done >= progress.total) return `${users} · ${received}`;
    return `${users} · ${received} of about ${formatBytes((progress.bytes / progress.done) * progress.total)}`;
  }

  /** What is happening now or last happened: outside the live region (it changes with every run). */
  get activityText(): string | null {
    if (this.isRunning) {
      const progress = this.pullProgress;
      // Users only: the status bar holds one line on a phone; the screens say the megabytes too.
      return progress && progress.total > 0 ? `Syncing… ${formatCount(progress.done)} of ${formatCount(progress.total)} users` : 'Syncing…';
    }
    if (!this.state?.server) return null;
    const lastSuccessAt = this.state.outcome.lastSuccessAt;
    return lastSuccessAt ? `Last sync ${formatClockTime(lastSuccessAt, new Date(this.now))}` : 'Not synced yet';
  }

  /** Follows the network, other tabs and local changes, and runs the first sync if signed in. */
  start(): void {
    if (this.isStarted) return;
    this.isStarted = true;
    const network = this.network ?? browserNetwork();
    this.isOnline = network.isOnline();
    const onOnline = (): void => {
      this.isOnline = true;
      // The network is back: no reason to sit out the rest of a backoff.
      if (this.isSignedIn && !this.isHalted) void this.run();
    };
    const onOffline = (): void => {
      this.isOnline = false;
      this.reschedule();
    };
    network.events.addEventListener('online', onOnline);
    network.events.addEventListener('offline', onOffline);
    const channel = this.openChannel();
    const onMessage = (event: Event): void => this.followChannel((event as MessageEvent<RosterChangeMessage>).data);
    channel?.addEventListener('message', onMessage);
    // The worker calls this once it has followed another tab's write, so the page reads a current roster.
    void this.worker
      .watchRosterChanges(proxy((_message: RosterChangeMessage) => this.followOtherTab()))
      .catch((error: unknown) => (this.error = describeError(error)));
    this.stopListening = () => {
      network.events.removeEventListener('online', onOnline);
      network.events.removeEventListener('offline', onOffline);
      channel?.removeEventListener('message', onMessage);
      channel?.close();
    };
    this.lastRunEndedAt = null;
    void this.refreshState();
  }

  /** Stops the timer and every listener; a run in progress finishes, and nothing follows it. */
  stop(): void {
    this.isStarted = false;
    this.clearTimer();
    this.nextAttemptAt = null;
    this.stopListening?.();
    this.stopListening = null;
  }

  /** "Sync now": runs at once, even after a failure that stopped the automatic runs. */
  syncNow(): Promise<void> {
    this.isHalted = false;
    this.notice = null;
    return this.run();
  }

  /** A change was made on this device: send it soon, once a burst of them is over. */
  noteLocalChange(): void {
    this.changedAt = this.clock.now();
    void this.refreshState();
  }

  /** Re-reads the server, changes waiting, refusals and last attempt from the device. */
  readonly refreshState = coalesced(async () => {
    try {
      this.state = await this.worker.syncState();
      this.now = this.clock.now();
      if (this.hasLoadedRejections && this.state.rejections !== this.rejections.length) await this.loadRejectionsNow();
    } catch (error) {
      this.error = describeError(error);
    }
    this.reschedule();
  });

  /** The refused changes, newest first (the Sync screen). */
  async loadRejections(): Promise<void> {
    await this.loadRejectionsNow();
  }

  /** Forgets refusals: the users are already as the server holds them. */
  async discard(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    this.notice = null;
    try {
      await this.worker.discardSyncRejections(ids);
      await this.loadRejectionsNow();
      this.notice = `${plural(ids.length, 'refused change', 'refused changes')} discarded.`;
    } catch (error) {
      this.error = describeError(error);
    }
    await this.refreshState();
  }

  /**
   * "Retry": plans the refused action again for its users, in the plan review (the blocker may be
   * resolved there, F3). The refusals are discarded once that plan has been applied whole.
   */
  async retry(ids: number[]): Promise<void> {
    this.notice = null;
    try {
      const target = await this.worker.retrySyncRejections(ids);
      if (!target || target.userIds.length === 0) {
        this.notice = 'Nothing to retry: these changes cannot be planned again (their users are gone, or they were not lifecycle changes).';
        return;
      }
      const kindOf = new Map(this.rejections.map((r) => [r.id, r.kind]));
      const selection: LifecycleSelection = { kind: 'ids', ids: target.userIds };
      this.pendingRetry = { selection, rejectionIds: ids.filter((id) => kindOf.get(id) === target.action) };
      this.openPlan(target.action, selection);
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** A plan was applied: if it was a retry's, and went through whole, its refusals are settled. */
  async planApplied(selection: LifecycleSelection | null, result: ApplyResult | null): Promise<void> {
    const retry = this.pendingRetry;
    if (!retry || selection !== retry.selection) return;
    this.pendingRetry = null;
    if (result && result.failure === null && result.batchesApplied === result.batchCount && retry.rejectionIds.length > 0) {
      await this.worker.discardSyncRejections(retry.rejectionIds).catch((error: unknown) => (this.error = describeError(error)));
      if (this.hasLoadedRejections) await this.loadRejectionsNow();
      await this.refreshState();
    }
  }

  /**
   * Signs in to a server and pulls its roster, as the one run of the page. A `replace_needed` answer
   * changes nothing: the caller asks the admin, then calls again with `replaceRoster`.
   */
  async signIn(url: string, token: string, replaceRoster: boolean): Promise<SignInResult> {
    while (this.running) await this.running;
    const work = this.signInNow(url, token, replaceRoster);
    this.running = work.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await work;
    } finally {
      this.running = null;
      await this.refreshState();
    }
  }

  /** Forgets the server; the roster and the changes waiting stay on the device. */
  async signOut(): Promise<void> {
    while (this.running) await this.running;
    try {
      await this.worker.signOutOfServer();
    } catch (error) {
      this.error = describeError(error);
    }
    this.failure = null;
    this.isHalted = false;
    this.failures = 0;
    this.lastReport = null;
    await this.refreshState();
  }

  private async signInNow(url: string, token: string, replaceRoster: boolean): Promise<SignInResult> {
    this.clearTimer();
    this.isRunning = true;
    this.pullProgress = null;
    this.notice = null;
    try {
      const result = await this.worker.signInToServer(url, token, replaceRoster, proxy((done: number, total: number, bytes: number) => (this.pullProgress = { done, total, bytes })));
      if (result.ok) {
        this.lastReport = result.report;
        this.failure = null;
        this.failures = 0;
        this.isHalted = false;
        this.changedAt = null;
        this.lastRunEndedAt = this.clock.now();
        await this.rosterChanged();
      }
      return result;
    } catch (error) {
      // Signed in, but the first sync stopped part way: the scheduler takes it from there.
      const failure = this.recordFailure(error);
      this.lastRunEndedAt = this.clock.now();
      await this.rosterChanged();
      return { ok: false, code: failure.code, detail: failure.message };
    } finally {
      this.isRunning = false;
      this.pullProgress = null;
    }
  }

  private run(): Promise<void> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
      this.reschedule();
    });
    return this.running;
  }

  private async runOnce(): Promise<void> {
    this.clearTimer();
    this.isRunning = true;
    this.pullProgress = null;
    // Changes made from here on are after this run's start: they set it again and get a run of their own.
    this.changedAt = null;
    try {
      const report = await this.worker.syncNow(proxy((done: number, total: number, bytes: number) => (this.pullProgress = { done, total, bytes })));
      this.lastReport = report;
      this.failure = null;
      this.failures = 0;
      this.isHalted = false;
      if (report.ran && hasChangedRoster(report)) await this.rosterChanged();
    } catch (error) {
      this.recordFailure(error);
      // A run may have written before it failed (operations settled, pages pulled).
      await this.rosterChanged();
    } finally {
      this.isRunning = false;
      this.pullProgress = null;
      this.lastRunEndedAt = this.clock.now();
    }
    await this.refreshState();
  }

  private recordFailure(error: unknown): SyncFailureView {
    const candidate = error as { code?: unknown; name?: unknown; message?: unknown } | null;
    const code = typeof candidate?.code === 'string' ? candidate.code : typeof candidate?.name === 'string' ? candidate.name : 'unknown';
    const message = typeof candidate?.message === 'string' ? candidate.message : String(error);
    const failure: SyncFailureView = { code, message, isRetryable: isRetryableSyncCode(code) };
    this.failure = failure;
    if (failure.isRetryable) {
      this.failures++;
      this.retryDelay = retryDelayMs(this.failures, this.random);
    } else {
      this.failures = 0;
      this.isHalted = true;
    }
    return failure;
  }

  private reschedule(): void {
    this.clearTimer();
    if (!this.isStarted || this.running) return;
    const at = nextSyncAt(
      {
        now: this.clock.now(),
        isSignedIn: this.isSignedIn,
        isOnline: this.isOnline,
        isHalted: this.isHalted,
        lastRunEndedAt: this.lastRunEndedAt,
        failures: this.failures,
        retryDelayMs: this.retryDelay,
        changedAt: this.changedAt,
      },
      this.policy,
    );
    this.nextAttemptAt = at;
    if (at === null) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        void this.run();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** This tab's and other tabs' announcements: a local change anywhere is a reason to sync soon. */
  private followChannel(message: RosterChangeMessage | undefined): void {
    if (!this.isStarted || !message) return;
    if (message.isLocalChange) this.noteLocalChange();
    else if (message.isOutboxChanged) void this.refreshState();
  }

  private followOtherTab(): void {
    if (!this.isStarted) return;
    void this.rosterChanged();
    void this.refreshState();
  }

  private readonly rosterChanged = coalesced(async () => {
    await this.onRosterChanged();
  });

  private async loadRejectionsNow(): Promise<void> {
    try {
      this.rejections = await this.worker.syncRejections();
      this.hasLoadedRejections = true;
    } catch (error) {
      this.error = describeError(error);
    }
  }
}
