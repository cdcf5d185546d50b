/**
 * Which users are selected on the users screen (A6/F10): either a set of ids picked row by row, or
 * "all N matching" the filter on screen when it was chosen, minus any unticked afterwards. The second form never has to hold
 * 1,000,000 ids on the page.
 */
import { SvelteSet } from 'svelte/reactivity';
import type { RosterFilter } from '../core/roster-filter.ts';

export class UserSelection {
  /** Picked ids, or, when `isAllMatching`, the ids excluded from the match. */
  readonly ids = new SvelteSet<string>();
  /** The filter "all matching" was chosen for, or null: a plan is built for it, whatever the controls show later. */
  matchingFilter = $state.raw<RosterFilter | null>(null);
  /** How many users matched when "all matching" was chosen. */
  matchingCount = $state(0);

  get isAllMatching(): boolean {
    return this.matchingFilter !== null;
  }

  get count(): number {
    return this.isAllMatching ? this.matchingCount - this.ids.size : this.ids.size;
  }

  has(id: string): boolean {
    return this.isAllMatching ? !this.ids.has(id) : this.ids.has(id);
  }

  toggle(id: string, isSelected: boolean): void {
    // In "all matching" mode the set holds exclusions, so the sense flips.
    if (isSelected !== this.isAllMatching) this.ids.add(id);
    else this.ids.delete(id);
  }

  selectMany(ids: readonly string[], isSelected: boolean): void {
    for (const id of ids) this.toggle(id, isSelected);
  }

  selectAllMatching(count: number, filter: RosterFilter): void {
    this.ids.clear();
    this.matchingFilter = filter;
    this.matchingCount = count;
  }

  clear(): void {
    this.ids.clear();
    this.matchingFilter = null;
    this.matchingCount = 0;
  }
}
