/**
 * The users screen at 100,000 users, driven as an admin would: load the demo organization from the first
 * screen, then type in the search box.
 * - load_demo_100k_ms: from the click to the list showing 100,000 users (generate, store every record, index).
 * - load_demo_100k_records / load_demo_records_per_s: how many records that stored (users, each of their
 *   records, the organization-wide ones: what the demo generator yields for that size, counted in Node
 *   after the load, whatever number of IndexedDB values the roster store packs them into; that number
 *   is logged), and the rate, to set against idb_raw_put_100k_ms (which stores 100,000 records of one
 *   table); load_demo_per_record_vs_raw: time per record stored, over raw IndexedDB's time per record,
 *   same run.
 * - filter_100k_ms: median time from a keystroke to the filtered count on screen.
 * - longest_task_filter_ms / longest_task_load_demo_ms: longest main-thread task while typing / loading.
 */
import type { Page } from 'playwright-core';
import type { BenchScenario } from '../bench-scenario.ts';
import { generateDemoOrganization } from '../../../src/core/generate-demo-organization.ts';
import { PER_USER_RECORD_KINDS } from '../../../src/core/roster-types.ts';
import { median } from '../bench-statistics.ts';
import { installLongestTaskProbe } from '../longest-task-probe.ts';

const SIZE = 100_000;
const TYPED = ['zoe', 'zoe m', 'a', 'al', 'ale', 'alej', 'ander', 'north', 'sato', 'kim p'];

/**
 * The records a load of the demo organization of `size` stores: its users, each of their records and the
 * organization-wide ones, as the generator yields them (the same demo for the same size: the app loads
 * the default seed).
 */
function countDemoRecords(size: number): number {
  const demo = generateDemoOrganization({ size });
  const { header } = demo;
  let records = 1 + header.admins.length + header.methodologies.length + header.communities.length + header.customFields.length;
  for (const chunk of demo.chunks(10_000)) for (const kind of PER_USER_RECORD_KINDS) records += chunk[kind].length;
  return records;
}

/** Counts every value in the app's database, with raw IndexedDB: how many the records above took. */
function countStoredValues(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('offboard');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const names = [...db.objectStoreNames];
          const tx = db.transaction(names, 'readonly');
          let total = 0;
          for (const name of names) {
            const count = tx.objectStore(name).count();
            count.onsuccess = () => (total += count.result);
          }
          tx.oncomplete = () => {
            db.close();
            resolve(total);
          };
        };
      }),
  );
}

/** Types `text` key by key into the focused search box; returns each keystroke's time to the count. */
async function typeAndTime(page: Page, text: string): Promise<number[]> {
  const timings: number[] = [];
  let typed = '';
  for (const key of text) {
    typed += key;
    await page.evaluate(() => {
      const marks = globalThis as typeof globalThis & { keydownAt?: number };
      document.addEventListener('keydown', () => (marks.keydownAt = performance.now()), { once: true, capture: true });
    });
    await page.keyboard.press(key === ' ' ? 'Space' : key);
    const elapsed = await page.waitForFunction(
      (expected) => {
        const keydownAt = (globalThis as typeof globalThis & { keydownAt?: number }).keydownAt;
        if (keydownAt === undefined) return null;
        const shown = performance
          .getEntriesByName('offboard:count-shown')
          .find((m) => m.startTime >= keydownAt && (m as PerformanceMark).detail?.text === expected);
        return shown ? shown.startTime - keydownAt : null;
      },
      typed,
      { polling: 'raf', timeout: 30_000 },
    );
    timings.push((await elapsed.jsonValue()) as number);
    await page.waitForTimeout(60);
  }
  return timings;
}

export default {
  name: 'roster-100k',
  async run({ newContext, baseUrl, log, earlierFigure }) {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const probe = await installLongestTaskProbe(page);
    await page.goto(`${baseUrl}/`);
    await page.getByRole('combobox', { name: 'Demo size' }).selectOption(String(SIZE));

    await probe.start();
    const startedAt = Date.now();
    await page.getByRole('button', { name: 'Load demo organization' }).click();
    await page.getByText('100,000 users', { exact: true }).waitFor({ timeout: 15 * 60_000 });
    const loadMs = Date.now() - startedAt;
    const longestLoad = await probe.stop();
    const values = await countStoredValues(page);
    const records = countDemoRecords(SIZE);
    log(`loaded ${records} records in ${loadMs} ms, stored as ${values} IndexedDB values`);

    const search = page.getByRole('searchbox', { name: 'Search users' });
    const timings: number[] = [];
    await probe.start();
    for (const text of TYPED) {
      await search.fill('');
      await page.getByText('100,000 users', { exact: true }).waitFor();
      await search.focus();
      timings.push(...(await typeAndTime(page, text)));
    }
    const longestFilter = await probe.stop();
    log(`keystroke to count (ms): ${timings.map((t) => t.toFixed(1)).join(', ')}`);

    const rawMs = earlierFigure('idb_raw_put_100k_ms');
    const perRecordRatio =
      rawMs === undefined ? [] : [{ name: 'load_demo_per_record_vs_raw', value: Math.round((loadMs / records / (rawMs / 100_000)) * 100) / 100, unit: 'ratio' }];

    return [
      { name: 'load_demo_100k_ms', value: loadMs, unit: 'ms' },
      ...perRecordRatio,
      { name: 'load_demo_100k_records', value: records, unit: 'records' },
      { name: 'load_demo_records_per_s', value: Math.round(records / (loadMs / 1000)), unit: 'records/s' },
      { name: 'longest_task_load_demo_ms', value: longestLoad, unit: 'ms' },
      { name: 'filter_100k_ms', value: Math.round(median(timings) * 10) / 10, unit: 'ms' },
      { name: 'longest_task_filter_ms', value: longestFilter, unit: 'ms' },
    ];
  },
} satisfies BenchScenario;
