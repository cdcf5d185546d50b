/**
 * A 100,000-row users import in the real app (the built app, service worker included) onto an empty
 * device, driven from its screens as an admin would, to tell whether the page stays responsive while the
 * worker reads, checks and writes the file. The file (generate-users-csv.ts, about 12.5 MB) is written to a
 * temporary folder and chosen through the Import screen's file input, so the browser reads it from disk.
 * - longest_task_import_ms: the longest main-thread task from choosing the file to a second after
 *   "Import processed: …" shows (the app re-reads the roster's summary then): the files read and mapped,
 *   "Check files" with its progress, the preview, "Your email" filled with the file's first user (an
 *   empty device asks who its admin is), then "Import" and its chunks with their progress. The longest
 *   task of each step is logged, to tell which one held the page, and so is the time from choosing the
 *   file to the notice, and from there to the list showing every user (outside the measured window).
 */
import type { Locator } from 'playwright-core';
import type { BenchScenario } from '../bench-scenario.ts';
import { generatedUsersFile } from '../generated-users-file.ts';
import { installLongestTaskProbe } from '../longest-task-probe.ts';

const ROWS = 100_000;
/** How long the probe keeps watching after the notice shows, while the app re-reads the roster. */
const SETTLE_MS = 1_000;
const WRITE_TIMEOUT_MS = 10 * 60_000;

/** Waits for a control the scenario needs; when it never shows, says which one in the app's own words. */
async function need(locator: Locator, control: string, timeout = 30_000): Promise<Locator> {
  try {
    await locator.waitFor({ timeout });
  } catch (error) {
    throw new Error(`the app did not show ${control} within ${timeout / 1000} s`, { cause: error });
  }
  return locator;
}

export default {
  name: 'import-ui-100k',
  async run({ newContext, baseUrl, log }) {
    const file = await generatedUsersFile(ROWS);
    log(`users file: ${ROWS.toLocaleString('en')} rows, ${(file.bytes / 1e6).toFixed(1)} MB, written in ${Math.round(file.ms)} ms`);
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const probe = await installLongestTaskProbe(page);
    await page.goto(`${baseUrl}/`);
    await (await need(page.getByRole('button', { name: 'Import from CSV files' }), 'the button "Import from CSV files" on the first screen')).click();
    await need(page.getByRole('heading', { name: 'Import CSV files' }), 'the heading "Import CSV files"');
    const chooser = await need(page.getByLabel('Choose CSV files'), 'the file input "Choose CSV files"');

    await probe.start();
    const startedAt = performance.now();
    await chooser.setInputFiles(file.path);
    const checkButton = await need(page.getByRole('button', { name: 'Check files' }), 'the button "Check files"');
    await checkButton.click();
    const longestChoosing = await probe.lap();
    const checking = page.getByRole('progressbar', { name: 'Checking files' });
    const preview = page.getByRole('region', { name: 'Import preview' });
    // The check of 100,000 rows takes a second or two: its progress may come and go between two polls.
    const sawCheckProgress = await checking
      .or(preview)
      .first()
      .waitFor({ timeout: 60_000 })
      .then(() => checking.isVisible());
    await need(preview, 'the region "Import preview"', WRITE_TIMEOUT_MS);
    const checkedAt = performance.now();
    const longestChecking = await probe.lap();

    await (await need(preview.getByLabel('Your email'), 'the field "Your email" in the preview')).fill(file.firstUserEmail);
    await (await need(preview.getByRole('button', { name: 'Import', exact: true }), 'the button "Import" in the preview')).click();
    const sawWriteProgress = await page
      .getByRole('progressbar', { name: 'Importing' })
      .waitFor({ timeout: 30_000 })
      .then(
        () => true,
        () => false,
      );
    const notice = page.getByRole('status').filter({ hasText: /^\s*Import processed:/ });
    await need(notice, 'a status "Import processed: …"', WRITE_TIMEOUT_MS);
    const importedAt = performance.now();
    const longestWriting = await probe.lap();
    await page.waitForTimeout(SETTLE_MS);
    const longestAfter = await probe.lap();
    const longest = await probe.stop();

    // The notice's own words, without the button that follows them.
    const noticeText = (await notice.first().evaluate((element) => element.firstChild?.textContent ?? ''))?.trim() ?? '';
    log(noticeText);
    if (!noticeText.includes(`${ROWS} created`) && !noticeText.includes(`${ROWS.toLocaleString('en')} created`)) throw new Error(`not every row was imported: "${noticeText}"`);
    log(`progress seen: checking ${sawCheckProgress ? 'yes' : 'no (too quick to catch)'}, importing ${sawWriteProgress ? 'yes' : 'no'}`);
    log(`choosing the file to the preview: ${Math.round(checkedAt - startedAt)} ms; the preview to "Import processed": ${Math.round(importedAt - checkedAt)} ms`);
    log(`longest task (ms): choosing ${longestChoosing}, checking ${longestChecking}, filling in and writing ${longestWriting}, after the notice ${longestAfter}`);

    const listStartedAt = performance.now();
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'My Team' }).click();
    await need(page.getByText(`${ROWS.toLocaleString('en')} users`, { exact: true }), `the list with ${ROWS.toLocaleString('en')} users`, 60_000);
    log(`My Team to the list of every imported user: ${Math.round(performance.now() - listStartedAt)} ms`);
    return { name: 'longest_task_import_ms', value: longest, unit: 'ms' };
  },
} satisfies BenchScenario;
