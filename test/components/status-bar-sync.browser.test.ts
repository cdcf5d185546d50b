/**
 * The status bar's sync part: one sentence for the situation in a polite live region (it changes only
 * when the situation does), and what is happening now beside it, outside the region, so the minute's
 * runs and the clock do not make a screen reader speak.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import axe from 'axe-core';
import { flushSync } from 'svelte';
import { page } from 'vitest/browser';
import StatusBar from '../../src/components/StatusBar.svelte';
import { Connectivity } from '../../src/app/connectivity.svelte.ts';
import { StorageStatus } from '../../src/app/storage-status.svelte.ts';
import { SyncStatus } from '../../src/app/sync-status.svelte.ts';
import type { RosterWorker } from '../../src/app/roster-worker-client.ts';
import type { SyncStateView } from '../../workers/roster-sync.ts';
import '../../src/app.css';

afterEach(async () => {
  cleanup();
  await page.viewport(1280, 900);
});

const SERVER: NonNullable<SyncStateView['server']> = {
  url: 'https://sync.example.test/api',
  organizationName: 'Ascender demo',
  adminId: 'U0000001',
  permissions: ['manage_users'],
  signedInAt: '2026-03-12T08:00:00.000Z',
};

function stateOf(change: Partial<SyncStateView> = {}): SyncStateView {
  return { server: SERVER, pendingOperations: 0, rejections: 0, outcome: { lastSuccessAt: null, lastAttemptAt: null, lastError: null }, ...change };
}

/** The bar over a SyncStatus whose fields the test sets; the worker is never called (no start). */
function renderBar() {
  const sync = new SyncStatus({} as RosterWorker, () => undefined, () => undefined);
  render(StatusBar, { connectivity: new Connectivity(), storage: new StorageStatus({}), sync });
  const bar = screen.getByRole('contentinfo', { name: 'Device status' });
  const syncRegion = () => within(bar).getAllByRole('status').find((s) => !s.classList.contains('connectivity'))!;
  return { sync, bar, syncRegion };
}

async function expectNoAxeViolations(): Promise<void> {
  const result = await axe.run(document.body, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa'] });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

describe('StatusBar: sync', () => {
  it('says when the device is not signed in to a server, and how many changes wait meanwhile', async () => {
    const { sync, syncRegion } = renderBar();
    flushSync(() => (sync.state = stateOf({ server: null })));
    expect(syncRegion().textContent?.trim()).toBe('Not signed in to a server');
    flushSync(() => (sync.state = stateOf({ server: null, pendingOperations: 4 })));
    expect(syncRegion().textContent?.trim()).toBe('Not signed in to a server, 4 changes waiting');
    await expectNoAxeViolations();
  });

  it('says how many changes wait, then that all were sent and when the last sync was', async () => {
    const { sync, bar, syncRegion } = renderBar();
    flushSync(() => (sync.state = stateOf({ pendingOperations: 1 })));
    expect(syncRegion().textContent?.trim()).toBe('1 change waiting');
    expect(within(bar).getByText('Not synced yet')).toBeTruthy();
    flushSync(() => (sync.state = stateOf({ pendingOperations: 3 })));
    expect(syncRegion().textContent?.trim()).toBe('3 changes waiting');

    // Times on the device's own clock: the same day shows the time alone.
    const lastSuccessAt = new Date(2026, 2, 12, 10, 42).toISOString();
    flushSync(() => {
      sync.now = new Date(2026, 2, 12, 15, 0).getTime();
      sync.state = stateOf({ outcome: { lastSuccessAt, lastAttemptAt: lastSuccessAt, lastError: null } });
    });
    expect(syncRegion().textContent?.trim()).toBe('All changes sent');
    expect(within(bar).getByText('Last sync 10:42')).toBeTruthy();
    flushSync(() => (sync.now = new Date(2026, 2, 13, 9, 0).getTime()));
    expect(within(bar).getByText('Last sync 12 Mar, 10:42')).toBeTruthy();
    await expectNoAxeViolations();
  });

  it('shows "Syncing…" and the pull progress outside the live region, which a routine run leaves unchanged', () => {
    const { sync, bar, syncRegion } = renderBar();
    const lastSuccessAt = new Date(2026, 2, 12, 10, 42).toISOString();
    flushSync(() => {
      sync.now = new Date(2026, 2, 12, 11, 0).getTime();
      sync.state = stateOf({ outcome: { lastSuccessAt, lastAttemptAt: lastSuccessAt, lastError: null } });
    });
    const region = syncRegion();
    const before = region.textContent;
    flushSync(() => (sync.isRunning = true));
    const syncing = within(bar).getByText('Syncing…');
    expect(syncing.closest('[role="status"], [aria-live]')).toBeNull();
    flushSync(() => (sync.pullProgress = { done: 12_000, total: 100_000, bytes: 0 }));
    expect(within(bar).getByText('Syncing… 12,000 of 100,000 users')).toBeTruthy();
    // The megabytes are the screens' to say: the bar keeps to one line on a phone.
    flushSync(() => (sync.pullProgress = { done: 12_000, total: 100_000, bytes: 1_020_000 }));
    expect(within(bar).getByText('Syncing… 12,000 of 100,000 users')).toBeTruthy();
    flushSync(() => {
      sync.isRunning = false;
      sync.pullProgress = null;
    });
    // Same node, same words: nothing for a screen reader to announce.
    expect(syncRegion()).toBe(region);
    expect(region.textContent).toBe(before);
  });

  it('puts the last error in words, with the changes still waiting', async () => {
    const { sync, syncRegion } = renderBar();
    flushSync(() => {
      sync.state = stateOf({ pendingOperations: 2 });
      sync.failure = { code: 'offline', message: 'The server cannot be reached: no connection, or it is down.', isRetryable: true };
    });
    expect(syncRegion().textContent?.trim()).toBe('Sync server not reachable, 2 changes waiting');
    flushSync(() => {
      sync.failure = null;
      // The failure recorded by an earlier visit shows until a run goes through.
      sync.state = stateOf({ outcome: { lastSuccessAt: null, lastAttemptAt: '2026-03-12T10:00:00.000Z', lastError: { code: 'unauthorized', message: 'The server no longer accepts this token.' } } });
    });
    expect(syncRegion().textContent?.trim()).toBe('Sign in again: the server refused the token');
    await expectNoAxeViolations();
  });

  it('counts the refused changes and links to the Sync screen', async () => {
    const { sync, syncRegion } = renderBar();
    flushSync(() => (sync.state = stateOf({ rejections: 2 })));
    const link = within(syncRegion()).getByRole('link', { name: '2 refused changes' });
    expect(link.getAttribute('href')).toBe('#/sync');
    flushSync(() => (sync.state = stateOf({ rejections: 1 })));
    expect(within(syncRegion()).getByRole('link', { name: '1 refused change' })).toBeTruthy();
    await expectNoAxeViolations();
  });

  it('the screens say what a pull received of what: users, and megabytes as they came, the whole estimated from the pages so far', () => {
    const sync = new SyncStatus({} as RosterWorker, () => undefined, () => undefined);
    sync.pullProgress = { done: 12_000, total: 100_000, bytes: 0 };
    expect(sync.pullProgressText).toBe('12,000 of 100,000 users');
    sync.pullProgress = { done: 12_000, total: 100_000, bytes: 1_020_000 };
    expect(sync.pullProgressText).toBe('12,000 of 100,000 users · 1 MB of about 8.5 MB');
    sync.pullProgress = { done: 100_000, total: 100_000, bytes: 8_480_000 };
    expect(sync.pullProgressText).toBe('100,000 of 100,000 users · 8.5 MB');
  });

  it('fits a 360px-wide phone with the longest sentence', async () => {
    await page.viewport(360, 640);
    const { sync, bar } = renderBar();
    flushSync(() => {
      sync.state = stateOf({ pendingOperations: 12_345, rejections: 120 });
      sync.failure = { code: 'unauthorized', message: 'The server no longer accepts this token.', isRetryable: false };
      sync.isRunning = true;
      sync.pullProgress = { done: 12_000, total: 100_000, bytes: 1_020_000 };
    });
    expect(bar.scrollWidth).toBeLessThanOrEqual(bar.clientWidth);
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(360);
  });
});
