/**
 * The lifecycle flow on the page: build a plan in the worker for the current selection, show it, apply
 * it batch by batch with progress, and report what was done. Nothing changes before `apply()`.
 */
import { proxy } from 'comlink';
import type { LifecycleAction } from '../core/build-lifecycle-plan.ts';
import type { UserEntryMatch } from '../core/match-user-entry.ts';
import type { UserRef } from '../core/user-views.ts';
import type { ApplyOptions, ApplyProgress, ApplyResult, LifecycleSelection, PlanRemovalsPage, PlanView } from '../../workers/roster-api.ts';
import { describeError, type ErrorMessage } from './describe-error.ts';
import type { RosterWorker } from './roster-worker-client.ts';
import type { UserSelection } from './user-selection.svelte.ts';

export type ReviewPhase = 'closed' | 'planning' | 'review' | 'applying' | 'done';

/** What the worker should plan for: picked ids, or the filter "all matching" was chosen for minus unticked rows. */
export function toLifecycleSelection(selection: UserSelection, ruleName: string | null = null): LifecycleSelection {
  const filter = selection.matchingFilter;
  return filter ? { kind: 'filter', filter, excludedIds: [...selection.ids], ruleName } : { kind: 'ids', ids: [...selection.ids] };
}

export class LifecycleReview {
  phase = $state<ReviewPhase>('closed');
  action = $state<LifecycleAction>('deactivate');
  plan = $state.raw<PlanView | null>(null);
  progress = $state.raw<ApplyProgress | null>(null);
  result = $state.raw<ApplyResult | null>(null);
  error = $state.raw<ErrorMessage | null>(null);
  /** F9/A3/A7: per user, what the plan removes, as far as the admin has paged; null until asked for. */
  removals = $state.raw<Pick<PlanRemovalsPage, 'users' | 'total'> | null>(null);
  isLoadingRemovals = $state(false);
  /** What the plan was built for, so it can be built again after a blocker is resolved in place. */
  private selection: LifecycleSelection | null = null;

  constructor(
    private readonly worker: RosterWorker,
    /** Called once a plan has changed the roster, even partly. */
    private readonly onApplied: () => void,
    /** Called as a plan starts to apply: what the review said before (an export's notice) is over. */
    private readonly onApplying: () => void = () => undefined,
  ) {}

  /** The selection the plan on screen was built for (the same object `start` was given). */
  get plannedSelection(): LifecycleSelection | null {
    return this.selection;
  }

  async start(action: LifecycleAction, selection: LifecycleSelection): Promise<void> {
    this.action = action;
    this.selection = selection;
    this.phase = 'planning';
    this.plan = null;
    this.result = null;
    this.error = null;
    this.removals = null;
    try {
      this.plan = await this.worker.planLifecycle({ action, selection });
      this.phase = 'review';
    } catch (error) {
      this.error = describeError(error);
      this.phase = 'review';
    }
  }

  async apply(options: ApplyOptions = {}): Promise<void> {
    if (!this.plan?.canApply || this.phase !== 'review') return;
    this.phase = 'applying';
    this.onApplying();
    this.progress = { batchesDone: 0, batchCount: this.plan.batchCount, usersDone: 0, userCount: this.plan.eligibleCount };
    try {
      this.result = await this.worker.applyPlan(this.plan.planId, proxy((p: ApplyProgress) => (this.progress = p)), options);
    } catch (error) {
      this.error = describeError(error);
    }
    this.phase = 'done';
    this.onApplied();
  }

  /** F3: resolves a community-admin blocker in place, then plans the same change again. */
  async transferAdmin(communityId: string, fromUserId: string, toUserId: string): Promise<void> {
    try {
      await this.worker.transferCommunityAdmin(communityId, fromUserId, toUserId);
      this.onApplied();
    } catch (error) {
      this.error = describeError(error);
      return;
    }
    if (this.selection) await this.start(this.action, this.selection);
  }

  /** Builds the plan on screen again, for the same selection: something it depends on changed (A17). */
  async replan(): Promise<void> {
    if (this.phase === 'review' && this.selection) await this.start(this.action, this.selection);
  }

  /** The next page of what each user loses; the first call reads the first page. */
  async loadMoreRemovals(): Promise<void> {
    const plan = this.plan;
    const shown = this.removals?.users.length ?? 0;
    if (!plan || this.isLoadingRemovals || (this.removals && shown >= this.removals.total)) return;
    this.isLoadingRemovals = true;
    try {
      const page = await this.worker.planRemovals(plan.planId, shown);
      // A plan built again meanwhile has removals of its own.
      if (this.plan === plan) this.removals = { users: [...(this.removals?.users ?? []), ...page.users], total: page.total };
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.isLoadingRemovals = false;
    }
  }

  /** F3: suggestions for a new community admin, as the admin types. */
  searchCandidates(text: string): Promise<UserRef[]> {
    return this.worker.searchActiveUsers(text, 20);
  }

  /** F3: the one active user an exact name or email means, or why there is none. */
  matchCandidate(text: string, currentAdminId: string): Promise<UserEntryMatch> {
    return this.worker.matchActiveUser(text, currentAdminId);
  }

  close(): void {
    this.phase = 'closed';
    this.plan = null;
    this.progress = null;
    this.result = null;
    this.error = null;
    this.removals = null;
  }
}
