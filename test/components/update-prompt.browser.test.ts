import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { flushSync } from 'svelte';
import type { RegisterSWOptions } from 'virtual:pwa-register';
import UpdatePrompt from '../../src/components/UpdatePrompt.svelte';
import { OFFLINE_NOTICE_MS, PwaStatus, UPDATE_PROMPT_MS, type RegisterServiceWorker } from '../../src/app/pwa-status.svelte.ts';
import StatusBar from '../../src/components/StatusBar.svelte';
import { Connectivity } from '../../src/app/connectivity.svelte.ts';
import { StorageStatus } from '../../src/app/storage-status.svelte.ts';
import '../../src/app.css';

afterEach(() => cleanup());

/** Stands in for vite-plugin-pwa's registerSW: the test fires its callbacks and sees the reloads. */
function fakeServiceWorker() {
  const registrations: RegisterSWOptions[] = [];
  const updates: (boolean | undefined)[] = [];
  const register: RegisterServiceWorker = (options = {}) => {
    registrations.push(options);
    return async (reloadPage) => {
      updates.push(reloadPage);
    };
  };
  return { register, registrations, updates };
}

function startedStatus() {
  const sw = fakeServiceWorker();
  const status = new PwaStatus(sw.register);
  status.start();
  const options = sw.registrations[0]!;
  return { status, sw, options };
}

async function expectNoAxeViolations(): Promise<void> {
  const result = await axe.run(document.body, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa'] });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

describe('UpdatePrompt', () => {
  it('shows nothing until the service worker has news', () => {
    render(UpdatePrompt, { status: new PwaStatus(fakeServiceWorker().register) });
    expect(screen.getByRole('status').textContent?.trim()).toBe('');
    expect(screen.getByRole('alert').textContent?.trim()).toBe('');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('lets the offline-ready notice go by itself, so it never hides work for long', () => {
    vi.useFakeTimers();
    try {
      const { status, options } = startedStatus();
      render(UpdatePrompt, { status });
      flushSync(() => options.onOfflineReady?.());
      expect(screen.getByText('Offboard is ready to work offline.')).toBeTruthy();
      vi.advanceTimersByTime(OFFLINE_NOTICE_MS);
      flushSync();
      expect(screen.queryByText('Offboard is ready to work offline.')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('says when Offboard is ready to work offline, until dismissed', async () => {
    const user = userEvent.setup();
    const { status, options } = startedStatus();
    render(UpdatePrompt, { status });

    flushSync(() => options.onOfflineReady?.());
    const notice = screen.getByRole('status');
    expect(within(notice).getByText('Offboard is ready to work offline.')).toBeTruthy();
    await expectNoAxeViolations();

    await user.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(status.isOfflineReady).toBe(false);
    expect(screen.queryByText('Offboard is ready to work offline.')).toBeNull();
  });

  it('announces a new version as an alert and reloads into it on request', async () => {
    const user = userEvent.setup();
    const { status, sw, options } = startedStatus();
    render(UpdatePrompt, { status });

    flushSync(() => options.onNeedRefresh?.());
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText('A new version of Offboard is available.')).toBeTruthy();
    await expectNoAxeViolations();

    await user.click(within(alert).getByRole('button', { name: 'Reload' }));
    expect(sw.updates).toEqual([true]);
    // The button is disabled while the new version takes over, so a second click cannot race it.
    await waitFor(() => expect(within(alert).getByRole('button', { name: 'Reloading…' })).toHaveProperty('disabled', true));
  });

  it('lets the admin put the update off', async () => {
    const user = userEvent.setup();
    const { status, sw, options } = startedStatus();
    render(UpdatePrompt, { status });

    flushSync(() => options.onNeedRefresh?.());
    await user.click(screen.getByRole('button', { name: 'Later' }));
    expect(screen.queryByText('A new version of Offboard is available.')).toBeNull();
    expect(sw.updates).toEqual([]);
    // The version still waits: the status bar offers it.
    expect(status.needsRefresh).toBe(true);
  });

  it('the new-version banner steps aside after a while; the status bar keeps offering the reload', async () => {
    vi.useFakeTimers();
    try {
      const { status, sw, options } = startedStatus();
      render(UpdatePrompt, { status });
      render(StatusBar, { connectivity: new Connectivity(), storage: new StorageStatus(), pwa: status });
      flushSync(() => options.onNeedRefresh?.());
      expect(screen.getByText('A new version of Offboard is available.')).toBeTruthy();
      expect(screen.queryByText('New version ready:')).toBeNull();
      vi.advanceTimersByTime(UPDATE_PROMPT_MS);
      flushSync();
      expect(screen.queryByText('A new version of Offboard is available.')).toBeNull();
      screen.getByRole('button', { name: 'reload' }).click();
      expect(sw.updates).toEqual([true]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('follows fields set directly on the state', () => {
    const status = new PwaStatus(fakeServiceWorker().register);
    render(UpdatePrompt, { status });
    flushSync(() => {
      status.isOfflineReady = true;
      status.needsRefresh = true;
      status.isUpdatePromptShown = true;
    });
    // A pending update is the news that matters; "ready offline" waits behind it.
    expect(screen.getByRole('alert').textContent).toContain('A new version of Offboard is available.');
    expect(screen.queryByText('Offboard is ready to work offline.')).toBeNull();
  });

  it('registers the service worker once however often it is started', () => {
    const sw = fakeServiceWorker();
    const status = new PwaStatus(sw.register);
    status.start();
    status.start();
    expect(sw.registrations).toHaveLength(1);
    flushSync(() => sw.registrations[0]?.onRegisterError?.(new Error('blocked')));
    expect(status.registerError).toBeInstanceOf(Error);
  });
});
