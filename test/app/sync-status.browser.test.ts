/**
 * The sync scheduler of the page, driven by a hand-moved clock over a fake worker: when runs start,
 * how failures are retried, and that the page never runs two at once. When to run is `nextSyncAt`'s
 * (unit-tested in Node); these check that SyncStatus keeps its one timer set to it.
 */
import { describe, expect, it } from 'vitest';
import { SyncStatus, ROSTER_CHANGES_CHANNEL, type NetworkSignal } from '../../src/app/sync-status.svelte.ts';
import type { RosterWorker } from '../../src/app/roster-worker-client.ts';
import { retryDelayMs } from '../../src/core/sync/retry-backoff.ts';
import type { RosterChangeMessage, SyncStateView } from '../../workers/roster-sync.ts';
import { rosterChangesChannelName } from '../../src/core/sync/roster-changes-channel.ts';
import { DEFAULT_DATABASE_NAME } from '../../src/db/offboard-database.ts';
import type { SyncRunReport } from '../../workers/sync-client.ts';
import { ManualClock, settle } from './manual-clock.ts';

type RunOutcome = { report?: Partial<SyncRunReport> } | { code: string };

const SERVER: NonNullable<SyncStateView['server']> = {
  url: 'https://sync.example.test/api',
  organizationName: 'Ascender demo',
  adminId: 'U0000001',
  permissions: ['manage_users', 'reports'],
  signedInAt: '2026-03-12T09:00:00.000Z',
};

/** A worker that answers the sync calls from a script of outcomes, and can hold a run open. */
function fakeWorker(options: { isSignedIn?: boolean; outcomes?: RunOutcome[] } = {}) {
  const outcomes = [...(options.outcomes ?? [])];
  const calls = { syncNow: 0, syncState: 0, concurrent: 0, maxConcurrent: 0 };
  let state: SyncStateView = {
    server: options.isSignedIn === false ? null : SERVER,
    pendingOperations: 0,
    rejections: 0,
    outcome: { lastSuccessAt: null, lastAttemptAt: null, lastError: null },
  };
  let hold: Promise<void> | null = null;
  let watcher: ((message: RosterChangeMessage) => void) | null = null;
  const api = {
    async syncState(): Promise<SyncStateView> {
      calls.syncState++;
      return structuredClone(state);
    },
    async syncNow(): Promise<SyncRunReport> {
      calls.syncNow++;
      calls.concurrent++;
      calls.maxConcurrent = Math.max(calls.maxConcurrent, calls.concurrent);
      try {
        if (hold) await hold;
        const next = outcomes.shift() ?? {};
        if ('code' in next) throw Object.assign(new Error(`failed: ${next.code}`), { code: next.code });
        state = { ...state, outcome: { lastSuccessAt: new Date().toISOString(), lastAttemptAt: new Date().toISOString(), lastError: null } };
        return { ran: true, operationsPushed: 0, operationsRefused: 0, usersRejected: 0, usersPulled: 0, pullRemaining: 0, bytesPulled: 0, ...next.report };
      } finally {
        calls.concurrent--;
      }
    },
    async watchRosterChanges(callback: (message: RosterChangeMessage) => void): Promise<void> {
      watcher = callback;
    },
    async syncRejections() {
      return [];
    },
  };
  return {
    worker: api as unknown as RosterWorker,
    calls,
    setPending(count: number) {
      state = { ...state, pendingOperations: count };
    },
    /** Holds every run until the returned function is called. */
    holdRuns(): () => void {
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = null;
        release();
      };
    },
    otherTabChanged() {
      watcher?.({ sourceId: 'other-tab', changedIds: ['U0000002'], deletedIds: [], isOrganizationChanged: false, isSessionChanged: false, isRulesChanged: false, isReportCoverageChanged: false, isReplaced: false, isOutboxChanged: true, isLocalChange: true });
    },
  };
}

function fakeNetwork(isOnline = true): NetworkSignal & { go(online: boolean): void } {
  const events = new EventTarget();
  let online = isOnline;
  return {
    events,
    isOnline: () => online,
    go(value: boolean) {
      online = value;
      events.dispatchEvent(new Event(value ? 'online' : 'offline'));
    },
  };
}

function setup(options: { isSignedIn?: boolean; outcomes?: RunOutcome[]; random?: () => number } = {}) {
  const fake = fakeWorker(options);
  const clock = new ManualClock();
  const network = fakeNetwork();
  const channel = Object.assign(new EventTarget(), { close: () => undefined });
  let rosterReads = 0;
  const sync = new SyncStatus(
    fake.worker,
    () => {
      rosterReads++;
    },
    () => undefined,
    { clock, network, random: options.random ?? (() => 0.5), openChannel: () => channel },
  );
  const announce = (message: Partial<RosterChangeMessage>) =>
    channel.dispatchEvent(new MessageEvent('message', { data: { sourceId: 'this-tab', changedIds: [], deletedIds: [], isOrganizationChanged: false, isOutboxChanged: true, isLocalChange: false, ...message } }));
  return { ...fake, sync, clock, network, announce, rosterReads: () => rosterReads };
}

describe('SyncStatus: the scheduler', () => {
  it('runs once on start when signed in, then every minute; signed out, never', async () => {
    const t = setup();
    t.sync.start();
    await t.clock.advance(0);
    expect(t.calls.syncNow).toBe(1);
    await t.clock.advance(59_999);
    expect(t.calls.syncNow).toBe(1);
    await t.clock.advance(1);
    expect(t.calls.syncNow).toBe(2);
    t.sync.stop();
    await t.clock.advance(120_000);
    expect(t.calls.syncNow).toBe(2);

    const signedOut = setup({ isSignedIn: false });
    signedOut.sync.start();
    await signedOut.clock.advance(300_000);
    expect(signedOut.calls.syncNow).toBe(0);
    expect(signedOut.clock.nextAt).toBeNull();
    expect(signedOut.sync.summaryText).toBe('Not signed in to a server');
    signedOut.sync.stop();
  });

  it('sends local changes 2 s after the last of a burst', async () => {
    const t = setup();
    t.sync.start();
    await t.clock.advance(0);
    expect(t.calls.syncNow).toBe(1);
    await t.clock.advance(10_000);
    t.sync.noteLocalChange();
    await t.clock.advance(1_500);
    t.sync.noteLocalChange();
    await t.clock.advance(1_999);
    expect(t.calls.syncNow).toBe(1);
    await t.clock.advance(1);
    expect(t.calls.syncNow).toBe(2);
    // Nothing changed since: the next run is the regular one, a minute after this one.
    expect(t.clock.nextAt).toBe(t.clock.now() + 60_000);
    t.sync.stop();
  });

  it("a local change announced on the roster channel (this tab's worker, or another tab's) is sent soon; a sync's own writes are not a reason", async () => {
    const t = setup();
    t.sync.start();
    await t.clock.advance(0);
    t.announce({ isLocalChange: false });
    await settle();
    expect(t.clock.nextAt).toBe(t.clock.now() + 60_000);
    t.announce({ isLocalChange: true });
    await t.clock.advance(2_000);
    expect(t.calls.syncNow).toBe(2);
    t.sync.stop();
  });

  it('retries a retryable failure with growing backoff, and a success resets it to the minute', async () => {
    const random = () => 0.5;
    const t = setup({ outcomes: [{ code: 'offline' }, { code: 'timeout' }, { code: 'server_error' }, {}], random });
    t.sync.start();
    await t.clock.advance(0);
    expect(t.calls.syncNow).toBe(1);
    expect(t.sync.failure).toMatchObject({ code: 'offline', isRetryable: true });
    expect(t.sync.summaryText).toBe('Sync server not reachable');

    const delays = [1, 2, 3].map((n) => retryDelayMs(n, random));
    expect(delays).toEqual([500, 1_000, 2_000]);
    // A change made meanwhile waits for the backoff: the server is failing.
    t.sync.noteLocalChange();
    await t.clock.advance(delays[0]! - 1);
    expect(t.calls.syncNow).toBe(1);
    await t.clock.advance(1);
    expect(t.calls.syncNow).toBe(2);
    await t.clock.advance(delays[1]!);
    expect(t.calls.syncNow).toBe(3);
    expect(t.sync.failure?.code).toBe('server_error');
    await t.clock.advance(delays[2]!);
    expect(t.calls.syncNow).toBe(4);
    expect(t.sync.failure).toBeNull();
    expect(t.sync.summaryText).toBe('All changes sent');
    expect(t.clock.nextAt).toBe(t.clock.now() + 60_000);
    t.sync.stop();
  });

  it('a failure retrying cannot fix stops the automatic runs until "Sync now"', async () => {
    const t = setup({ outcomes: [{ code: 'unauthorized' }, {}] });
    t.sync.start();
    await t.clock.advance(0);
    expect(t.sync.failure).toMatchObject({ code: 'unauthorized', isRetryable: false });
    expect(t.sync.isHalted).toBe(true);
    expect(t.clock.nextAt).toBeNull();
    t.sync.noteLocalChange();
    t.network.go(false);
    t.network.go(true);
    await t.clock.advance(600_000);
    expect(t.calls.syncNow).toBe(1);
    expect(t.sync.summaryText).toBe('Sign in again: the server refused the token');

    await t.sync.syncNow();
    expect(t.calls.syncNow).toBe(2);
    expect(t.sync.isHalted).toBe(false);
    expect(t.clock.nextAt).toBe(t.clock.now() + 60_000);
    t.sync.stop();
  });

  it('offline, nothing runs; back online, a run starts at once, backoff or not', async () => {
    const t = setup({ outcomes: [{ code: 'offline' }, {}] });
    t.sync.start();
    await t.clock.advance(0);
    expect(t.calls.syncNow).toBe(1);
    t.network.go(false);
    expect(t.clock.nextAt).toBeNull();
    await t.clock.advance(600_000);
    expect(t.calls.syncNow).toBe(1);
    t.network.go(true);
    await settle();
    expect(t.calls.syncNow).toBe(2);
    expect(t.sync.failure).toBeNull();
    t.sync.stop();
  });

  it('never runs two syncs at once: "Sync now" during a run joins it', async () => {
    const t = setup();
    const release = t.holdRuns();
    t.sync.start();
    await t.clock.advance(0);
    expect(t.sync.isRunning).toBe(true);
    expect(t.sync.activityText).toBe('Syncing…');
    const joined = t.sync.syncNow();
    t.network.go(true);
    await t.clock.advance(120_000);
    release();
    await joined;
    await settle();
    expect(t.calls.maxConcurrent).toBe(1);
    expect(t.calls.syncNow).toBe(1);
    expect(t.sync.isRunning).toBe(false);
    t.sync.stop();
  });

  it('re-reads the roster after a run that pulled or settled something, and after another tab changed it', async () => {
    const t = setup({ outcomes: [{}, { report: { usersPulled: 12 } }] });
    t.sync.start();
    await t.clock.advance(0);
    expect(t.rosterReads()).toBe(0);
    await t.sync.syncNow();
    expect(t.rosterReads()).toBe(1);
    t.setPending(3);
    t.otherTabChanged();
    await settle();
    expect(t.rosterReads()).toBe(2);
    expect(t.sync.summaryText).toBe('3 changes waiting');
    t.sync.stop();
  });

  it("listens on the channel the app database's workers announce on", () => {
    expect(ROSTER_CHANGES_CHANNEL).toBe(rosterChangesChannelName(DEFAULT_DATABASE_NAME));
  });
});
