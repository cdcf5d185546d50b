import { describe, expect, it } from 'vitest';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';
import { loadDemo } from './app-steps.ts';
import { readStore } from './read-app-database.ts';

describe('saved selection rules, end to end', () => {
  const session = useBrowserSession();

  it('saves filters as a rule, runs it from the Rules screen, plans and applies; the audit names the rule', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByText('More criteria', { exact: false }).click();
    await page.getByRole('combobox', { name: 'Last sign-in' }).selectOption('never');
    const count = page.getByText(/^\d+ of 2,000 users match$/);
    await count.waitFor();
    const matching = Number((await count.textContent())!.split(' ')[0]);
    expect(matching).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Save as rule…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save these filters as a rule' });
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.getByText('Give the rule a name.').waitFor();
    await dialog.getByRole('textbox', { name: 'Rule name' }).fill('Never signed in');
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Rule “Never signed in” saved.').waitFor();

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('heading', { name: 'Never signed in' }).waitFor();
    await page.getByText('Active · never signed in').waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: `Show ${matching} users` }).click();
    await page.getByText(`${matching} of 2,000 users match · rule “Never signed in”`).waitFor();
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'Plan ▾' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate…' }).click();
    await page.getByRole('heading', { name: `Review: deactivate ${matching} selected users` }).waitFor();
    const apply = page.getByRole('button', { name: /^Deactivate \d+ users$/ });
    const eligible = Number((await apply.textContent())!.match(/\d+/)![0]);
    await apply.click();
    await page.getByText(`${eligible} users deactivated in`, { exact: false }).waitFor();

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('combobox', { name: 'Action' }).selectOption('deactivate');
    await page.getByText(`of ${eligible} matching`, { exact: false }).waitFor();
    expect(await page.getByRole('table', { name: 'Audit entries' }).getByText('rule “Never signed in”').count()).toBeGreaterThan(0);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
  });

  it('F6: an uploaded file of ids and emails selects those users and names the entries that match nobody', async () => {
    const { page } = session();
    await loadDemo(page);
    const emails = (await readStore<{ email: string }>(page, 'users', 3)).map((u) => u.email);
    await page.getByText('More criteria', { exact: false }).click();
    const file = `email\r\n${emails[0]}\r\n${emails[1]!.toUpperCase()}\r\nU0000004\r\nnobody@nowhere.example\r\n`;
    await page.getByLabel('Or load them from a file').setInputFiles({ name: 'leavers.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByText('3 of 2,000 users match').waitFor();
    await page.getByText('1 match nobody on this roster', { exact: false }).waitFor();
    await page.getByText('nobody@nowhere.example', { exact: false }).waitFor();

    await page.getByLabel('Or load them from a file').setInputFiles({ name: 'photo.csv', mimeType: 'text/csv', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]) });
    await page.getByText('photo.csv is not a text file.', { exact: false }).waitFor();
    await page.getByText('3 of 2,000 users match').waitFor();
  });
});
