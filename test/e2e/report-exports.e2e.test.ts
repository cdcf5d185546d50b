import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { unzipSync } from 'fflate';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';
import { loadDemo } from './app-steps.ts';
import { readStore } from './read-app-database.ts';

/** Clicks what starts a download and returns the file the browser saved, with its name. */
async function download(page: Page, click: () => Promise<unknown>): Promise<{ name: string; bytes: Buffer }> {
  const [file] = (await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()])) as [Download, unknown];
  return { name: file.suggestedFilename(), bytes: await readFile((await file.path())!) };
}

async function exportFromMenu(page: Page, item: string | RegExp): Promise<{ name: string; bytes: Buffer }> {
  await page.getByRole('button', { name: 'Export ▾' }).click();
  return download(page, () => page.getByRole('menu', { name: 'Export as CSV' }).getByRole('menuitem', { name: item }).click());
}

function csvLines(bytes: Buffer): string[] {
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  return text.slice(0, -2).split('\r\n');
}

describe('report exports, end to end', () => {
  const session = useBrowserSession();

  it('A4: My Team → Export → Users (all) downloads the active users as a CSV Excel opens; a filter narrows it', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('button', { name: 'Export ▾' }).click();
    const menu = page.getByRole('menu', { name: 'Export as CSV' });
    await menu.waitFor();
    // A4: the demo's ascender policy leaves inactive users out, and the menu says so.
    await page.getByText('Inactive users and their records are left out', { exact: false }).waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    const users = await readStore<{ id: string; email: string; status: string }>(page, 'users');
    const all = await exportFromMenu(page, 'Users (all)');
    expect(all.name).toMatch(/^offboard-users-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...rows] = csvLines(all.bytes);
    expect(header).toMatch(/^id,email,first_name,last_name,status,manager_id,last_login_at,created_at(,custom\.\w+)+$/);
    expect(rows).toHaveLength(users.filter((u) => u.status === 'active').length);
    await page.getByText(/^Saved offboard-users-.*Inactive users and their records are left out \(A4\)\./).waitFor();

    const someone = users.find((u) => u.status === 'active')!;
    await page.getByRole('searchbox', { name: 'Search users' }).fill(someone.email);
    await page.getByText('1 of 2,000 users match').waitFor();
    const filtered = await exportFromMenu(page, 'Users (filtered: 1)');
    expect(filtered.name).toMatch(/^offboard-users-filtered-/);
    const [, only, ...none] = csvLines(filtered.bytes);
    expect(only!.startsWith(`${someone.id},${someone.email},`)).toBe(true);
    expect(none).toEqual([]);

    const communities = await exportFromMenu(page, 'All communities');
    expect(csvLines(communities.bytes)[0]).toBe('id,name,global,admin_ids,admin_emails,member_count');
  });

  it('A5/A17: the plan’s snapshot warning offers "Export every report"; the zip downloads and the plan is built again without the warning', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByRole('combobox', { name: 'Custom field' }).selectOption('department');
    await page.getByRole('combobox', { name: 'Value' }).selectOption('Finance');
    await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
    await page.getByRole('button', { name: 'Actions ▾' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate…' }).click();
    const warning = page.getByRole('note').filter({ hasText: 'A5:' });
    await warning.waitFor();

    const zip = await download(page, () => warning.getByRole('button', { name: 'Export every report' }).click());
    expect(zip.name).toMatch(/^offboard-every-report-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files)).toContain('users.csv');
    expect(Object.keys(files)).toContain('all-communities.csv');
    expect(Object.keys(files)).toContain('audit.csv');
    await page.getByText(/a report snapshot now covers [\d,]+ users \(A17\)/).waitFor();
    await warning.waitFor({ state: 'detached' });
    expect(await readStore(page, 'reportSnapshots')).toHaveLength(1);

    const plan = await download(page, () => page.getByRole('button', { name: 'Export the plan (CSV)' }).click());
    expect(plan.name).toMatch(/^offboard-plan-deactivate-\d{4}/);
    const [header, ...rows] = csvLines(plan.bytes);
    expect(header).toBe('user_id,name,email,action,outcome,rule_ids,reasons,batch,result');
    expect(rows.some((r) => r.includes(',eligible,'))).toBe(true);
    expect(rows.some((r) => r.includes(',A5,'))).toBe(false);
  });

  it('Audit → Export CSV downloads the entries the filters keep', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    const audit = await download(page, () => page.getByRole('button', { name: /^Export CSV/ }).click());
    expect(audit.name).toMatch(/^offboard-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...rows] = csvLines(audit.bytes);
    expect(header).toBe('seq,at,actor_id,actor_name,action,target_id,target_name,rule_id,batch_id,selection_rule,summary');
    expect(rows.some((r) => r.includes(',load_demo,'))).toBe(true);
  });
});
