/**
 * Sync end to end: the built app, served by `vite preview` with the reference sync server under /api
 * (a fresh data directory per run, the 2,000-user demo), driven from its screens.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openBrowserSession, useBrowserSession, type BrowserSession } from './browser-session.ts';
import { readStore } from './read-app-database.ts';
import { DEMO_ADMIN_TOKEN } from '../../src/server/reference-sync-server.ts';
import { SYNC_PROTOCOL_VERSION } from '../../src/core/sync/sync-protocol.ts';
import { pullResponseOf, type PullPage } from '../../src/core/sync/pull-page-wire.ts';
import type { PushResponse } from '../../src/core/sync/sync-protocol.ts';

async function signIn(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByText('Offboard is ready to work offline.').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Sign in to a sync server' }).click();
  await page.getByLabel('Access token').fill(DEMO_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('contentinfo', { name: 'Device status' }).getByText('All changes sent').waitFor({ timeout: 60_000 });
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'My Team' }).click();
  await page.getByText('2,000 users', { exact: true }).waitFor({ timeout: 30_000 });
}

/** Every user as the server holds them now, over the protocol itself. */
async function serverUsers(baseUrl: string): Promise<Map<string, string | null>> {
  const statuses = new Map<string, string | null>();
  let cursor = '';
  for (;;) {
    const response = await fetch(`${baseUrl}/api/pull?cursor=${encodeURIComponent(cursor)}`, { headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } });
    const page = pullResponseOf((await response.json()) as PullPage);
    for (const bundle of page.users) statuses.set(bundle.id, bundle.user?.status ?? null);
    cursor = page.cursor;
    if (!page.hasMore) return statuses;
  }
}

/**
 * Another browser profile (its own IndexedDB, as another admin's computer), signed in, for `work`; it
 * must log no console error, and is closed after.
 */
async function withOtherDevice(context: BrowserContext, work: (other: BrowserSession) => Promise<void>): Promise<void> {
  const other = await openBrowserSession(context.browser()!);
  try {
    await signIn(other.page);
    await work(other);
    expect(other.consoleErrors).toEqual([]);
  } finally {
    await other.context.close();
  }
}

/** A community's admins as the server holds them, over the protocol. */
async function serverCommunityAdmins(baseUrl: string, communityId: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/api/pull?limit=1`, { headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } });
  const page = pullResponseOf((await response.json()) as PullPage);
  return page.organization!.communities.find((c) => c.id === communityId)!.adminIds;
}

/** Deactivates users from a file of their ids (F6), through the plan review. */
async function deactivateFromFile(page: Page, ids: string[], batches: number): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Import' }).click();
  await page.getByLabel('Choose CSV files').setInputFiles(csvPayload('leavers.csv', ['id', ...ids]));
  await page.getByRole('button', { name: 'Check files' }).click();
  await page.getByRole('region', { name: 'Import preview' }).getByRole('button', { name: `Review plan: Deactivate ${ids.length} users` }).click();
  await page.getByRole('button', { name: `Deactivate ${ids.length} users` }).click();
  await page.getByText(`${ids.length} users deactivated in ${batches === 1 ? '1 batch' : `${batches} batches`}.`, { exact: false }).waitFor({ timeout: 60_000 });
}

/** Active users with no admin role and no reports: a deactivation of them is never blocked. */
async function plainActiveUsers(page: Page, count: number, skip = 0): Promise<{ id: string; email: string }[]> {
  const users = await readStore<{ id: string; email: string; status: string; managerId: string | null }>(page, 'users');
  const communities = await readStore<{ adminIds: string[] }>(page, 'communities');
  const admins = await readStore<{ userId: string }>(page, 'admins');
  const blocked = new Set([...communities.flatMap((c) => c.adminIds), ...admins.map((a) => a.userId)]);
  const managers = new Set(users.map((u) => u.managerId));
  return users.filter((u) => u.status === 'active' && !blocked.has(u.id) && !managers.has(u.id)).slice(skip, skip + count);
}

function csvPayload(name: string, lines: string[]): { name: string; mimeType: string; buffer: Buffer } {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\r\n') + '\r\n', 'utf8') };
}

async function pendingOperations(page: Page): Promise<number> {
  return (await readStore<{ status: string }>(page, 'outbox')).filter((op) => op.status === 'pending').length;
}

describe('sync, end to end', () => {
  const session = useBrowserSession();

  it('A14: offline, 250 users deactivated in 3 batches survive a reload; back online, all are pushed and the server has them', async () => {
    const { page, context, baseUrl } = session();
    await signIn(page);
    const leavers = await plainActiveUsers(page, 250);
    expect(leavers).toHaveLength(250);

    await context.setOffline(true);
    const status = page.getByRole('contentinfo', { name: 'Device status' });
    await status.getByText('Offline', { exact: true }).waitFor();
    // F6: the 250 come from a file of ids, which opens the plan review with exactly them.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('Choose CSV files').setInputFiles(csvPayload('leavers.csv', ['id', ...leavers.map((u) => u.id)]));
    await page.getByRole('button', { name: 'Check files' }).click();
    await page.getByRole('region', { name: 'Import preview' }).getByRole('button', { name: 'Review plan: Deactivate 250 users' }).click();
    await page.getByRole('heading', { name: 'Review: deactivate 250 selected users' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Deactivate 250 users' }).click();
    await page.getByText('250 users deactivated in 3 batches.', { exact: false }).waitFor({ timeout: 60_000 });
    await status.getByText(/3 changes waiting/).waitFor();

    await page.reload();
    await page.getByText('2,000 users', { exact: true }).waitFor({ timeout: 30_000 });
    await status.getByText(/3 changes waiting/).waitFor();
    expect(await pendingOperations(page)).toBe(3);
    const before = await serverUsers(baseUrl);
    expect(leavers.filter((u) => before.get(u.id) !== 'active')).toEqual([]);

    await context.setOffline(false);
    await status.getByText('All changes sent').waitFor({ timeout: 60_000 });
    expect(await pendingOperations(page)).toBe(0);
    const after = await serverUsers(baseUrl);
    expect(leavers.filter((u) => after.get(u.id) !== 'inactive').map((u) => u.id)).toEqual([]);
  });

  it('two tabs: one syncs, both show what another admin changed on the server and what this device changed', async () => {
    const { page, context, baseUrl } = session();
    await signIn(page);
    const second = await context.newPage();
    await second.goto('/');
    await second.getByText('2,000 users', { exact: true }).waitFor({ timeout: 30_000 });
    const [mine, theirs] = await plainActiveUsers(page, 2, 300);
    const activeBefore = [...(await serverUsers(baseUrl)).values()].filter((s) => s === 'active').length;

    // Another admin, on another device, deactivates `theirs` straight on the server.
    const push = await fetch(`${baseUrl}/api/push`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ protocol: SYNC_PROTOCOL_VERSION, clientId: 'another-device', operations: [{ id: crypto.randomUUID(), seq: 1, kind: 'deactivate', args: { reportMoves: [] }, userIds: [theirs!.id], seen: {}, createdAt: new Date().toISOString() }] }),
    });
    expect(((await push.json()) as PushResponse).results[0]!.status).toBe('applied');

    // This device deactivates `mine` in the first tab, and syncs from the Sync screen.
    await page.getByRole('searchbox', { name: 'Search users' }).fill(mine!.email);
    await page.getByText('1 of 2,000 users match').waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('checkbox', { name: /^Select / }).first().check();
    await page.getByRole('button', { name: 'Actions ▾' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate…' }).click();
    await page.getByRole('button', { name: 'Deactivate 1 user' }).click();
    await page.getByText('1 user deactivated in 1 batch.', { exact: false }).waitFor();
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Sync' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('contentinfo', { name: 'Device status' }).getByText('All changes sent').waitFor({ timeout: 30_000 });

    // The second tab follows live, without a reload: both users are inactive there too.
    for (const user of [mine!, theirs!]) {
      await second.getByRole('searchbox', { name: 'Search users' }).fill(user.email);
      await second.getByText('1 of 2,000 users match').waitFor();
      await second.getByRole('table', { name: 'Users' }).getByRole('row').filter({ has: second.getByRole('cell', { name: user.email, exact: true }) }).getByText('Inactive', { exact: true }).waitFor({ timeout: 30_000 });
    }
    await second.getByText(`${(activeBefore - 2).toLocaleString('en-US')} active of 2,000`, { exact: false }).waitFor();
    const server = await serverUsers(baseUrl);
    expect([server.get(mine!.id), server.get(theirs!.id)]).toEqual(['inactive', 'inactive']);
  });

  it('two admins on two devices, offline, change the same users; both sync: the server decides (F3), the device refused lists why, and both end as the server holds them', async () => {
    const { page: first, context, baseUrl } = session();
    await signIn(first);
    await withOtherDevice(context, async (other) => {
      const second = other.page;
      // A community admin of exactly one community (not the signed-in admin), and two plain users.
      const communities = await readStore<{ id: string; adminIds: string[] }>(first, 'communities');
      const users = await readStore<{ id: string; email: string; firstName: string; lastName: string }>(first, 'users');
      const adminCount = new Map<string, number>();
      for (const c of communities) for (const id of c.adminIds) adminCount.set(id, (adminCount.get(id) ?? 0) + 1);
      const community = communities.find((c) => c.adminIds.some((id) => adminCount.get(id) === 1 && id !== 'U0000003'))!;
      const communityAdmin = community.adminIds.find((id) => adminCount.get(id) === 1 && id !== 'U0000003')!;
      const [successor, both] = await plainActiveUsers(first, 2, 900);
      const successorUser = users.find((u) => u.id === successor!.id)!;

      await context.setOffline(true);
      await other.context.setOffline(true);
      // The first admin, offline: deactivates the successor-to-be and a second user.
      await deactivateFromFile(first, [successor!.id, both!.id], 1);
      // The second admin, offline: deactivates the community admin, handing the community to the first
      // admin's leaver (F3, resolved in place), and the same second user.
      await second.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Import' }).click();
      await second.getByLabel('Choose CSV files').setInputFiles(csvPayload('leavers.csv', ['id', communityAdmin, both!.id]));
      await second.getByRole('button', { name: 'Check files' }).click();
      await second.getByRole('region', { name: 'Import preview' }).getByRole('button', { name: 'Review plan: Deactivate 2 users' }).click();
      await second.getByRole('heading', { name: 'Blocked (1)' }).waitFor({ timeout: 30_000 });
      const transfer = second.getByRole('button', { name: `Transfer admin role of ${community.id}` });
      await second.getByRole('combobox', { name: new RegExp(`^New admin of .+ \\(${community.id}\\) instead of `) }).fill(`${successorUser.firstName} ${successorUser.lastName} (${successorUser.email})`);
      await expect.poll(() => transfer.isDisabled()).toBe(false);
      await transfer.click();
      await second.getByRole('button', { name: 'Deactivate 2 users' }).click();
      await second.getByText('2 users deactivated in 1 batch.', { exact: false }).waitFor({ timeout: 60_000 });

      // The second device syncs first: its transfer and deactivations are applied.
      await other.context.setOffline(false);
      const secondStatus = second.getByRole('contentinfo', { name: 'Device status' });
      await secondStatus.getByText('All changes sent').waitFor({ timeout: 60_000 });
      // Then the first: the successor is now a community admin, so their deactivation is refused (F3); the
      // second user, already inactive, is left as asked (X3).
      await context.setOffline(false);
      const firstStatus = first.getByRole('contentinfo', { name: 'Device status' });
      // The device was still on its plan's result: the status bar's link leaves it for the Sync screen.
      await firstStatus.getByRole('link', { name: '1 refused change' }).click({ timeout: 60_000 });
      await first.getByRole('heading', { name: 'Refused changes' }).waitFor();
      const refused = first.getByRole('table', { name: 'Refused changes' });
      const row = refused.getByRole('row').filter({ hasText: successor!.id });
      await row.getByText('F3', { exact: true }).waitFor();
      await row.getByText(community.id, { exact: false }).waitFor();
      expect(await refused.getByRole('row').count()).toBe(2);

      // The second device pulls what the first changed: both now hold what the server holds.
      await second.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Sync' }).click();
      await second.getByRole('button', { name: 'Sync now' }).click();
      await secondStatus.getByText('All changes sent').waitFor({ timeout: 30_000 });
      const server = await serverUsers(baseUrl);
      expect([server.get(successor!.id), server.get(both!.id), server.get(communityAdmin)]).toEqual(['active', 'inactive', 'inactive']);
      const serverCommunity = await serverCommunityAdmins(baseUrl, community.id);
      expect(serverCommunity).toContain(successor!.id);
      expect(serverCommunity).not.toContain(communityAdmin);
      for (const page of [first, second]) {
        const held = await readStore<{ id: string; status: string }>(page, 'users');
        expect(held.filter((u) => server.get(u.id) !== u.status).map((u) => u.id)).toEqual([]);
        expect(held).toHaveLength(server.size);
        const heldCommunity = (await readStore<{ id: string; adminIds: string[] }>(page, 'communities')).find((c) => c.id === community.id)!;
        expect(heldCommunity.adminIds).toEqual(serverCommunity);
      }
    });
  });

  // Last: it adds a user to the server the other tests of this file share.
  it('two devices: a user created and one renamed on one device appear on the other after its pull, without a reload', async () => {
    const { page: first, context, baseUrl } = session();
    await signIn(first);
    await withOtherDevice(context, async (other) => {
      const second = other.page;
      const [renamed] = await plainActiveUsers(first, 1, 600);

      // On the first device: a new hire, and an existing user's new name, from a users file.
      await first.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Import' }).click();
      await first
        .getByLabel('Choose CSV files')
        .setInputFiles(csvPayload('changes.csv', ['id,email,first_name,last_name', `H0000777,zara.newhire@northwind.example,Zara,Newhire`, `${renamed!.id},${renamed!.email},Quentin,Renamedson`]));
      // A file of some users' columns only: the admin confirms it holds users.
      await first.getByRole('button', { name: 'Use this mapping' }).click();
      await first.getByRole('button', { name: 'Check files' }).click();
      const preview = first.getByRole('region', { name: 'Import preview' });
      await preview.getByRole('button', { name: 'Import' }).click();
      await first.getByRole('status').filter({ hasText: 'Import processed: 1 created, 1 updated' }).waitFor({ timeout: 30_000 });
      await first.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Sync' }).click();
      await first.getByRole('button', { name: 'Sync now' }).click();
      await first.getByRole('contentinfo', { name: 'Device status' }).getByText('All changes sent').waitFor({ timeout: 30_000 });

      // The second device, on its list, pulls: both show at once, in their places in the list.
      await second.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Sync' }).click();
      await second.getByRole('button', { name: 'Sync now' }).click();
      await second.getByRole('contentinfo', { name: 'Device status' }).getByText('All changes sent').waitFor({ timeout: 30_000 });
      await second.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'My Team' }).click();
      await second.getByText('2,001 users', { exact: true }).waitFor({ timeout: 30_000 });
      for (const [search, name] of [
        ['Newhire', 'Zara Newhire'],
        ['Renamedson', 'Quentin Renamedson'],
      ] as const) {
        await second.getByRole('searchbox', { name: 'Search users' }).fill(search);
        await second.getByText('1 of 2,001 users match').waitFor({ timeout: 30_000 });
        await second.getByRole('table', { name: 'Users' }).getByText(name, { exact: false }).first().waitFor();
      }
    });
  });
});
