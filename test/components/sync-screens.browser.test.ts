/**
 * The sync screens as an admin uses them, over a real worker and IndexedDB in Chromium and the
 * reference sync server over HTTP (started by the browser commands in test/sync-server/): signing in
 * from Settings, the confirmation before a device's roster is replaced, and the Sync screen's refused
 * changes. The scheduler's clock is a hand-moved one that the tests never move: every sync here is one
 * the admin asked for.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { commands } from 'vitest/browser';
import Dexie from 'dexie';
import axe from 'axe-core';
import App from '../../src/components/App.svelte';
import { createAppState } from '../../src/app/create-app-state.ts';
import { startRosterWorker, type RosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import type { ServerUserState, SyncServerInfo } from '../sync-server/sync-server-commands.ts';
import { ManualClock } from '../app/manual-clock.ts';
import '../../src/app.css';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startSyncServer(options: { demoSize: number }): Promise<SyncServerInfo>;
    stopSyncServer(): Promise<void>;
    syncServerState(): Promise<{ revision: number; users: ServerUserState[]; communities: { id: string; adminIds: string[] }[] }>;
    transferCommunityAdminOnServer(args: { communityId: string; fromUserId: string; toUserId: string }): Promise<string>;
  }
}

const ADMIN_TOKEN = 'offboard-demo-admin';
const emptyDevice = `sync-screens-${crypto.randomUUID()}`;
const demoDevice = `sync-screens-demo-${crypto.randomUUID()}`;
const worker = startRosterWorker(emptyDevice);
let server: SyncServerInfo;

beforeAll(async () => {
  server = await commands.startSyncServer({ demoSize: 2_000 });
});

afterEach(() => {
  cleanup();
  // The screen lives in the URL's hash: each test starts on the list.
  location.hash = '#/users';
});

afterAll(async () => {
  await commands.stopSyncServer();
  await Dexie.delete(emptyDevice);
  await Dexie.delete(demoDevice);
});

function renderApp(on: RosterWorker = worker) {
  const state = createAppState(on, { clock: new ManualClock() });
  render(App, state);
  return state;
}

function statusBar(): HTMLElement {
  return screen.getByRole('contentinfo', { name: 'Device status' });
}

async function signInWith(user: ReturnType<typeof userEvent.setup>, token: string): Promise<void> {
  const url = screen.getByRole('textbox', { name: 'Server URL' });
  await user.clear(url);
  await user.type(url, server.url);
  const tokenField = screen.getByLabelText('Access token');
  await user.clear(tokenField);
  await user.type(tokenField, token);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

async function expectNoAxeViolations(): Promise<void> {
  const result = await axe.run(document.body, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa'] });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Plain active users: no admin role anywhere, not the signed-in admin, nobody's manager. */
async function plainActiveIds(count: number): Promise<string[]> {
  const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
  const ids = (await worker.matchingIds(queryId))!;
  const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids } });
  const blocked = new Set(plan.blocked.map((b) => b.userId));
  return ids.filter((id) => !blocked.has(id)).slice(-count);
}

describe('Signing in to a sync server (Settings)', () => {
  it('a wrong token shows the server’s refusal; the right one pulls the roster and shows the server, the admin and permissions', async () => {
    const user = userEvent.setup();
    renderApp();
    // An empty device offers the sign-in beside the demo and the import.
    await user.click(await screen.findByRole('button', { name: 'Sign in to a sync server' }, { timeout: 30_000 }));
    const section = await screen.findByRole('region', { name: 'Sync server' });
    expect(within(section).getByRole('textbox', { name: 'Server URL' })).toHaveProperty('value', `${location.origin}/api`);
    expect(within(section).getByLabelText('Access token').getAttribute('type')).toBe('password');

    await signInWith(user, 'not-a-token');
    const refusal = await within(section).findByRole('alert');
    expect(refusal.textContent).toBe('The server does not accept this token.');
    expect(within(section).getByLabelText('Access token').getAttribute('aria-invalid')).toBe('true');
    expect((await worker.syncState()).server).toBeNull();
    await expectNoAxeViolations();

    await signInWith(user, ADMIN_TOKEN);
    await within(section).findByText(/^Signed in to .+: 2,000 users received \(\d+(\.\d)? kB\)\.$/, undefined, { timeout: 30_000 });
    const state = await worker.syncState();
    const adminName = (await worker.summary()).admins.find((a) => a.id === state.server!.adminId)!.name;
    expect(within(section).getByText(server.url)).toBeTruthy();
    expect(within(section).getByText(adminName)).toBeTruthy();
    expect(within(section).getByText(state.server!.permissions.join(', '))).toBeTruthy();
    expect(state.server!.permissions).toContain('manage_users');
    expect(within(section).queryByRole('alert')).toBeNull();
    // The roster came with it: the console is ready, and the status bar says everything was sent.
    expect(screen.getByRole('navigation', { name: 'Screens' })).toBeTruthy();
    await waitFor(() => expect(within(statusBar()).getByText('All changes sent')).toBeTruthy());
    expect(within(statusBar()).getByText(/^Last sync \d\d:\d\d$/)).toBeTruthy();
    expect(within(section).getByRole('button', { name: 'Sign out' })).toBeTruthy();
    await expectNoAxeViolations();
  });

  it('a device holding another roster asks first, says what is lost, and replaces it only when confirmed', async () => {
    const demo = startRosterWorker(demoDevice);
    await demo.loadDemo(2_000);
    // One change made here and never sent anywhere: the confirmation must say it is lost.
    const { queryId } = await demo.query({ ...EMPTY_FILTER, status: 'active' });
    const someone = (await demo.matchingIds(queryId))!.at(-1)!;
    const plan = await demo.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [someone] } });
    await demo.applyPlan(plan.planId);
    expect((await demo.syncState()).pendingOperations).toBe(1);

    const user = userEvent.setup();
    renderApp(demo);
    await screen.findByRole('heading', { name: 'My Team' }, { timeout: 30_000 });
    await user.click(screen.getByRole('link', { name: 'Settings' }));
    await signInWith(user, ADMIN_TOKEN);

    let dialog = await screen.findByRole('dialog', { name: 'Replace the roster on this device?' });
    expect(dialog.textContent).toContain('This device holds 2,000 users that are not this server’s roster'.replace('’', "'"));
    expect(dialog.textContent).toContain('1 change made here and never sent to any server: it is lost.');
    expect(dialog.textContent).toContain('the audit log');
    await expectNoAxeViolations();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect((await demo.syncState()).server).toBeNull();
    expect((await demo.syncState()).pendingOperations).toBe(1);

    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    dialog = await screen.findByRole('dialog', { name: 'Replace the roster on this device?' });
    await user.click(within(dialog).getByRole('button', { name: 'Replace the roster' }));
    const section = screen.getByRole('region', { name: 'Sync server' });
    await within(section).findByText(/^Signed in to .+: 2,000 users received \(\d+(\.\d)? kB\)\.$/, undefined, { timeout: 30_000 });
    const state = await demo.syncState();
    expect(state).toMatchObject({ server: { url: server.url }, pendingOperations: 0, rejections: 0 });
    expect(within(section).getByText(server.url)).toBeTruthy();
  });
});

describe('The Sync screen', () => {
  it('F3: lists the changes the server refused; Discard forgets one, Retry plans it again and, once applied, settles it', async () => {
    const user = userEvent.setup();
    // Another admin makes two plain users community admins on the server; this device deactivates both.
    const [first, second, successor] = await plainActiveIds(3);
    const serverState = await commands.syncServerState();
    const [c1, c2] = serverState.communities.filter((c) => c.adminIds.length > 0);
    expect(await commands.transferCommunityAdminOnServer({ communityId: c1!.id, fromUserId: c1!.adminIds[0]!, toUserId: first! })).toBe('applied');
    expect(await commands.transferCommunityAdminOnServer({ communityId: c2!.id, fromUserId: c2!.adminIds[0]!, toUserId: second! })).toBe('applied');
    const plan = await worker.planLifecycle({ action: 'deactivate', selection: { kind: 'ids', ids: [first!, second!] } });
    expect(plan.eligibleCount).toBe(2);
    await worker.applyPlan(plan.planId);
    const [firstName, secondName, successorName] = await Promise.all([first, second, successor].map(async (id) => (await worker.userRef(id!))!.name));

    renderApp();
    await screen.findByRole('heading', { name: 'My Team' }, { timeout: 30_000 });
    await user.click(screen.getByRole('link', { name: 'Sync' }));
    const serverCard = await screen.findByRole('region', { name: 'Server' });
    await waitFor(() => expect(within(serverCard).getByText('1 change')).toBeTruthy());
    expect(within(statusBar()).getByText('1 change waiting')).toBeTruthy();
    await user.click(within(serverCard).getByRole('button', { name: 'Sync now' }));

    const table = await screen.findByRole('table', { name: 'Refused changes' }, { timeout: 30_000 });
    const rows = () => within(table).getAllByRole('row').slice(1);
    expect(rows()).toHaveLength(2);
    const firstRow = rows().find((r) => r.textContent!.includes(firstName!))!;
    expect(within(firstRow).getByText('Deactivate')).toBeTruthy();
    expect(within(firstRow).getByText('F3')).toBeTruthy();
    expect(firstRow.textContent).toContain(c1!.id);
    expect(screen.getByText(/Each user was already put back as the server holds them/)).toBeTruthy();
    // The users are back as the server holds them: active.
    expect((await worker.userDetail(first!))!.user.status).toBe('active');
    await waitFor(() => expect(within(statusBar()).getByRole('link', { name: '2 refused changes' })).toBeTruthy());
    expect(within(statusBar()).getByText('All changes sent')).toBeTruthy();
    await expectNoAxeViolations();

    await user.click(screen.getByRole('checkbox', { name: 'Select all refused changes' }));
    expect(screen.getByRole('button', { name: 'Discard selected (2)' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('button', { name: 'Retry selected (2)' })).toHaveProperty('disabled', false);
    await user.click(screen.getByRole('checkbox', { name: 'Select all refused changes' }));

    await user.click(within(firstRow).getByRole('button', { name: `Discard the refused deactivate of ${firstName}` }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(table.textContent).not.toContain(firstName);
    await waitFor(() => expect(within(statusBar()).getByRole('link', { name: '1 refused change' })).toBeTruthy());
    expect((await worker.syncRejections()).map((r) => r.userId)).toEqual([second]);

    // Retry opens the plan review for that user: after the pull the device knows the blocker (F3)…
    await user.click(screen.getByRole('button', { name: `Retry the deactivate of ${secondName}` }));
    await screen.findByRole('heading', { name: 'Review: deactivate 1 selected user' });
    await screen.findByRole('heading', { name: 'Blocked (1)' });
    // …which is resolved in place by passing the admin role on, and the plan is applied.
    // As picked from the suggestions: "Name (email)".
    const successorEmail = (await worker.userDetail(successor!))!.user.email;
    await user.type(screen.getByRole('combobox', { name: new RegExp(`^New admin of .+ \\(${c2!.id}\\) instead of `) }), `${successorName} (${successorEmail})`);
    const transfer = screen.getByRole('button', { name: `Transfer admin role of ${c2!.id}` });
    await waitFor(() => expect(transfer).toHaveProperty('disabled', false));
    await user.click(transfer);
    await user.click(await screen.findByRole('button', { name: 'Deactivate 1 user' }));
    await screen.findByText(/^1 user deactivated in 1 batch\./);
    // The refusal is settled: the change it stood for has been made again.
    await waitFor(async () => expect(await worker.syncRejections()).toEqual([]));
    await waitFor(() => expect(within(statusBar()).queryByRole('link', { name: /refused/ })).toBeNull());
    expect(within(statusBar()).getByText('2 changes waiting')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Back to the list' }));
    await user.click(screen.getByRole('link', { name: 'Sync' }));
    await screen.findByText('The server has refused none of this device’s changes.'.replace('’', "'"));
    // Sent this time: the server accepts both, the new admin first.
    await user.click(screen.getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(within(statusBar()).getByText('All changes sent')).toBeTruthy(), { timeout: 30_000 });
    expect((await commands.syncServerState()).users.find((u) => u.id === second)?.status).toBe('inactive');
  });
});
