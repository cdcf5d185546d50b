/**
 * A large deactivation in the real app at 100,000 users (the built app, service worker included), driven
 * as an admin would, to tell whether the page stays responsive while the worker plans and applies it.
 * The demo organization is loaded from the first screen, every record, as in roster-100k.
 * - longest_task_plan_ms: the longest main-thread task from the click on "Select all N matching" to a
 *   second after the apply's result shows (the app refreshes its summary and list then): every active
 *   user of one department selected (about 15,000), Actions → Deactivate…, the plan review built, then
 *   "Deactivate N users" and its batches of 100 with their progress. The longest task of each step
 *   (selecting and planning, applying, after the result) is logged, to tell which one held the page.
 */
import type { Locator, Page } from 'playwright-core';
import type { BenchScenario } from '../bench-scenario.ts';
import { installLongestTaskProbe } from '../longest-task-probe.ts';

const SIZE = 100_000;
const DEPARTMENT = 'Finance';
/** How long the probe keeps watching after the result shows, while the app re-reads the roster. */
const SETTLE_MS = 1_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs `change` on the filters and waits until the matching count on screen is a new one. */
async function changeFilter(page: Page, count: Locator, change: () => Promise<unknown>): Promise<string> {
  const before = (await count.textContent())?.trim() ?? '';
  await change();
  const after = count.filter({ hasNotText: new RegExp(`^\\s*${escapeRegExp(before)}\\s*$`) });
  await after.waitFor({ timeout: 60_000 });
  return (await after.textContent())?.trim() ?? '';
}

export default {
  name: 'lifecycle-ui-100k',
  async run({ newContext, baseUrl, log }) {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const probe = await installLongestTaskProbe(page);
    await page.goto(`${baseUrl}/`);
    await page.getByRole('combobox', { name: 'Demo size' }).selectOption(String(SIZE));
    log(`loading the ${SIZE.toLocaleString('en')}-user demo organization from the first screen`);
    await page.getByRole('button', { name: 'Load demo organization' }).click();
    await page.getByText(`${SIZE.toLocaleString('en')} users`, { exact: true }).waitFor({ timeout: 15 * 60_000 });

    const count = page.getByRole('region', { name: 'My Team' }).getByRole('status');
    await changeFilter(page, count, () => page.getByRole('combobox', { name: 'Status' }).selectOption('active'));
    await changeFilter(page, count, () => page.getByRole('combobox', { name: 'Custom field' }).selectOption('department'));
    const countText = await changeFilter(page, count, () => page.getByRole('combobox', { name: 'Value' }).selectOption(DEPARTMENT));
    const matching = /^([\d,]+) of /.exec(countText)?.[1];
    if (!matching) throw new Error(`unexpected count on screen: "${countText}"`);
    log(`filter: active users of ${DEPARTMENT}, ${countText}`);

    await probe.start();
    const startedAt = performance.now();
    await page.getByRole('button', { name: `Select all ${matching} matching` }).click();
    await page.getByText(`All ${matching} matching users are selected.`).waitFor();
    await page.getByRole('button', { name: 'Actions ▾' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate…' }).click();
    await page.getByRole('heading', { name: /^Review:/ }).waitFor();
    const confirm = page.getByRole('button', { name: /^Deactivate [\d,]+ users$/ });
    await confirm.waitFor({ timeout: 5 * 60_000 });
    const reviewedAt = performance.now();
    const longestPlanning = await probe.lap();
    const confirmLabel = (await confirm.textContent())?.trim() ?? '';
    await confirm.click();
    const outcome = page.getByText('users deactivated in', { exact: false }).or(page.getByText(/Batch \d+ failed/));
    await outcome.first().waitFor({ timeout: 15 * 60_000 });
    const appliedAt = performance.now();
    const longestApplying = await probe.lap();
    await page.waitForTimeout(SETTLE_MS);
    const longestAfter = await probe.lap();
    const longest = await probe.stop();

    const result = (await outcome.first().textContent())?.trim() ?? '';
    if (/failed/.test(result)) throw new Error(`the apply failed: ${result}`);
    log(`select all to the review's button: ${Math.round(reviewedAt - startedAt)} ms; "${confirmLabel}" to the result: ${Math.round(appliedAt - reviewedAt)} ms`);
    log(result);
    log(`longest task (ms): selecting and planning ${longestPlanning}, applying ${longestApplying}, after the result ${longestAfter}`);
    return { name: 'longest_task_plan_ms', value: longest, unit: 'ms' };
  },
} satisfies BenchScenario;
