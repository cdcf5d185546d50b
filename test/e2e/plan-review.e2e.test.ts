import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Download, Locator, Page } from 'playwright-core';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';
import { loadDemo, selectUser, chooseAction } from './app-steps.ts';
import { readStore } from './read-app-database.ts';

interface StoredUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: 'active' | 'inactive';
  managerId: string | null;
  communityIds: string[];
  counts: { certificates: number; assignments: number };
}

/** The demo's signed-in admin (X1): never a subject of these plans. */
const SIGNED_IN_ADMIN = 'U0000003';

async function download(page: Page, click: () => Promise<unknown>): Promise<{ name: string; text: string }> {
  const [file] = (await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()])) as [Download, unknown];
  return { name: file.suggestedFilename(), text: (await readFile((await file.path())!)).toString('utf8') };
}

const nameOf = (u: Pick<StoredUser, 'firstName' | 'lastName'>): string => `${u.firstName} ${u.lastName}`;

/** The roster as stored, with who administers a community or the organization: users no plan blocks. */
async function readRoster(page: Page) {
  const users = await readStore<StoredUser>(page, 'users');
  const communities = await readStore<{ id: string; name: string; adminIds: string[] }>(page, 'communities');
  const admins = await readStore<{ userId: string }>(page, 'admins');
  const blockedIds = new Set([SIGNED_IN_ADMIN, ...admins.map((a) => a.userId), ...communities.flatMap((c) => c.adminIds)]);
  const isPlain = (u: StoredUser) => u.status === 'active' && !blockedIds.has(u.id);
  return { users, communities, isPlain };
}

/** The text an element's aria-describedby points at: what a screen reader says with it. */
async function descriptionOf(page: Page, element: Locator): Promise<string> {
  const id = await element.getAttribute('aria-describedby');
  expect(id).toBeTruthy();
  return (await page.locator(`[id="${id}"]`).textContent())?.trim() ?? '';
}

describe('the plan review, end to end', () => {
  const session = useBrowserSession();

  it('F3: an exact email or full name (case and accents ignored) selects the new admin; a shared or unknown name says why Transfer stays disabled', async () => {
    const { page } = session();
    await loadDemo(page);
    const { users, communities } = await readRoster(page);
    const adminCount = new Map<string, number>();
    for (const c of communities) for (const id of c.adminIds) adminCount.set(id, (adminCount.get(id) ?? 0) + 1);
    const community = communities.find((c) => c.adminIds.some((id) => adminCount.get(id) === 1 && id !== SIGNED_IN_ADMIN))!;
    const admin = users.find((u) => u.id === community.adminIds.find((id) => adminCount.get(id) === 1 && id !== SIGNED_IN_ADMIN))!;
    const active = users.filter((u) => u.status === 'active' && u.id !== admin.id);
    const byName = new Map<string, StoredUser[]>();
    for (const u of active) byName.set(nameOf(u), [...(byName.get(nameOf(u)) ?? []), u]);
    const [sharedName, namesakes] = [...byName].find(([, named]) => named.length > 1)!;
    // A unique name with an accent, typed without it: "Zoë" as "zoe".
    const accented = active.find((u) => byName.get(nameOf(u))!.length === 1 && nameOf(u).normalize('NFD') !== nameOf(u))!;
    const typedAccented = nameOf(accented).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

    await selectUser(page, admin.email);
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('heading', { name: 'Blocked (1)' }).waitFor();
    const field = page.getByRole('combobox', { name: new RegExp(`^New admin of ${community.name} \\(${community.id}\\) instead of `) });
    const transfer = page.getByRole('button', { name: `Transfer admin role of ${community.id}` });

    // Nothing typed: disabled, and it says what to type.
    expect(await transfer.isDisabled()).toBe(true);
    expect(await descriptionOf(page, transfer)).toBe('Type the full name or the email of an active user.');

    await field.fill('Nobody Byth-Isname');
    await page.getByText('No active user has the name or email “Nobody Byth-Isname”.', { exact: false }).waitFor();
    expect(await transfer.isDisabled()).toBe(true);
    expect(await descriptionOf(page, transfer)).toMatch(/^No active user has the name or email/);

    await field.fill(sharedName.toUpperCase());
    const several = `${namesakes.length} active users are named “${sharedName.toUpperCase()}”: type the email of the one you mean.`;
    await page.getByText(several).waitFor();
    expect(await transfer.isDisabled()).toBe(true);
    expect(await descriptionOf(page, transfer)).toBe(several);

    await field.fill(typedAccented);
    await page.getByText(`${nameOf(accented)} (${accented.email}) becomes the admin of ${community.name} (${community.id}).`).waitFor();
    expect(await transfer.isDisabled()).toBe(false);

    const successor = namesakes[0]!;
    await field.fill(successor.email.toUpperCase());
    await page.getByText(`${nameOf(successor)} (${successor.email}) becomes the admin of ${community.name} (${community.id}).`).waitFor();
    expect(await transfer.isDisabled()).toBe(false);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    await transfer.click();

    await page.getByRole('button', { name: 'Deactivate 1 user' }).waitFor();
    expect(await page.getByRole('heading', { name: /^Blocked/ }).count()).toBe(0);
    const stored = (await readStore<{ id: string; adminIds: string[] }>(page, 'communities')).find((c) => c.id === community.id)!;
    expect(stored.adminIds).toContain(successor.id);
  });

  it('F3: every blocked admin’s transfer form is in the page, not in a small scroll box; per user, the plan names what it removes, a page at a time', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('combobox', { name: 'Community' }).selectOption({ label: 'All Company (global)' });
    await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('heading', { name: /^Blocked \(\d+\)$/ }).waitFor();

    const fields = page.getByRole('combobox', { name: /^New admin of / });
    const count = await fields.count();
    expect(count).toBeGreaterThan(5);
    for (let i = 0; i < count; i++) {
      // A scroll box smaller than half the window around a form would hide it until scrolled inside.
      const clippedBy = await fields.nth(i).evaluate((element) => {
        for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
          const style = getComputedStyle(box);
          const scrolls = /(auto|scroll|hidden)/.test(style.overflowY) && box.scrollHeight > box.clientHeight + 1;
          if (scrolls && box.clientHeight < window.innerHeight / 2) return box.outerHTML.slice(0, 60);
        }
        return null;
      });
      expect(clippedBy, `form ${i + 1} of ${count}`).toBeNull();
    }
    const last = page.getByRole('button', { name: /^Transfer admin role of / }).last();
    await last.scrollIntoViewIfNeeded();
    expect(await last.isVisible()).toBe(true);

    // The counts stay; the detail behind them is read when asked for, 25 users at a time.
    const eligible = Number((await page.getByText('Will be deactivated').locator('xpath=following-sibling::dd').textContent())!.replace(/,/g, ''));
    await page.getByText(/^\d[\d,]* community memberships and [\d,]+ membership requests removed \(F9\)$/).waitFor();
    expect(await page.getByRole('list', { name: 'What each user loses' }).count()).toBe(0);
    await page.getByText('What each user loses', { exact: false }).click();
    const removals = page.getByRole('list', { name: 'What each user loses' });
    await removals.waitFor();
    expect(await removals.getByRole('listitem').count()).toBe(25);
    await page.getByText(`25 of ${eligible.toLocaleString('en-US')} users shown.`).waitFor();
    // Communities by name and id: "All Company (C-1)".
    expect(await removals.getByText(/All Company \(C-1\)/).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Show more users' }).click();
    await page.getByText(`50 of ${eligible.toLocaleString('en-US')} users shown.`).waitFor();
    expect(await removals.getByRole('listitem').count()).toBe(50);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
  });

  it('F9/A3/A7: one user’s certificates, assignments and communities are named in the plan; once applied the result replaces the review and the plan’s export notice is gone', async () => {
    const { page } = session();
    await loadDemo(page);
    const { users, communities, isPlain } = await readRoster(page);
    const subject = users.find((u) => isPlain(u) && u.counts.certificates > 0 && u.counts.assignments > 0 && u.communityIds.length > 1)!;
    const certificates = (await readStore<{ userId: string; courseId: string; communityId: string }>(page, 'certificates')).filter((c) => c.userId === subject.id);
    const assignments = (await readStore<{ userId: string; contentId: string }>(page, 'assignments')).filter((a) => a.userId === subject.id);
    const communityName = new Map(communities.map((c) => [c.id, c.name]));

    await selectUser(page, subject.email);
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('heading', { name: 'Review: deactivate 1 selected user' }).waitFor();
    await page.getByText('What each user loses', { exact: false }).click();
    const entry = page.getByRole('list', { name: 'What each user loses' }).getByRole('listitem').filter({ hasText: subject.email });
    await entry.waitFor();
    for (const id of subject.communityIds) await entry.getByText(`${communityName.get(id)} (${id})`, { exact: false }).first().waitFor();
    for (const c of certificates) await entry.getByText(`${c.courseId} in ${communityName.get(c.communityId)} (${c.communityId})`, { exact: false }).first().waitFor();
    for (const a of assignments) await entry.getByText(a.contentId, { exact: false }).first().waitFor();
    await entry.getByText(`${subject.communityIds.length} community memberships (F9)`).waitFor();

    await download(page, () => page.getByRole('button', { name: 'Export the plan (CSV)' }).click());
    const saved = page.getByText(/^Saved offboard-plan-/);
    await saved.waitFor();
    await page.getByRole('button', { name: 'Deactivate 1 user' }).click();

    await page.getByRole('heading', { name: 'Result: 1 user deactivated' }).waitFor();
    await page.getByText('1 user deactivated in 1 batch. The changes wait in the outbox for the next sync.').waitFor();
    const summary = page.getByRole('definition').filter({ hasText: /^1$/ });
    expect(await summary.count()).toBeGreaterThan(0);
    expect(await page.getByText('Batches applied').count()).toBe(1);
    // Not the review: its title, its counts, its lists.
    expect(await page.getByRole('heading', { name: /^Review:/ }).count()).toBe(0);
    expect(await page.getByText('Will be deactivated').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'What changes' }).count()).toBe(0);
    // The notice of the plan's export was about the screen before.
    expect(await saved.count()).toBe(0);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    const result = await download(page, () => page.getByRole('button', { name: 'Export the result (CSV)' }).click());
    expect(result.text).toContain(`${subject.id},`);
    expect(result.text).toContain(',deactivated');
  });

  it('R6/A8: reactivating a user whose manager left with them and stays inactive says so in the plan', async () => {
    const { page } = session();
    await loadDemo(page);
    const { users, isPlain } = await readRoster(page);
    const manager = users.find((m) => isPlain(m) && users.some((r) => r.managerId === m.id && isPlain(r)))!;
    const report = users.find((r) => r.managerId === manager.id && isPlain(r))!;

    // Both leave in one plan: A8 moves neither, so the report keeps their inactive manager.
    await selectUser(page, manager.email);
    await selectUser(page, report.email);
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('button', { name: 'Deactivate 2 users' }).click();
    await page.getByRole('heading', { name: 'Result: 2 users deactivated' }).waitFor();
    await page.getByRole('button', { name: 'Back to the list' }).click();

    await selectUser(page, report.email);
    await chooseAction(page, 'Reactivate…');
    const warning = page.getByRole('note').filter({ hasText: 'R6:' });
    await warning.waitFor();
    expect(await warning.textContent()).toContain(`${nameOf(report)} reports to ${nameOf(manager)}, who is inactive and stays so`);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    // With the manager in the same plan, nobody comes back under an inactive manager.
    await page.getByRole('button', { name: 'Back to the list' }).click();
    await selectUser(page, manager.email);
    await chooseAction(page, 'Reactivate…');
    await page.getByRole('heading', { name: 'Review: reactivate 2 selected users' }).waitFor();
    await page.getByText('Will be reactivated').waitFor();
    expect(await page.getByRole('note').filter({ hasText: 'R6:' }).count()).toBe(0);
  });

  for (const width of [1280, 360]) {
    it(`A12: beyond the seat limit the chart says "over the limit", and draws the limit on the bar and in the legend (${width} px)`, async () => {
      const { page } = session();
      await loadDemo(page);
      const { users, isPlain } = await readRoster(page);
      const subject = users.find(isPlain)!;
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('textbox', { name: /^Platform seats/ }).fill('1800');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.', { exact: false }).waitFor();
      await page.getByRole('link', { name: 'My Team' }).click();

      await selectUser(page, subject.email);
      await chooseAction(page, 'Deactivate…');
      await page.setViewportSize({ width, height: 900 });
      const seats = page.getByRole('img', { name: /^Platform seats \(A12\)/ });
      await seats.scrollIntoViewIfNeeded();
      expect(await seats.getAttribute('aria-label')).toBe(
        'Platform seats (A12): before, 1,901 in use, 101 over the limit of 1,800; after, 1,900 in use, 100 over the limit of 1,800',
      );
      await page.getByText('Platform seats (A12): now 1,901 in use, 101 over the limit of 1,800; after, 1,900 in use, 100 over the limit of 1,800').waitFor();
      expect(await page.getByText(/\d of 1,800 in use/).count()).toBe(0);

      const chart = page.getByRole('figure').filter({ has: seats });
      const box = (await chart.boundingBox())!;
      const inside = (inner: { x: number; y: number; width: number; height: number }) =>
        inner.width > 0 && inner.height > 0 && inner.x >= box.x - 1 && inner.x + inner.width <= box.x + box.width + 1 && inner.y >= box.y - 4 && inner.y + inner.height <= box.y + box.height + 4;
      const marks = chart.locator('[data-part="limit-mark"]');
      expect(await marks.count()).toBeGreaterThan(1);
      for (const mark of await marks.all()) expect(inside((await mark.boundingBox())!)).toBe(true);
      const swatch = chart.locator('[data-part="legend"] [data-part="limit-swatch"]');
      expect(inside((await swatch.boundingBox())!)).toBe(true);
      // The navigation bar at the top holds nothing of the chart.
      const header = (await page.getByRole('banner').boundingBox())!;
      for (const mark of [...(await marks.all()), swatch]) {
        const at = (await mark.boundingBox())!;
        expect(at.y >= header.y + header.height || at.y + at.height <= header.y).toBe(true);
      }
    });
  }
});
