import { afterAll, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { startRosterWorker, progressCallback } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import type { LoadProgress } from '../../workers/roster-engine.ts';

// The real worker, over Comlink, on a throwaway database named after the worker.
const databaseName = `worker-${crypto.randomUUID()}`;
const worker = startRosterWorker(databaseName);

afterAll(async () => {
  await Dexie.delete(databaseName);
});

describe('roster worker', () => {
  it('opens an empty database as an empty roster', async () => {
    const { summary, discardedLoad } = await worker.open();
    expect(summary.userCount).toBe(0);
    expect(discardedLoad).toBeNull();
  });

  it('loads the demo organization with progress, then filters and pages through it', async () => {
    const seen: LoadProgress[] = [];
    const summary = await worker.loadDemo(6_000, progressCallback((p) => seen.push(p)));
    expect(summary.userCount).toBe(6_000);
    expect(summary.signedInAdminId).toBe('U0000003');
    expect(summary.signedInAdmin?.permissions).toEqual(['manage_users', 'reports', 'delete_users']);
    expect(seen.some((p) => p.phase === 'writing' && p.done === 6_000)).toBe(true);

    const all = await worker.query(EMPTY_FILTER);
    expect(all).toMatchObject({ count: 6_000, total: 6_000 });
    const page = await worker.rows(all.queryId, 5_990, 6_010);
    expect(page).toHaveLength(10);

    const inactive = await worker.query({ ...EMPTY_FILTER, status: 'inactive' });
    expect(inactive.count).toBeGreaterThan(0);
    expect(inactive.count).toBe(6_000 - summary.activeCount);
    const rows = await worker.rows(inactive.queryId, 0, 50);
    expect(rows!.every((r) => r.status === 'inactive')).toBe(true);
    // A page of a query that a newer one replaced is not served.
    expect(await worker.rows(all.queryId, 0, 10)).toBeNull();
  });

  it('keeps the roster after a restart: a new worker reads it back from IndexedDB', async () => {
    const second = startRosterWorker(databaseName);
    const { summary } = await second.open();
    expect(summary.userCount).toBe(6_000);
    expect(summary.signedInAdmin?.permissions).toContain('manage_users');
    const ids = await second.matchingIds((await second.query({ ...EMPTY_FILTER, text: 'zoe' })).queryId);
    expect(ids!.length).toBeGreaterThan(0);
  });

  it('shows everything held for one user in the detail', async () => {
    const detail = await worker.userDetail('U0000003');
    expect(detail?.admin?.permissions).toContain('manage_users');
    expect(detail?.managerChain.map((m) => m.id)).toEqual(['U0000001']);
    expect(detail?.directReports.length).toBeGreaterThan(0);
    expect(detail?.communities.some((c) => c.isGlobal)).toBe(true);
    expect(detail?.retainedHistory?.counts.contentViews).toBeTypeOf('number');
    expect(await worker.userDetail('nobody')).toBeNull();
  });

  it('offers facets and manager search for the filters', async () => {
    const facets = await worker.facets();
    expect(facets.communities).toHaveLength(20);
    expect(facets.communities[0]?.isGlobal).toBe(true);
    expect(facets.customFields.find((f) => f.name === 'region')?.values).toEqual(['Americas', 'APAC', 'EMEA']);
    const managers = await worker.searchManagers('a', 5);
    expect(managers.length).toBeGreaterThan(0);
  });

  it('refuses a second load over the roster with a coded error, keeping the data', async () => {
    await expect(worker.loadDemo(10)).rejects.toMatchObject({ code: 'roster_not_empty' });
    expect((await worker.summary()).userCount).toBe(6_000);
  });

  it('removes everything from the device on clear', async () => {
    await worker.clear();
    expect((await worker.open()).summary.userCount).toBe(0);
  });
});
