import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';
import { loadDemo } from './app-steps.ts';
import { readStore } from './read-app-database.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));

async function openImport(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Import CSV files' }).waitFor();
}

function csvPayload(name: string, lines: string[]): { name: string; mimeType: string; buffer: Buffer } {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\r\n') + '\r\n', 'utf8') };
}

describe('CSV import, end to end', () => {
  const session = useBrowserSession();

  it('imports a users file: preview with every rejected row, the rejected rows as CSV, nothing written before Import, then created and updated', async () => {
    const { page, consoleErrors } = session();
    await loadDemo(page);
    await openImport(page);
    const usersBefore = (await readStore(page, 'users')).length;
    await page.getByLabel('Choose CSV files').setInputFiles(`${FIXTURES}users.csv`);
    await page.getByText('Reads as utf-8', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Check files' }).click();
    const preview = page.getByRole('region', { name: 'Import preview' });
    await preview.waitFor({ timeout: 30_000 });
    await expect(preview.getByRole('note').filter({ hasText: 'A15' }).count()).resolves.toBe(1);
    await preview.getByRole('cell', { name: 'status must be active or inactive, not "retired".' }).waitFor();
    // An unknown status is also offered in the value mapping step.
    await preview.getByLabel('Read “retired” in status as').waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    // Nothing written by the check.
    expect((await readStore(page, 'users')).length).toBe(usersBefore);

    const [download] = (await Promise.all([page.waitForEvent('download'), preview.getByRole('button', { name: /Download the \d+ rejected rows/ }).click()])) as [Download, unknown];
    expect(download.suggestedFilename()).toBe('users-rejected.csv');
    const rejected = (await readFile((await download.path())!)).toString('utf8');
    expect(rejected.split('\r\n')[0]).toMatch(/,error$/);
    expect(rejected).toContain('not-an-email');

    // The preview's counts are what the import then does.
    const countOf = async (term: string) => Number((await preview.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd').innerText()).replace(/,/g, ''));
    const created = await countOf('Created');
    const updated = await countOf('Updated');
    expect(created).toBeGreaterThan(0);
    await preview.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').filter({ hasText: `Import processed: ${created} created, ${updated} updated` }).waitFor({ timeout: 30_000 });
    const users = await readStore<{ id: string; managerId: string | null }>(page, 'users');
    expect(users.length).toBe(usersBefore + created);
    expect(users.some((u) => u.id === 'N0000010')).toBe(false);
    // The new users are in the list.
    await page.getByRole('link', { name: 'My Team' }).click();
    await page.getByRole('searchbox').fill('Lars Olsen');
    await page.getByText('1 of', { exact: false }).first().waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('A13/A15/A16: a change via upload sets a custom field by email, warns that fields are visible, and says "upload processed"', async () => {
    const { page } = session();
    await loadDemo(page);
    const users = await readStore<{ id: string; email: string; status: string }>(page, 'users');
    const targets = users.filter((u) => u.status === 'active').slice(10, 13);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(
      csvPayload('wave-9.csv', ['email,custom.offboard', ...targets.map((u) => `${u.email.toUpperCase()},wave-9`), 'ghost@nowhere.example,wave-9']),
    );
    await page.getByRole('article', { name: 'wave-9.csv' }).getByText('Custom fields of existing users (change via upload)').waitFor();
    await page.getByRole('button', { name: 'Check files' }).click();
    const preview = page.getByRole('region', { name: 'Import preview' });
    await preview.getByRole('note').filter({ hasText: 'A15' }).waitFor();
    await preview.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').filter({ hasText: 'Upload processed: 3 changed, 1 rejected.' }).waitFor({ timeout: 30_000 });
    const after = await readStore<{ id: string; customFields: Record<string, string> }>(page, 'users');
    for (const target of targets) expect(after.find((u) => u.id === target.id)?.customFields['offboard']).toBe('wave-9');
  });

  it('F6: a bulk-deactivation file opens the plan review with exactly those users, and lists the entries that match nobody', async () => {
    const { page } = session();
    await loadDemo(page);
    const users = await readStore<{ id: string; status: string; managerId: string | null }>(page, 'users');
    const communities = await readStore<{ adminIds: string[] }>(page, 'communities');
    const admins = new Set(communities.flatMap((c) => c.adminIds));
    const managers = new Set(users.map((u) => u.managerId));
    const leavers = users.filter((u) => u.status === 'active' && !admins.has(u.id) && !managers.has(u.id)).slice(0, 4);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(csvPayload('leavers.csv', ['id', ...leavers.map((u) => u.id), 'U9999990']));
    await page.getByRole('button', { name: 'Check files' }).click();
    const preview = page.getByRole('region', { name: 'Import preview' });
    await preview.getByText('1 entry matches nobody').first().waitFor();
    await preview.getByRole('button', { name: 'Review plan: Deactivate 4 users' }).click();
    await page.getByRole('heading', { name: 'Review: deactivate 4 selected users' }).waitFor({ timeout: 30_000 });
    const willBe = page.locator('dt', { hasText: 'Will be deactivated' }).locator('xpath=following-sibling::dd');
    expect(await willBe.innerText()).toBe('4');
  });

  it('reads another platform’s file without a header through the column mapping, remembered for the next file', async () => {
    const { page } = session();
    await loadDemo(page);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(`${FIXTURES}fuse-no-header.csv`);
    const form = page.getByRole('group', { name: 'How should fuse-no-header.csv be read?' });
    await form.waitFor();
    await form.getByLabel('What the file holds').selectOption('users');
    await form.getByLabel('Field for column 1').selectOption('id');
    await form.getByLabel('Field for column 2').selectOption('email');
    await form.getByLabel('Field for column 3').selectOption('first_name');
    await form.getByLabel('Field for column 4').selectOption('last_name');
    await form.getByRole('button', { name: 'Use this mapping' }).click();
    await page.getByRole('button', { name: 'Check files' }).click();
    const preview = page.getByRole('region', { name: 'Import preview' });
    await preview.waitFor();
    // Choosing the file again: the remembered mapping is shown, and used only once confirmed.
    await page.getByLabel('Choose CSV files').setInputFiles(`${FIXTURES}fuse-no-header.csv`);
    const remembered = page.getByRole('group', { name: 'Remembered mapping for fuse-no-header.csv' });
    await remembered.getByText('Column 2 → email').waitFor();
    expect(await page.getByRole('button', { name: 'Check files' }).isDisabled()).toBe(true);
    await remembered.getByRole('button', { name: 'Use this mapping' }).click();
    await page.getByText('mapping remembered from an earlier file', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Check files' }).isDisabled()).toBe(false);
  });

  it('a platform’s own words: known ones read by themselves, the others mapped in the preview, checked again, imported and remembered', async () => {
    const { page } = session();
    await loadDemo(page);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(`${FIXTURES}platform-assignments.csv`);
    await page.getByRole('button', { name: 'Check files' }).click();
    const preview = page.getByRole('region', { name: 'Import preview' });
    const values = preview.getByRole('group', { name: 'Values in platform-assignments.csv that Offboard does not know' });
    await values.waitFor({ timeout: 30_000 });
    const countOf = async (term: string) => Number((await preview.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd').innerText()).replace(/,/g, ''));
    expect(await countOf('Rejected')).toBe(3);
    // Both spellings of "on hold" are one value of two rows.
    expect(await values.getByRole('row', { name: /On hold/ }).getByRole('cell').first().innerText()).toBe('2');
    await values.getByLabel('Read “On hold” in status as').selectOption('in_progress');
    expect(await values.getByLabel('Read “Waived” in status as').inputValue()).toBe('');
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    await values.getByRole('button', { name: 'Check again with these values' }).click();
    await preview.getByLabel('Read “On hold” in status as').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await countOf('Created')).toBe(9);
    expect(await countOf('Rejected')).toBe(1);
    await preview.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').filter({ hasText: 'Import processed: 9 created' }).waitFor({ timeout: 30_000 });
    const assignments = await readStore<{ id: string; status: string }>(page, 'assignments');
    const statusOf = (id: string) => assignments.find((a) => a.id === id)?.status;
    expect(['A-VOC-1', 'A-VOC-4', 'A-VOC-5', 'A-VOC-7', 'A-VOC-8', 'A-VOC-9', 'A-VOC-10'].map(statusOf)).toEqual(['not_started', 'in_progress', 'completed', 'overdue', 'in_progress', 'in_progress', undefined]);

    // The next file of the same shape shows the answers and asks before using them.
    await page.getByRole('button', { name: 'Import more files' }).click();
    await page.getByLabel('Choose CSV files').setInputFiles(`${FIXTURES}platform-assignments.csv`);
    const remembered = page.getByRole('group', { name: 'Remembered mapping for platform-assignments.csv' });
    await remembered.getByText('“on hold” in status → in_progress').waitFor();
    await remembered.getByText('“waived” in status → rows rejected').waitFor();
  });

  it('a header naming a column twice is said with its positions before the mapping; no column is dropped unsaid', async () => {
    const { page } = session();
    await loadDemo(page);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(`${FIXTURES}duplicate-headers.csv`);
    const file = page.getByRole('article', { name: 'duplicate-headers.csv' });
    await file.getByRole('alert').filter({ hasText: 'The header names the column “email” 3 times, at columns 2, 4 and 6.' }).waitFor();
    await file.getByText('Choose which of the columns with the same name fills the field; the other is not imported.').waitFor();
    expect(await page.getByText('not Offboard', { exact: false }).count()).toBe(0);
    const form = file.getByRole('group', { name: 'How should duplicate-headers.csv be read?' });
    await form.getByRole('button', { name: 'Use this mapping' }).click();
    await file.getByText('Not imported: email (column 4), Email (column 6).').waitFor();
  });

  it('every problem of a row at once: no id, an email that is not one, an unknown status and an unknown manager', async () => {
    const { page } = session();
    await loadDemo(page);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(
      csvPayload('broken.csv', ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at', ',not-an-email,Nia,Null,gone,U9999999,,2026-11-01']),
    );
    await page.getByRole('button', { name: 'Check files' }).click();
    const row = page.getByRole('region', { name: 'Import preview' }).getByRole('row', { name: /^2 / });
    const problems = await row.getByRole('cell').nth(1).innerText();
    expect(problems).toContain('id is required.');
    expect(problems).toContain('"not-an-email" is not an email address.');
    expect(problems).toContain('status must be active or inactive, not "gone".');
    expect(problems).toContain('No user U9999999 on this roster or in this file to be the manager.');
  });

  it('a binary file named .csv and an empty file each get a clear message, and nothing changes', async () => {
    const { page } = session();
    await loadDemo(page);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles([`${FIXTURES}binary.csv`, `${FIXTURES}empty.csv`]);
    await page.getByRole('alert').filter({ hasText: 'binary.csv' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'empty.csv' }).waitFor();
    expect(await page.getByRole('button', { name: 'Check files' }).count()).toBe(0);
  });

  it('sets up an empty device from a users file, with the admin named by email', async () => {
    const { page } = session();
    await page.goto('/');
    await page.getByRole('button', { name: 'Import from CSV files' }).click();
    await page.getByLabel('Choose CSV files').setInputFiles(
      csvPayload('roster.csv', [
        'id,email,first_name,last_name,status,manager_id,last_login_at,created_at',
        'E1,boss@acme.example,Ada,Boss,active,,,2024-01-01',
        'E2,admin@acme.example,Al,Admin,active,E1,,2024-01-01',
        'E3,worker@acme.example,Wu,Worker,active,E2,,2024-01-01',
      ]),
    );
    await page.getByRole('button', { name: 'Check files' }).click();
    const preview = page.getByRole('region', { name: 'Import preview' });
    await preview.waitFor();
    const importButton = preview.getByRole('button', { name: 'Import' });
    expect(await importButton.isDisabled()).toBe(true);
    await preview.getByLabel('Your email').fill('admin@acme.example');
    await importButton.click();
    await page.getByRole('status').filter({ hasText: 'Import processed: 3 created' }).waitFor({ timeout: 30_000 });
    await page.getByText('Signed in as Al Admin').waitFor();

    // The imported roster starts as "My organization": Settings names it; a blank name is refused.
    const header = page.getByRole('banner');
    await header.getByText('My organization', { exact: false }).waitFor();
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Settings' }).click();
    const name = page.getByRole('textbox', { name: /^Name\b/ });
    expect(await name.inputValue()).toBe('My organization');
    await name.fill('   ');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Give the organization a name.').waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.fill('Acme  Corporation');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.', { exact: false }).waitFor();
    await header.getByText('Acme Corporation ·', { exact: false }).waitFor();
    const audit = await readStore<{ action: string; summary: string }>(page, 'audit');
    expect(audit.filter((e) => e.action === 'change_settings').map((e) => e.summary)).toContain('Settings changed: name “My organization” → “Acme Corporation”.');
  });

  it('a tab closed in the middle of an import leaves whole chunks only; the next start offers to resume it, and resuming lands every row once', async () => {
    const { page, context } = session();
    await loadDemo(page);
    const lines = ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at'];
    for (let i = 1; i <= 60_000; i++) lines.push(`T${String(i).padStart(7, '0')},tab.${i}@northwind.example,Tab,Closed ${i},active,U0000002,,2026-11-01`);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(csvPayload('big-hire.csv', lines));
    await page.getByRole('button', { name: 'Check files' }).click();
    await page.getByRole('region', { name: 'Import preview' }).getByRole('button', { name: 'Import' }).click({ timeout: 60_000 });
    await page.getByText(/Importing: big-hire\.csv — [1-9][\d,]* rows read/).waitFor({ timeout: 60_000 });
    await page.close();

    const next = await context.newPage();
    await next.goto('/');
    await next.getByRole('alert').filter({ hasText: 'An import of big-hire.csv stopped part way' }).waitFor({ timeout: 60_000 });
    // Whole chunks only: the rows written are a multiple of the chunk size.
    const written = (await readStore<{ id: string }>(next, 'users')).filter((u) => u.id.startsWith('T')).length;
    expect(written % 2_000).toBe(0);
    await next.getByRole('link', { name: 'Resume it or discard it' }).click();
    await next.getByRole('button', { name: 'Resume the import' }).click();
    await next.getByRole('status').filter({ hasText: 'Import processed:' }).waitFor({ timeout: 120_000 });
    const ids = (await readStore<{ id: string }>(next, 'users')).map((u) => u.id).filter((id) => id.startsWith('T'));
    expect(ids.length).toBe(60_000);
    expect(new Set(ids).size).toBe(60_000);
    await expect(next.getByRole('alert').filter({ hasText: 'stopped part way' }).count()).resolves.toBe(0);
  });

  it('an import cut short can be discarded from the next start: the roster is as it was', async () => {
    const { page, context } = session();
    await loadDemo(page);
    const before = (await readStore(page, 'users')).length;
    const lines = ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at'];
    for (let i = 1; i <= 60_000; i++) lines.push(`X${String(i).padStart(7, '0')},undo.${i}@northwind.example,Un,Done ${i},active,U0000002,,2026-11-01`);
    await openImport(page);
    await page.getByLabel('Choose CSV files').setInputFiles(csvPayload('mistake.csv', lines));
    await page.getByRole('button', { name: 'Check files' }).click();
    await page.getByRole('region', { name: 'Import preview' }).getByRole('button', { name: 'Import' }).click({ timeout: 60_000 });
    await page.getByText(/Importing: mistake\.csv — [1-9][\d,]* rows read/).waitFor({ timeout: 60_000 });
    await page.close();

    const next = await context.newPage();
    await next.goto('/#/import');
    await next.getByRole('button', { name: 'Discard it' }).click({ timeout: 60_000 });
    await next.getByRole('status').filter({ hasText: 'The interrupted import was discarded' }).waitFor({ timeout: 60_000 });
    expect((await readStore(next, 'users')).length).toBe(before);
  });
});
