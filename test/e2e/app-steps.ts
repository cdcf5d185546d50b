/**
 * Steps the end-to-end tests take as an admin would, by role and label: load the demo organization,
 * tick one user's row, open an action's plan review.
 */
import type { Page } from 'playwright-core';

/** Loads the 2,000-user demo organization from the first screen and waits for its list. */
export async function loadDemo(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Load demo organization' }).click();
  await page.getByText('2,000 users', { exact: true }).waitFor({ timeout: 60_000 });
}

/**
 * Searches for one user and ticks their row; ticks made before stay (a selection of ids). The row is
 * found by its email: after an earlier search the count already reads "1 of 2,000" and the earlier
 * user's row may still be drawn until the new answer arrives, and ticking that one again changes nothing.
 */
export async function selectUser(page: Page, email: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search users' }).fill(email);
  const row = page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ has: page.getByRole('cell', { name: email, exact: true }) });
  await row.waitFor();
  await page.getByText('1 of 2,000 users match').waitFor();
  await row.getByRole('checkbox', { name: /^Select / }).check();
}

/** Actions → the action, and waits for its plan review. */
export async function chooseAction(page: Page, label: string): Promise<void> {
  await page.getByRole('button', { name: 'Actions ▾' }).click();
  await page.getByRole('menuitem', { name: label }).click();
  await page.getByRole('heading', { name: /^Review:/ }).waitFor();
}
