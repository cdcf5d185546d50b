/**
 * Rows of the current query, fetched from the worker a page at a time as the list scrolls. A new query
 * starts a new cache; answers that arrive for an old query are dropped.
 */
import type { UserRow } from '../core/user-views.ts';

export const ROW_PAGE_SIZE = 100;

export type FetchRows = (queryId: number, start: number, end: number) => Promise<UserRow[] | null>;

export class RowPageCache {
  private pages = new Map<number, UserRow[]>();
  private requested = new Set<number>();

  constructor(
    readonly queryId: number,
    private readonly fetchRows: FetchRows,
    private readonly onLoaded: () => void,
  ) {}

  rowAt(index: number): UserRow | undefined {
    return this.pages.get(Math.floor(index / ROW_PAGE_SIZE))?.[index % ROW_PAGE_SIZE];
  }

  /** Fetches whatever pages of rows `start`..`end` (exclusive) are missing. */
  ensure(start: number, end: number): void {
    const first = Math.floor(Math.max(0, start) / ROW_PAGE_SIZE);
    const last = Math.floor(Math.max(0, end - 1) / ROW_PAGE_SIZE);
    for (let page = first; page <= last; page++) {
      if (this.pages.has(page) || this.requested.has(page)) continue;
      this.requested.add(page);
      void this.fetchRows(this.queryId, page * ROW_PAGE_SIZE, (page + 1) * ROW_PAGE_SIZE).then(
        (rows) => {
          if (!rows) return;
          this.pages.set(page, rows);
          this.onLoaded();
        },
        () => this.requested.delete(page),
      );
    }
  }
}
