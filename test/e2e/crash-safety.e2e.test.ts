/**
 * A tab closed in the middle of writing leaves the state before or after each transaction, never a mix:
 * an apply cut short has whole batches only (A14: each batch atomic), what the next start shows is what
 * IndexedDB holds, and the storage's compaction, which folds the change log into blocks in the
 * background, changes nothing anyone can read, even when the tab is closed while it runs. A load cut
 * short leaves nothing of itself: the next start says so and shows the empty first screen.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserSession } from './browser-session.ts';
import { loadDemo, chooseAction } from './app-steps.ts';
import { readRoster, readStore } from './read-app-database.ts';

/** What the list says matches the status filter, as a number. */
async function listedWithStatus(page: Page, status: 'active' | 'inactive'): Promise<number> {
  await page.getByRole('combobox', { name: 'Status' }).selectOption(status);
  const count = page.getByText(/^[\d,]+ of 2,000 users match$/);
  await count.waitFor();
  return Number((await count.textContent())!.split(' ')[0]!.replace(/,/g, ''));
}

describe('crash safety, end to end', () => {
  const session = useBrowserSession();

  it('A14: a tab closed in the middle of an apply leaves whole batches; the next start shows what IndexedDB holds, before and after compaction', async () => {
    const { page, context } = session();
    await loadDemo(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('textbox', { name: /Users per batch/ }).fill('5');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.', { exact: false }).waitFor();

    await page.getByRole('link', { name: 'My Team' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByRole('combobox', { name: 'Community' }).selectOption({ label: 'All Company (global)' });
    await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
    await chooseAction(page, 'Deactivate…');
    const activeBefore = (await readStore<{ id: string; status: string }>(page, 'users')).filter((u) => u.status === 'active').map((u) => u.id);
    await page.getByRole('button', { name: /^Deactivate [\d,]+ users$/ }).click();
    // Closed once a few batches are in, long before the last.
    await page.getByText(/^Batch ([3-9]|\d\d+) of [\d,]+:/).waitFor({ timeout: 60_000 });
    await page.close();

    const next = await context.newPage();
    await next.goto('/');
    await next.getByText('2,000 users', { exact: true }).waitFor({ timeout: 30_000 });
    const operations = await readStore<{ kind: string; userIds: string[]; batchCount: number; planId: string }>(next, 'outbox');
    const batches = operations.filter((op) => op.kind === 'deactivate');
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.length).toBeLessThan(batches[0]!.batchCount);
    const { users } = await readRoster(next);
    const status = new Map(users.map((u) => [u.id, u.status]));
    // Every batch whole: each of its users inactive; nobody outside the applied batches changed.
    const applied = new Set(batches.flatMap((op) => op.userIds));
    for (const op of batches) expect(op.userIds.filter((id) => status.get(id) !== 'inactive')).toEqual([]);
    expect(activeBefore.filter((id) => !applied.has(id) && status.get(id) !== 'active')).toEqual([]);
    const audited = (await readStore<{ action: string; targetId: string }>(next, 'audit')).filter((a) => a.action === 'deactivate').map((a) => a.targetId);
    expect(new Set(audited)).toEqual(applied);

    // The list shows what IndexedDB holds.
    const inactive = users.filter((u) => u.status === 'inactive').length;
    expect(await listedWithStatus(next, 'inactive')).toBe(inactive);

    // Compaction folds the change log into blocks while the tab stays open; nothing read changes.
    await expect.poll(async () => (await readStore(next, 'changeLog')).length, { timeout: 30_000 }).toBe(0);
    expect((await readRoster(next)).users).toEqual(users);
    await next.reload();
    await next.getByText('2,000 users', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await listedWithStatus(next, 'inactive')).toBe(inactive);
  });

  it('a load of the demo cut short by a closed tab leaves nothing of itself, and the next start says so', async () => {
    const { page, context } = session();
    await page.goto('/');
    await page.getByRole('combobox', { name: 'Demo size' }).selectOption('100000');
    await page.getByRole('button', { name: 'Load demo organization' }).click();
    // Closed once some chunks are stored, long before the last.
    await page.getByText(/^Stored [1-9][\d,]* of 100,000 users/).waitFor({ timeout: 60_000 });
    await page.close();

    const next = await context.newPage();
    await next.goto('/');
    await next.getByRole('alert').filter({ hasText: 'A previous load of 100,000 users did not finish' }).waitFor({ timeout: 30_000 });
    await next.getByRole('button', { name: 'Load demo organization' }).waitFor();
    // Nothing of it in IndexedDB: no user, no block, no log entry, no organization, no audit entry.
    expect((await readRoster(next)).users).toEqual([]);
    for (const store of ['blockHeads', 'blockBodies', 'changeLog', 'organization', 'admins', 'communities', 'audit']) expect(await readStore(next, store), store).toEqual([]);
    // And the device takes a load again.
    await next.getByRole('combobox', { name: 'Demo size' }).selectOption('2000');
    await next.getByRole('button', { name: 'Load demo organization' }).click();
    await next.getByText('2,000 users', { exact: true }).waitFor({ timeout: 60_000 });
    expect((await readRoster(next)).users).toHaveLength(2_000);
  });

  it('A14: a tab closed while compaction is due or folding the change log into blocks loses nothing and mixes nothing', async () => {
    const { page, context } = session();
    await loadDemo(page);
    // Many users in the log: every active member of the global community deactivated, in batches.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByRole('combobox', { name: 'Community' }).selectOption({ label: 'All Company (global)' });
    await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('button', { name: /^Deactivate [\d,]+ users$/ }).click();
    await page.getByLabel('Result summary').waitFor({ timeout: 120_000 });
    const before = await readRoster(page);
    // Compaction starts a second after writes pause and folds in steps, a transaction each: the tab is
    // closed about then, while a step may be under way.
    await page.waitForTimeout(900);
    await page.close();

    const next = await context.newPage();
    await next.goto('/');
    await next.getByText('2,000 users', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await readRoster(next)).toEqual(before);
    const inactive = before.users.filter((u) => u.status === 'inactive').length;
    expect(inactive).toBeGreaterThan(1_000);
    expect(await listedWithStatus(next, 'inactive')).toBe(inactive);
    // What was left of the log is folded after the restart, and still nothing read changes.
    await expect.poll(async () => (await readStore(next, 'changeLog')).length, { timeout: 30_000 }).toBe(0);
    expect(await readRoster(next)).toEqual(before);
  });
});
