import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import UserTable from '../../src/components/UserTable.svelte';
import { RowPageCache } from '../../src/app/row-page-cache.ts';
import { UserSelection } from '../../src/app/user-selection.svelte.ts';
import { MAX_SCROLL_HEIGHT_PX } from '../../src/app/scaled-virtual-list.svelte.ts';
import type { UserRow } from '../../src/core/user-views.ts';
import '../../src/app.css';

afterEach(() => cleanup());

function syntheticRow(index: number): UserRow {
  return {
    id: `U${index}`,
    name: `Person ${index + 1}`,
    email: `person${index + 1}@example.com`,
    status: index % 10 === 0 ? 'inactive' : 'active',
    manager: null,
    licenses: [],
    communities: [],
    customFields: {},
  };
}

function renderTable(count: number) {
  let version = 0;
  const props = {
    rows: null as RowPageCache | null,
    rowsVersion: 0,
    count,
    customFields: [],
    selection: new UserSelection(),
    activeId: null,
    onOpen: () => undefined,
    onToggleStatus: () => undefined,
    onVisibleChange: () => undefined,
  };
  const view = render(UserTable, props);
  props.rows = new RowPageCache(
    1,
    async (_queryId, start, end) => Array.from({ length: Math.max(0, Math.min(end, count) - start) }, (_, i) => syntheticRow(start + i)),
    () => void view.rerender({ rowsVersion: ++version }),
  );
  void view.rerender({ rows: props.rows });
  return view;
}

function viewportOf(table: HTMLElement): HTMLElement {
  return table.querySelector('[role="rowgroup"][tabindex="-1"]') as HTMLElement;
}

describe('UserTable', () => {
  it('draws only the rows in view out of 100,000', async () => {
    renderTable(100_000);
    const table = screen.getByRole('table', { name: 'Users' });
    expect(table.getAttribute('aria-rowcount')).toBe('100001');
    await within(table).findByRole('button', { name: 'Show details of Person 1' });
    expect(within(table).getAllByRole('row').length).toBeLessThan(80);
  });

  it('reaches the last of 1,000,000 rows although the browser caps element heights', async () => {
    renderTable(1_000_000);
    const table = screen.getByRole('table', { name: 'Users' });
    const viewport = viewportOf(table);
    await within(table).findByRole('button', { name: 'Show details of Person 1' });
    expect(viewport.scrollHeight).toBeLessThanOrEqual(MAX_SCROLL_HEIGHT_PX);

    viewport.scrollTop = viewport.scrollHeight;
    const last = await within(table).findByRole('button', { name: 'Show details of Person 1000000' });
    const lastRow = last.closest('[role="row"]') as HTMLElement;
    expect(lastRow.getAttribute('aria-rowindex')).toBe('1000001');
    // The last row is fully inside the viewport, not just rendered off-screen.
    await waitFor(() => {
      const rowBox = lastRow.getBoundingClientRect();
      const viewBox = viewport.getBoundingClientRect();
      expect(rowBox.bottom).toBeLessThanOrEqual(viewBox.bottom + 1);
      expect(rowBox.top).toBeGreaterThanOrEqual(viewBox.top - 1);
    });

    // Halfway down shows the rows around the middle.
    viewport.scrollTop = (viewport.scrollHeight - viewport.clientHeight) / 2;
    await waitFor(() => {
      const indexes = within(table)
        .getAllByRole('row')
        .map((row) => Number(row.getAttribute('aria-rowindex')))
        .filter((n) => n > 1);
      expect(Math.min(...indexes)).toBeGreaterThan(499_000);
      expect(Math.max(...indexes)).toBeLessThan(501_000);
    });
  });
});
