import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Dexie from 'dexie';
import App from '../../src/components/App.svelte';
import { createAppState } from '../../src/app/create-app-state.ts';
import { startRosterWorker } from '../../src/app/roster-worker-client.ts';
import '../../src/app.css';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';

const databaseName = `app-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);

afterEach(() => cleanup());

afterAll(async () => {
  await Dexie.delete(databaseName);
});

/** Each test renders the app anew over the same database: the roster the first test loaded stays. */
async function renderLoadedApp(): Promise<void> {
  render(App, createAppState(worker));
  await screen.findByRole('heading', { name: 'My Team' }, { timeout: 30_000 });
  await waitFor(() => expect(screen.getByText('2,000 users')).toBeTruthy());
}

/** The matching count of the users screen: the status of the My Team region. */
function findCountStatus(): HTMLElement | null {
  const region = screen.queryByRole('region', { name: 'My Team' });
  return region && within(region).queryByRole('status');
}

/**
 * Every text the count shows from now on, in order, each once: a text that flashes for a single frame
 * is caught too, since every change of the page is seen.
 */
function watchCountTexts(): { texts: string[]; stop: () => void } {
  const texts: string[] = [];
  let status: HTMLElement | null = null;
  const note = (): void => {
    if (!status?.isConnected) status = findCountStatus();
    const text = status?.textContent?.trim();
    if (text !== undefined && texts.at(-1) !== text) texts.push(text);
  };
  const observer = new MutationObserver(note);
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  note();
  return { texts, stop: () => observer.disconnect() };
}

/** Waits until the count belongs to the filter in the controls: no query is under way for it. */
async function waitForSettledCount(pattern: RegExp): Promise<string> {
  await waitFor(() => {
    const status = findCountStatus()!;
    expect(status.getAttribute('aria-busy')).not.toBe('true');
    expect(status.textContent!.trim()).toMatch(pattern);
  });
  return findCountStatus()!.textContent!.trim();
}


describe('App: first run and the users screen', () => {
  it('offers the demo organization on an empty device, loads it, and lists the users', async () => {
    const user = userEvent.setup();
    render(App, createAppState(worker));

    const load = await screen.findByRole('button', { name: 'Load demo organization' });
    expect(screen.getByRole('combobox', { name: 'Demo size' })).toHaveProperty('value', '2000');
    const count = watchCountTexts();
    await user.click(load);

    await screen.findByRole('heading', { name: 'My Team' }, { timeout: 30_000 });
    await waitFor(() => expect(screen.getByText('2,000 users')).toBeTruthy());
    count.stop();
    // Before the first answer the count is blank, not "0 users".
    expect(count.texts.filter(Boolean)).toEqual(['2,000 users']);
    const table = screen.getByRole('table', { name: 'Users' });
    await waitFor(() => expect(within(table).getAllByRole('checkbox').length).toBeGreaterThan(5));
    expect(within(table).getByRole('columnheader', { name: 'Email' })).toBeTruthy();
    expect(within(table).getByRole('columnheader', { name: 'Offboard' })).toBeTruthy();
  });

  it('filters as the admin types and always shows the filtered count', async () => {
    const user = userEvent.setup();
    await renderLoadedApp();
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'zoe');
    await waitFor(() => expect(screen.getByText(/^\d+ of 2,000 users match$/)).toBeTruthy());
    const table = screen.getByRole('table', { name: 'Users' });
    await waitFor(() => {
      const names = within(table).getAllByRole('button', { name: /^Show details of/ });
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(name.textContent).toMatch(/^Zoë /);
    });

    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'inactive');
    await user.clear(screen.getByRole('searchbox', { name: 'Search users' }));
    await waitFor(() => expect(screen.getByText(/^\d+ of 2,000 users match$/)).toBeTruthy());
    await waitFor(() => {
      const statuses = within(table).getAllByText(/^(Active|Inactive)$/);
      expect(statuses.every((s) => s.textContent === 'Inactive')).toBe(true);
    });
  });

  it('A6/F10: selects rows, the visible rows, and all N matching', async () => {
    const user = userEvent.setup();
    await renderLoadedApp();
    const table = screen.getByRole('table', { name: 'Users' });
    const firstBox = (await within(table).findAllByRole('checkbox', { name: /^Select / }))[0]!;
    await user.click(firstBox);
    expect(screen.getByText('1 selected')).toBeTruthy();

    await user.click(screen.getByRole('checkbox', { name: /^Select visible/ }));
    await waitFor(() => expect(screen.getByText(/^\d+ selected$/).textContent).not.toBe('1 selected'));

    await user.selectOptions(screen.getByRole('combobox', { name: 'Custom field' }), 'region');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Value' }), 'EMEA');
    const match = await screen.findByText(/^[\d,]+ of 2,000 users match$/);
    const matching = match.textContent!.split(' ')[0]!;
    await user.click(screen.getByRole('button', { name: `Select all ${matching} matching` }));
    expect(screen.getByText(`${matching} selected`)).toBeTruthy();

    // Unticking one row in "all matching" mode leaves the rest selected.
    await user.click((await within(table).findAllByRole('checkbox', { name: /^Select / }))[0]!);
    const expected = (Number(matching.replace(/,/g, '')) - 1).toLocaleString('en-US');
    expect(screen.getByText(`${expected} selected`)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Clear selection' }));
    expect(screen.getByText('0 selected')).toBeTruthy();
  });

  it('shows one user in the detail panel, and filters to a manager subtree from it', async () => {
    const user = userEvent.setup();
    await renderLoadedApp();
    const detailOf = await worker.userDetail('U0000003');
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), detailOf!.user.email);
    await user.click(await screen.findByRole('button', { name: `Show details of ${detailOf!.name}` }));

    const panel = await screen.findByRole('complementary', { name: 'User details' });
    await within(panel).findByRole('heading', { name: detailOf!.name });
    expect(within(panel).getByText('manage_users, reports, delete_users')).toBeTruthy();
    expect(within(panel).getByRole('heading', { name: 'Licenses' })).toBeTruthy();
    expect(within(panel).getByRole('heading', { name: 'Retained history' })).toBeTruthy();

    await user.click(within(panel).getByRole('button', { name: `Show ${detailOf!.name}'s team in the list` }));
    await user.clear(screen.getByRole('searchbox', { name: 'Search users' }));
    await waitFor(() => expect(screen.getByText(`${detailOf!.reportsBelowCount.toLocaleString('en-US')} of 2,000 users match`)).toBeTruthy());
    expect(screen.getByRole('button', { name: `Stop filtering by ${detailOf!.name}'s team` })).toBeTruthy();

    await user.click(within(panel).getByRole('button', { name: 'Close details' }));
    expect(screen.queryByRole('complementary', { name: 'User details' })).toBeNull();
  });

  it("filters to a manager's team picked by name from suggestions", async () => {
    const user = userEvent.setup();
    await renderLoadedApp();
    const [manager] = await worker.searchManagers('a', 1);
    const field = screen.getByRole('combobox', { name: "Manager's team" });
    await user.type(field, manager!.name);
    const chip = await screen.findByRole('button', { name: /^Stop filtering by .+'s team$/ });
    await waitFor(() => expect(screen.getByText(/^[\d,]+ of 2,000 users match$/)).toBeTruthy());
    await user.click(chip);
    await waitFor(() => expect(screen.getByText('2,000 users')).toBeTruthy());
  });

  it('F10: the Active toggle of one row opens the plan review for that user, and nothing changes on Back', async () => {
    const user = userEvent.setup();
    await renderLoadedApp();
    const table = screen.getByRole('table', { name: 'Users' });
    const toggle = (await within(table).findAllByRole('switch', { checked: true }))[0]!;
    const name = toggle.getAttribute('aria-label')!.replace('Active: ', '');
    await user.click(toggle);
    await screen.findByRole('heading', { name: 'Review: deactivate 1 selected user' });
    expect(await screen.findByText('Will be deactivated')).toBeTruthy();
    expect(screen.getByText('Nothing has changed yet. This is what deactivate would do.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Back to the list' }));
    await screen.findByRole('heading', { name: 'My Team' });
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Users' })).getByRole('switch', { name: `Active: ${name}` }).getAttribute('aria-checked')).toBe('true'));
  });

  it('F10/A9: deactivating the user on the detail panel shows them Inactive there too, once applied', async () => {
    const user = userEvent.setup();
    await renderLoadedApp();
    // A plain user: no community admin (F3), not the signed-in admin (X1).
    const { queryId } = await worker.query({ ...EMPTY_FILTER, status: 'active' });
    let plain: { name: string; email: string } | null = null;
    for (const id of (await worker.matchingIds(queryId))!.slice(0, 200)) {
      const detail = (await worker.userDetail(id))!;
      if (!detail.admin && !detail.communities.some((c) => c.isAdmin)) {
        plain = { name: detail.name, email: detail.user.email };
        break;
      }
    }
    // Pasted, one query: typed key by key, an earlier prefix can already count "1 of 2,000" while the
    // answers to the last keys still redraw the row that is about to be clicked.
    await user.click(screen.getByRole('searchbox', { name: 'Search users' }));
    await user.paste(plain!.email);
    await screen.findByText('1 of 2,000 users match');
    const table = screen.getByRole('table', { name: 'Users' });
    await user.click(await within(table).findByRole("button", { name: `Show details of ${plain!.name}` }));
    const panel = await screen.findByRole('complementary', { name: 'User details' });
    await within(panel).findByText('Active');
    await user.click(within(table).getByRole('switch', { name: `Active: ${plain!.name}` }));
    await user.click(await screen.findByRole('button', { name: 'Deactivate 1 user' }));
    await screen.findByText(/1 user deactivated in 1 batch\./);
    await user.click(screen.getByRole('button', { name: 'Back to the list' }));
    await waitFor(() => expect(screen.getByRole("complementary", { name: "User details" }).textContent).toMatch(/StatusInactive since /));
  });
});

describe('App: the count, the rows and "Select all N matching" belong to the filter in the controls', () => {
  it('while the admin types, the count goes from the last filter\'s straight to the new one\'s, never through a keystroke in between', async () => {
    // No pause between keystrokes: every one lands before the worker answers the first.
    const user = userEvent.setup({ delay: null });
    await renderLoadedApp();
    const count = watchCountTexts();
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'zo');
    const settled = await waitForSettledCount(/^[\d,]+ of 2,000 users match$/);
    count.stop();
    expect(count.texts).toEqual(['2,000 users', settled]);
    const { count: expected } = await worker.query({ ...EMPTY_FILTER, text: 'zo' });
    expect(settled).toBe(`${expected.toLocaleString('en-US')} of 2,000 users match`);
  });

  it('A6: filters picked in quick succession show only the last one\'s count, and "Select all N matching" plans for exactly those users', async () => {
    const user = userEvent.setup({ delay: null });
    await renderLoadedApp();
    const count = watchCountTexts();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'active');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Custom field' }), 'department');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Value' }), 'Finance');
    const settled = await waitForSettledCount(/^[\d,]+ of 2,000 users match$/);
    count.stop();
    expect(count.texts).toEqual(['2,000 users', settled]);
    const matching = settled.split(' ')[0]!;

    await user.click(screen.getByRole('button', { name: `Select all ${matching} matching` }));
    expect(screen.getByText(`All ${matching} matching users are selected.`)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Actions ▾' }));
    await user.click(screen.getByRole('menuitem', { name: 'Deactivate…' }));
    await screen.findByRole('heading', { name: `Review: deactivate ${matching} selected users` });
    await user.click(await screen.findByRole('button', { name: 'Back to the list' }));
    await screen.findByRole('heading', { name: 'My Team' });
  });

  it('A6: "Select all N matching" cannot be pressed while its N is still the previous filter\'s', async () => {
    const user = userEvent.setup({ delay: null });
    await renderLoadedApp();
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'zo');
    // The worker has not answered yet: 2,000 is the count of no filter at all.
    expect(screen.getByRole('button', { name: 'Select all 2,000 matching' })).toHaveProperty('disabled', true);
    const settled = await waitForSettledCount(/^[\d,]+ of 2,000 users match$/);
    const matching = settled.split(' ')[0]!;
    expect(screen.getByRole('button', { name: `Select all ${matching} matching` })).toHaveProperty('disabled', false);
  });
});
