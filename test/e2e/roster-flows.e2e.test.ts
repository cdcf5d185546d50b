import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';

async function loadDemo(page: Page, size = '2000'): Promise<void> {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Demo size' }).selectOption(size);
  await page.getByRole('button', { name: 'Load demo organization' }).click();
  await page.getByRole('heading', { name: 'My Team' }).waitFor({ timeout: 60_000 });
}

function usersTable(page: Page) {
  return page.getByRole('table', { name: 'Users' });
}

describe('the roster, end to end', () => {
  const session = useBrowserSession();

  it('first run: loads the demo organization and lists its users', async () => {
    const { page, consoleErrors } = session();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Welcome to Offboard' }).waitFor();
    await loadDemo(page);
    await page.getByText('2,000 users', { exact: true }).waitFor();
    const names = usersTable(page).getByRole('button', { name: /^Show details of / });
    await names.first().waitFor();
    expect(await names.count()).toBeGreaterThan(5);
    await expect(page.getByRole('contentinfo', { name: 'Device status' }).textContent()).resolves.toMatch(/Online/);
    expect(consoleErrors).toEqual([]);
  });

  it('filters, then selects all N matching beyond the visible rows', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByRole('combobox', { name: 'Custom field' }).selectOption('department');
    await page.getByRole('combobox', { name: 'Value' }).selectOption('Finance');
    const count = page.getByText(/^[\d,]+ of 2,000 users match$/);
    await count.waitFor();
    const matching = (await count.textContent())!.split(' ')[0]!;
    expect(Number(matching.replace(/,/g, ''))).toBeGreaterThan(100);

    await page.getByRole('button', { name: `Select all ${matching} matching` }).click();
    await page.getByText(`${matching} selected`, { exact: true }).waitFor();
    await page.getByText(`All ${matching} matching users are selected.`).waitFor();
    // Rows far below the fold are selected too.
    await usersTable(page).getByRole('rowgroup').last().evaluate((viewport) => (viewport.scrollTop = viewport.scrollHeight));
    const lastBox = usersTable(page).getByRole('checkbox', { name: /^Select / }).last();
    await expect.poll(() => lastBox.isChecked()).toBe(true);

    await page.getByRole('searchbox', { name: 'Search users' }).fill('zzzz-nobody');
    await page.getByText('No user matches these filters.').waitFor();
    await page.getByText('0 of 2,000 users match').waitFor();
  });

  it('shows the app and all its data after a reload with the network off', async () => {
    const { page, context } = session();
    await loadDemo(page);
    await page.getByText('2,000 users', { exact: true }).waitFor();
    // The service worker must have installed the shell before the network goes away.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.getByText('Offboard is ready to work offline.').waitFor({ timeout: 30_000 });

    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: 'My Team' }).waitFor({ timeout: 30_000 });
    await page.getByText('2,000 users', { exact: true }).waitFor();
    await usersTable(page).getByRole('button', { name: /^Show details of / }).first().waitFor();
    await expect(page.getByRole('contentinfo', { name: 'Device status' }).textContent()).resolves.toMatch(/Offline/);

    await page.getByRole('searchbox', { name: 'Search users' }).fill('zoe');
    await page.getByText(/^\d+ of 2,000 users match$/).waitFor();
    await context.setOffline(false);
  });

  it('has no serious or critical accessibility violation on the users screen, the detail panel and the dialog', async () => {
    const { page } = session();
    await loadDemo(page);
    await usersTable(page).getByRole('button', { name: /^Show details of / }).first().waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    await usersTable(page).getByRole('button', { name: /^Show details of / }).first().click();
    await page.getByRole('complementary', { name: 'User details' }).getByRole('heading', { name: 'Licenses' }).waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    // The other screens, then the dialog.
    for (const screen of ['Audit', 'Settings']) {
      await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: screen }).click();
      await page.getByRole('heading', { name: screen, level: 1 }).waitFor();
      await page.waitForTimeout(200);
      expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    }
    await page.getByRole('button', { name: 'Remove data from this device' }).click();
    await page.getByRole('dialog', { name: 'Remove the roster from this device?' }).waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 }).isVisible()).resolves.toBe(true);
  });

  it('works at phone width: cards, folded filters, no sideways scrolling', async () => {
    const { page } = session();
    await page.setViewportSize({ width: 360, height: 740 });
    await loadDemo(page);
    await usersTable(page).getByRole('button', { name: /^Show details of / }).first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await page.getByRole('combobox', { name: 'Status' }).isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('inactive');
    await page.getByText(/^\d+ of 2,000 users match$/).waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    await usersTable(page).getByRole('button', { name: /^Show details of / }).first().click();
    const panel = page.getByRole('complementary', { name: 'User details' });
    await panel.getByRole('heading', { name: 'Retained history' }).waitFor();
    await panel.getByRole('button', { name: 'Close details' }).click();
    await expect(panel.count()).resolves.toBe(0);

    for (const screen of ['Audit', 'Settings']) {
      await page.getByRole('link', { name: screen }).click();
      await page.getByRole('heading', { name: screen, level: 1 }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    }
  });

  it('removes the roster from the device after confirmation, back to the first screen', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Remove data from this device' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove data' }).click();
    await page.getByRole('heading', { name: 'Welcome to Offboard' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Load demo organization' }).waitFor();
  });
});

/**
 * The visible controls and text of the page that a notice's box overlaps: empty when the notice sits in
 * the page's flow, as it should, rather than over it.
 */
async function contentCoveredBy(page: Page, noticeText: string): Promise<string[]> {
  return page.evaluate((text) => {
    const notice = [...document.querySelectorAll<HTMLElement>('p')].find((p) => p.textContent?.trim() === text)?.parentElement;
    if (!notice) throw new Error(`no notice "${text}" on the page`);
    const box = notice.getBoundingClientRect();
    const covered: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>('button, a, input, select, label, h1, h2, h3, p, td, th, li, dt, dd')) {
      if (notice.contains(element) || element.contains(notice)) continue;
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const overlaps = rect.left < box.right && rect.right > box.left && rect.top < box.bottom && rect.bottom > box.top;
      if (overlaps) covered.push(`${element.tagName.toLowerCase()}: ${(element.textContent ?? '').trim().slice(0, 40)}`);
    }
    return covered;
  }, noticeText);
}

describe('notices, end to end', () => {
  const session = useBrowserSession();

  for (const width of [1280, 360]) {
    it(`the "ready to work offline" notice covers no control or text at ${width} px, and goes by itself`, async () => {
      const { page } = session();
      await page.setViewportSize({ width, height: 800 });
      await loadDemo(page);
      const notice = page.getByText('Offboard is ready to work offline.');
      await notice.waitFor({ timeout: 30_000 });
      expect(await contentCoveredBy(page, 'Offboard is ready to work offline.')).toEqual([]);
      // The page can still be used under it: the first user's row is visible and clickable.
      await usersTable(page).getByRole('button', { name: /^Show details of / }).first().click({ trial: true });
      await notice.waitFor({ state: 'detached', timeout: 30_000 });
    });
  }
});
