import { describe, expect, it } from 'vitest';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';
import { loadDemo, selectUser, chooseAction } from './app-steps.ts';
import { readStore } from './read-app-database.ts';

describe('lifecycle flows, end to end', () => {
  const session = useBrowserSession();

  it('A8: deactivating a manager moves their reports one level up, and the list shows them Inactive', async () => {
    const { page } = session();
    await loadDemo(page);
    // The demo's manager tree is a ternary hierarchy: U0000010 manages U0000028 to U0000030.
    const users = await readStore<{ id: string; email: string }>(page, 'users');
    const managerEmail = users.find((u) => u.id === 'U0000010')!.email;
    await selectUser(page, managerEmail);
    await chooseAction(page, 'Deactivate…');

    await page.getByText('Will be deactivated').waitFor();
    const moves = page.getByRole('heading', { name: /^Reports moving up/ });
    await moves.waitFor();
    expect(await moves.textContent()).toMatch(/\(\d+, A8\)/);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Deactivate 1 user' }).click();
    await page.getByText('1 user deactivated in 1 batch.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Back to the list' }).click();
    await page.getByRole('searchbox', { name: 'Search users' }).fill(managerEmail);
    await page.getByRole('table', { name: 'Users' }).getByText('Inactive', { exact: true }).waitFor();
    await page.getByText('Northwind Traders · 1,900 active of 2,000').waitFor();
  });

  it('F3/X1: community admins and the admin themself are blocked, with the communities named', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('combobox', { name: 'Community' }).selectOption({ label: 'All Company (global)' });
    await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
    await chooseAction(page, 'Delete permanently…');
    const blocked = page.getByRole('heading', { name: /^Blocked \(\d+\)$/ });
    await blocked.waitFor();
    await page.getByText(/Admin of communit(y|ies) .+ \(C-\d+\)/).first().waitFor();
    // The signed-in admin is in the selection too: X1.
    await page.getByText('You cannot delete yourself.', { exact: false }).waitFor();
  });

  it('F3: a blocked community admin is resolved in place by a transfer, and the plan is built again', async () => {
    const { page } = session();
    await loadDemo(page);
    // A community admin who administers exactly one community, and the email of someone to take over.
    const communities = await readStore<{ id: string; adminIds: string[] }>(page, 'communities');
    const users = await readStore<{ id: string; email: string; firstName: string; lastName: string; status: string }>(page, 'users');
    const { adminEmail, communityId, successorName } = (() => {
      const adminCount = new Map<string, number>();
      for (const c of communities) for (const id of c.adminIds) adminCount.set(id, (adminCount.get(id) ?? 0) + 1);
      const community = communities.find((c) => c.adminIds.some((id) => adminCount.get(id) === 1 && id !== 'U0000003'))!;
      const adminId = community.adminIds.find((id) => adminCount.get(id) === 1 && id !== 'U0000003')!;
      const admin = users.find((u) => u.id === adminId)!;
      const successor = users.find((u) => u.status === 'active' && !adminCount.has(u.id))!;
      return { adminEmail: admin.email, communityId: community.id, successorName: `${successor.firstName} ${successor.lastName} (${successor.email})` };
    })();
    await selectUser(page, adminEmail);
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('heading', { name: 'Blocked (1)' }).waitFor();

    const transfer = page.getByRole('button', { name: `Transfer admin role of ${communityId}` });
    expect(await transfer.isDisabled()).toBe(true);
    await page.getByRole('combobox', { name: new RegExp(`^New admin of .+ \\(${communityId}\\) instead of `) }).fill(successorName);
    await expect.poll(() => transfer.isDisabled()).toBe(false);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    await transfer.click();

    await page.getByRole('button', { name: 'Deactivate 1 user' }).waitFor();
    expect(await page.getByRole('heading', { name: /^Blocked/ }).count()).toBe(0);
  });

  it('R2: reactivation lists the previous assignments and re-assigns them in one step', async () => {
    const { page } = session();
    await loadDemo(page);
    const users = await readStore<{ email: string; status: string; counts: { removedAssignments: number } }>(page, 'users');
    const { email, previousCount } = (() => {
      const user = users.find((u) => u.status === 'inactive' && u.counts.removedAssignments >= 2)!;
      return { email: user.email, previousCount: user.counts.removedAssignments };
    })();
    await selectUser(page, email);
    await chooseAction(page, 'Reactivate…');
    await page.getByRole('heading', { name: `Previous assignments (${previousCount}, R2)` }).waitFor();
    await page.getByRole('checkbox', { name: `Also re-assign their ${previousCount} previous assignments (R2)` }).check();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Reactivate 1 user' }).click();
    await page.getByText(`1 user reactivated in 1 batch; ${previousCount} previous assignments re-assigned (R2).`, { exact: false }).waitFor();

    await page.getByRole('button', { name: 'Back to the list' }).click();
    await page.getByRole('searchbox', { name: 'Search users' }).fill(email);
    await page.getByRole('table', { name: 'Users' }).getByText('Active', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('button', { name: /^Show details of / }).click();
    const panel = page.getByRole('complementary', { name: 'User details' });
    await panel.getByRole('heading', { name: `Assignments (${previousCount})` }).waitFor();
    expect(await panel.getByRole('heading', { name: /^Previous assignments/ }).count()).toBe(0);
  });

  it('R4: a completion whose certificate is missing offers "Get certificate", which issues it', async () => {
    const { page } = session();
    await loadDemo(page);
    const users = await readStore<{ id: string; email: string; status: string }>(page, 'users');
    const completions = await readStore<{ userId: string; courseId: string; communityId: string }>(page, 'completions');
    const certificates = await readStore<{ userId: string; courseId: string; communityId: string }>(page, 'certificates');
    const { email, courseId } = (() => {
      const certified = new Set(certificates.map((c) => `${c.userId} ${c.courseId} ${c.communityId}`));
      const active = new Map(users.filter((u) => u.status === 'active').map((u) => [u.id, u]));
      const completion = completions.find((c) => active.has(c.userId) && c.communityId !== 'C-1' && !certified.has(`${c.userId} ${c.courseId} ${c.communityId}`))!;
      return { email: active.get(completion.userId)!.email, courseId: completion.courseId };
    })();
    await page.getByRole('searchbox', { name: 'Search users' }).fill(email);
    await page.getByText('1 of 2,000 users match').waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('button', { name: /^Show details of / }).click();
    const panel = page.getByRole('complementary', { name: 'User details' });
    const getCertificate = panel.getByRole('button', { name: new RegExp(`^Get certificate for ${courseId} in `) });
    await getCertificate.click();
    await panel.getByText(new RegExp(`^Certificate CERT-.+-${courseId}-.+ issued\\.$`)).waitFor();
    expect(await getCertificate.count()).toBe(0);
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
  });

  it('A1/A14: settings shape the plan; an admin without manage_users sees why nothing can change', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    const batch = page.getByRole('textbox', { name: /Users per batch/ });
    await batch.fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Enter a whole number of users from 1 to 1,000.').waitFor();
    await batch.fill('7');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.', { exact: false }).waitFor();
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'My Team' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByRole('combobox', { name: 'Community' }).selectOption({ label: 'All Company (global)' });
    await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
    await chooseAction(page, 'Deactivate…');
    await page.getByText(/In [\d,]+ batches of at most 7 \(A14\)/).waitFor();
    await page.getByRole('button', { name: 'Back to the list' }).click();

    await page.getByRole('link', { name: 'Settings' }).click();
    const admins = page.getByRole('combobox', { name: 'Signed-in admin' });
    const reportsOnly = await admins.evaluate((select: HTMLSelectElement) => [...select.options].find((o) => !o.text.includes('manage_users'))!.value);
    await admins.selectOption(reportsOnly);
    await page.getByText(/^Signed in as /).first().waitFor();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('You need the manage_users permission to change the organization’s settings (A1).').waitFor();

    await page.getByRole('link', { name: 'My Team' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await page.getByText(/^[\d,]+ of 2,000 users match$/).waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('checkbox', { name: /^Select / }).first().check();
    await chooseAction(page, 'Deactivate…');
    await page.getByRole('alert').filter({ hasText: 'A1:' }).waitFor();
    expect(await page.getByRole('button', { name: /^Deactivate \d+ users$/ }).count()).toBe(0);
  });

  it('F2: deletion needs the typed confirmation, then removes the user for good', async () => {
    const { page } = session();
    await loadDemo(page);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('inactive');
    await page.getByText(/^\d+ of 2,000 users match$/).waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('checkbox', { name: /^Select / }).first().check();
    await chooseAction(page, 'Delete permanently…');

    const confirm = page.getByRole('button', { name: 'Delete 1 user' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByRole('textbox', { name: /Type DELETE 1 to confirm/ }).fill('delete 1');
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByRole('textbox', { name: /Type DELETE 1 to confirm/ }).fill('DELETE 1');
    await confirm.click();
    await page.getByText('1 user deleted in 1 batch.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Back to the list' }).click();
    await page.getByText('1,999 users', { exact: true }).or(page.getByText(/of 1,999 users match/)).first().waitFor();
  });
});
