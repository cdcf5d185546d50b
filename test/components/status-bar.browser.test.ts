import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import axe from 'axe-core';
import { flushSync } from 'svelte';
import { page } from 'vitest/browser';
import StatusBar from '../../src/components/StatusBar.svelte';
import { Connectivity } from '../../src/app/connectivity.svelte.ts';
import { StorageStatus, type StorageApi } from '../../src/app/storage-status.svelte.ts';
import '../../src/app.css';

afterEach(async () => {
  cleanup();
  await page.viewport(1280, 900);
});

function renderBar(storageApi?: StorageApi) {
  const connectivity = new Connectivity();
  const storage = new StorageStatus(storageApi);
  render(StatusBar, { connectivity, storage });
  return { connectivity, storage, bar: screen.getByRole('contentinfo', { name: 'Device status' }) };
}

/** A Storage API that answers like Chromium's, with a persistence decision the test chooses. */
function fakeStorage(options: { isPersisted: boolean; willPersist: boolean; usage?: number; quota?: number }) {
  const calls = { persist: 0, estimate: 0 };
  const api: StorageApi = {
    persisted: async () => options.isPersisted,
    persist: async () => {
      calls.persist += 1;
      return options.willPersist;
    },
    estimate: async () => {
      calls.estimate += 1;
      return { usage: options.usage, quota: options.quota };
    },
  };
  return { api, calls };
}

async function expectNoAxeViolations(): Promise<void> {
  const result = await axe.run(document.body, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa'] });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

describe('StatusBar', () => {
  it('shows online or offline in words, not by colour alone', async () => {
    const { connectivity, bar } = renderBar();
    flushSync(() => (connectivity.isOnline = true));
    expect(within(bar).getByRole('status').textContent?.trim()).toBe('Online');
    await expectNoAxeViolations();

    flushSync(() => (connectivity.isOnline = false));
    expect(within(bar).getByRole('status').textContent?.trim()).toBe('Offline');
    await expectNoAxeViolations();
  });

  it('follows the browser going offline and back', () => {
    const { connectivity, bar } = renderBar();
    const stop = connectivity.start();
    try {
      flushSync(() => window.dispatchEvent(new Event('offline')));
      expect(within(bar).getByRole('status').textContent).toContain('Offline');
      flushSync(() => window.dispatchEvent(new Event('online')));
      expect(within(bar).getByRole('status').textContent).toContain('Online');
    } finally {
      stop();
    }
    // Stopped: further events change nothing.
    flushSync(() => window.dispatchEvent(new Event('offline')));
    expect(connectivity.isOnline).toBe(true);
  });

  it('shows storage used of the quota, and that it is persistent', async () => {
    const { bar, storage } = renderBar();
    flushSync(() => {
      storage.usageBytes = 12_300_000;
      storage.quotaBytes = 2_100_000_000;
      storage.isPersisted = true;
    });
    expect(within(bar).getByText('Storage: 12.3 MB of 2.1 GB')).toBeTruthy();
    expect(within(bar).getByText('persistent')).toBeTruthy();
    await expectNoAxeViolations();
  });

  it('warns that storage may be cleared when the browser did not grant persistence', async () => {
    const { api, calls } = fakeStorage({ isPersisted: false, willPersist: false, usage: 4_000, quota: 50_000_000 });
    const { bar, storage } = renderBar(api);
    await storage.start();
    flushSync();
    expect(calls.persist).toBe(1);
    expect(within(bar).getByText('Storage: 4 kB of 50 MB')).toBeTruthy();
    expect(within(bar).getByText('may be cleared by the browser')).toBeTruthy();
    await expectNoAxeViolations();
  });

  it('asks for persistence only when it is not already granted, and refreshes the estimate', async () => {
    const { api, calls } = fakeStorage({ isPersisted: true, willPersist: true, usage: 1_000_000, quota: 10_000_000_000 });
    const { bar, storage } = renderBar(api);
    await storage.start();
    expect(calls.persist).toBe(0);
    flushSync();
    expect(within(bar).getByText('Storage: 1 MB of 10 GB')).toBeTruthy();

    api.estimate = async () => ({ usage: 250_000_000, quota: 10_000_000_000 });
    await storage.refresh();
    flushSync();
    expect(within(bar).getByText('Storage: 250 MB of 10 GB')).toBeTruthy();
  });

  it('says "unknown" in a browser without the Storage API', async () => {
    const { bar, storage } = renderBar({});
    await storage.start();
    flushSync();
    expect(storage.isPersisted).toBeNull();
    expect(within(bar).getByText('Storage: unknown')).toBeTruthy();
    expect(within(bar).getByText('persistence unknown')).toBeTruthy();
  });

  it('fits a 360px-wide phone without scrolling sideways', async () => {
    await page.viewport(360, 640);
    const { bar, storage } = renderBar();
    flushSync(() => {
      storage.usageBytes = 123_400_000;
      storage.quotaBytes = 2_100_000_000;
      storage.isPersisted = false;
    });
    expect(bar.scrollWidth).toBeLessThanOrEqual(bar.clientWidth);
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(360);
  });
});
