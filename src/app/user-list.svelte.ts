/**
 * The users screen's state: the filter, the count it matches, the rows on screen, the selection and the
 * user shown in the detail panel. Filters run in the worker; while one runs, further keystrokes only
 * replace the pending filter, so typing never queues up work or blocks the page.
 * The count, the rows and the unmatched entries on screen always come from one answer, and only an
 * answer for the filter the controls show (on the current roster) is ever shown: one answered for a
 * filter typed over meanwhile is dropped, so the count never flickers through an in-between state.
 */
import { tick } from 'svelte';
import { EMPTY_FILTER, completeFilter, type RosterFilter } from '../core/roster-filter.ts';
import type { UserDetail, UserRef } from '../core/user-views.ts';
import type { RosterFacets } from '../../workers/roster-api.ts';
import { formatDate } from '../core/format-date.ts';
import { plural } from '../core/plural.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import { RowPageCache } from './row-page-cache.ts';
import type { RosterWorker } from './roster-worker-client.ts';
import { UserSelection } from './user-selection.svelte.ts';

export class UserList {
  /** The filter of the controls: what the admin picked and typed. */
  filter = $state<RosterFilter>({ ...EMPTY_FILTER });
  /** Name of the manager whose team the filter shows. */
  managerName = $state<string | null>(null);
  /** The filter that `count`, `total`, `rows` and `unmatched` were answered for; null before any answer. */
  shownFilter = $state.raw<RosterFilter | null>(null);
  count = $state(0);
  total = $state(0);
  /** True while what is shown is not yet the answer for the filter of the controls and the current roster. */
  isQuerying = $state(false);
  /** Bumped when rows arrive, so the table re-reads the cache. */
  rowsVersion = $state(0);
  rows = $state.raw<RowPageCache | null>(null);
  facets = $state.raw<RosterFacets | null>(null);
  detail = $state.raw<UserDetail | null>(null);
  detailId = $state<string | null>(null);
  /** What the last change made from the detail panel did, said once there. */
  detailNotice = $state<string | null>(null);
  error = $state<ErrorMessage | null>(null);
  /** F6: entries of the filter's id list that match nobody. */
  unmatched = $state.raw<{ entries: string[]; count: number } | null>(null);
  /** The saved rule whose filter is on screen, until a filter changes. */
  rule = $state<{ id: string; name: string } | null>(null);
  readonly selection = new UserSelection();

  private isRunning = false;
  /** Bumped by every call of `runQuery`: an answer to an earlier call is for a state no longer on screen. */
  private requested = 0;

  constructor(private readonly worker: RosterWorker) {}

  /** Re-reads facets and re-runs the filter: after opening or when the roster changed. */
  async refresh(): Promise<void> {
    try {
      this.facets = await this.worker.facets();
    } catch (error) {
      this.error = describeError(error);
    }
    await this.runQuery();
    // The user on the detail panel may have changed (deactivated, moved) or gone (deleted).
    if (this.detailId !== null) {
      const detail = await this.worker.userDetail(this.detailId).catch(() => null);
      if (detail) this.detail = detail;
      else this.closeDetail();
    }
  }

  setFilter(change: Partial<RosterFilter>): void {
    this.filter = { ...this.filter, ...change };
    this.rule = null;
    if (this.selection.isAllMatching) this.selection.clear();
    void this.runQuery();
  }

  filterByManager(manager: UserRef | null): void {
    this.managerName = manager?.name ?? null;
    this.setFilter({ managerId: manager?.id ?? null });
  }

  clearFilters(): void {
    this.managerName = null;
    this.rule = null;
    this.filter = { ...EMPTY_FILTER };
    if (this.selection.isAllMatching) this.selection.clear();
    void this.runQuery();
  }

  /** Runs a saved rule: its filter is the list's, and its users can be selected and planned for. */
  applyRule(rule: { id: string; name: string; filter: RosterFilter }): void {
    this.managerName = null;
    this.filter = completeFilter(rule.filter);
    this.selection.clear();
    this.rule = { id: rule.id, name: rule.name };
    if (rule.filter.managerId) void this.worker.userRef(rule.filter.managerId).then((ref) => (this.managerName = ref?.name ?? null));
    void this.runQuery();
  }

  /** Saves the filter on screen as a named rule; says so, or why not. */
  async saveRule(name: string): Promise<string | null> {
    try {
      const saved = await this.worker.saveRule(name, $state.snapshot(this.filter));
      this.rule = { id: saved.id, name: saved.name };
      this.error = null;
      return saved.replaced ? `Rule “${saved.name}” updated.` : `Rule “${saved.name}” saved.`;
    } catch (error) {
      this.error = describeError(error);
      return null;
    }
  }

  searchManagers(text: string): Promise<UserRef[]> {
    return this.worker.searchManagers(text, 20);
  }

  async openDetail(id: string): Promise<void> {
    if (this.detailId !== id) this.detailNotice = null;
    this.detailId = id;
    try {
      const detail = await this.worker.userDetail(id);
      if (this.detailId === id) this.detail = detail;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  closeDetail(): void {
    this.detailId = null;
    this.detail = null;
    this.detailNotice = null;
  }

  /** R2: the user's previous assignments come back in one step. */
  async reassignPrevious(userId: string): Promise<void> {
    await this.changeFromDetail(userId, async () => {
      const count = await this.worker.reassignPreviousAssignments(userId);
      return `${plural(count, 'previous assignment')} re-assigned.`;
    });
  }

  /** R4: "Get certificate" for one completion. */
  async issueCertificate(userId: string, courseId: string, communityId: string): Promise<void> {
    await this.changeFromDetail(userId, async () => {
      const issued = await this.worker.issueCertificate(userId, courseId, communityId);
      // A certificate the deactivation kept aside comes back as it was: say so, with its own date.
      return issued.wasKept ? `Certificate ${issued.certificateId} given back, as issued on ${formatDate(issued.issuedAt)}.` : `Certificate ${issued.certificateId} issued.`;
    });
  }

  private async changeFromDetail(userId: string, change: () => Promise<string>): Promise<void> {
    try {
      const notice = await change();
      await this.openDetail(userId);
      this.detailNotice = notice;
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** A6: selects every user the filter on screen matches; not while its count is still an earlier filter's. */
  selectAllMatching(): void {
    if (this.isQuerying || !this.shownFilter) return;
    this.selection.selectAllMatching(this.count, this.shownFilter);
  }

  /** Runs the latest filter; calls made while one runs coalesce into a single follow-up run. */
  async runQuery(): Promise<void> {
    this.requested++;
    this.isQuerying = true;
    if (this.isRunning) return;
    this.isRunning = true;
    try {
      let asked: number;
      do {
        asked = this.requested;
        const filter = $state.snapshot(this.filter);
        const result = await this.worker.query(filter);
        const unmatched = filter.idList ? await this.worker.unmatchedIds(filter.idList) : null;
        // The filter changed (or the roster did) while the worker answered: the next turn asks again.
        if (asked !== this.requested) continue;
        this.shownFilter = filter;
        this.unmatched = unmatched;
        this.count = result.count;
        this.total = result.total;
        this.rows = new RowPageCache(
          result.queryId,
          (queryId, start, end) => this.worker.rows(queryId, start, end),
          () => this.rowsVersion++,
        );
        this.rowsVersion++;
        this.error = null;
        this.isQuerying = false;
        await tick();
        // A User Timing mark once the count is on screen: the benchmarks (and devtools) time filters by it.
        performance.mark('offboard:count-shown', { detail: { text: filter.text, count: result.count } });
      } while (asked !== this.requested);
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.isRunning = false;
      this.isQuerying = false;
    }
  }
}
