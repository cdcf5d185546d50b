/**
 * The lifecycle plan on screen: built over the whole in-memory roster, reviewed, then applied batch by
 * batch (A14), each batch one transaction and the whole plan one write of the write queue. A plan lives
 * here, by id, until it is applied or the roster changes under it (RosterCache's followers call
 * `forget`); only its view crosses to the page.
 */
import { buildLifecyclePlan, type LifecyclePlan } from '../src/core/build-lifecycle-plan.ts';
import { codedError } from '../src/core/coded-error.ts';
import type { AppliedPlanState } from '../src/core/csv/plan-result-report.ts';
import { planningRosterFromIndex } from '../src/core/planning-roster.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { StoredUser } from '../src/core/stored-user.ts';
import { fullName } from '../src/core/user-views.ts';
import { applyLifecycleBatch } from '../src/db/apply-lifecycle-batch.ts';
import type { RosterLookup } from '../src/db/commit-local-change.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import { requireIndex } from './directory-queries.ts';
import { PLAN_REMOVALS_PAGE, readPlanRemovals, type PlanRemovalsPage } from './plan-removals.ts';
import { PLAN_SAMPLE_SIZE, toPlanView, type PlanView, type PreviousAssignment } from './plan-view.ts';
import type { ApplyOptions, ApplyProgress, ApplyResult, LifecycleRequest } from './roster-api.ts';
import type { RosterCache, RosterChange, WriteQueue } from './roster-cache.ts';

export interface PlanSessionHost {
  db: OffboardDatabase;
  store: RosterStore;
  cache: RosterCache;
  writes: WriteQueue;
  lookup(): RosterLookup;
  idsMatching(filter: Extract<LifecycleRequest['selection'], { kind: 'filter' }>['filter'], excludedIds: readonly string[]): string[];
}

export class PlanSession {
  /** Plans built and not yet applied, by id; a plan's ids stay here rather than cross to the page. */
  private readonly plans = new Map<string, LifecyclePlan>();
  /** The saved rule the plan on screen was built from. */
  private planRuleName: string | null = null;
  /** The plan on screen and, once applied, how far it got: what "Export the plan" writes. */
  private onScreen: { planId: string; plan: LifecyclePlan; applied: AppliedPlanState | null } | null = null;

  constructor(private readonly host: PlanSessionHost) {}

  /** The roster changed: plans built before no longer apply (the one on screen can still be exported). */
  forget(): void {
    this.plans.clear();
  }

  /** Everything gone (the device was cleared or loaded anew). */
  reset(): void {
    this.plans.clear();
    this.onScreen = null;
  }

  /**
   * Plans a deactivation, reactivation or deletion over the whole in-memory roster. The selection is a
   * list of ids, or a filter (minus any ids unticked after "select all N matching").
   */
  async plan(request: LifecycleRequest): Promise<PlanView> {
    const state = this.host.cache.state;
    const index = requireIndex(state);
    if (!state.organization || !state.signedInAdminId) throw codedError('roster_not_open', 'The roster is not open yet.');
    const userIds = request.selection.kind === 'ids' ? request.selection.ids : this.host.idsMatching(request.selection.filter, request.selection.excludedIds);
    const roster = planningRosterFromIndex(index, { organization: state.organization, admins: state.admins, reportCoverage: state.reportCoverage });
    const selectedByCustomField = request.selection.kind === 'filter' ? request.selection.filter.customField : null;
    const plan = buildLifecyclePlan(roster, { action: request.action, actorId: state.signedInAdminId, userIds, selectedByCustomField });
    const planId = crypto.randomUUID();
    this.plans.clear(); // only the plan on screen can be applied
    this.plans.set(planId, plan);
    this.onScreen = { planId, plan, applied: null };
    this.planRuleName = request.selection.kind === 'filter' ? (request.selection.ruleName ?? null) : null;
    const view = toPlanView(planId, plan, index, new Set(userIds).size);
    if (plan.action === 'reactivate' && plan.effects.assignmentsToOffer > 0) {
      view.previousAssignments = await this.previousAssignmentsOf(plan.eligibleIds, index);
    }
    return view;
  }

  /**
   * Per user, what the plan on screen removes (F9, A3, A7, F2), for `limit` of its eligible users from
   * `start`: read when the admin expands the detail, a page at a time.
   */
  removals(planId: string, start: number, limit = PLAN_REMOVALS_PAGE): Promise<PlanRemovalsPage> {
    const plan = this.plans.get(planId);
    if (!plan) throw codedError('plan_expired', 'This plan is no longer current.');
    return readPlanRemovals(this.host.store, requireIndex(this.host.cache.state), plan, start, limit);
  }

  /** The plan on screen, or once applied its result: what "Export the plan" writes. */
  planOnScreen(planId: string): { plan: LifecyclePlan; applied: AppliedPlanState | null } {
    if (this.onScreen?.planId !== planId) throw codedError('plan_expired', 'This plan is no longer current.');
    return this.onScreen;
  }

  /**
   * Applies a plan batch by batch (A14), each batch one transaction. Stops at the first batch that fails,
   * with every earlier batch applied whole and nothing of the failed one. The plan holds the write queue
   * from its first batch to its last, so nothing else writes in between, and the in-memory roster is
   * patched once, with what every batch committed, when it ends: a patch per batch would rebuild the
   * index's derived data (and each other tab's) once per batch, a cost of the roster's size each time.
   */
  async apply(planId: string, onProgress?: (progress: ApplyProgress) => void, options: ApplyOptions = {}): Promise<ApplyResult> {
    const plan = this.plans.get(planId);
    if (!plan) throw codedError('plan_expired', 'This plan is no longer current.');
    if (!plan.canApply) throw codedError('plan_blocked', 'This plan cannot be applied.');
    this.plans.delete(planId);
    const { cache, writes, store } = this.host;
    const { usersApplied, assignmentsReassigned, failure } = await writes.run(async () => {
      const committed = new CommittedUsers();
      let usersApplied = 0;
      let assignmentsReassigned = 0;
      let failure: ApplyResult['failure'] = null;
      try {
        for (const [batchIndex, userIds] of plan.batches.entries()) {
          const inBatch = new Set(userIds);
          try {
            const applied = await applyLifecycleBatch(
              store,
              {
                action: plan.action,
                actorId: plan.actorId,
                planId,
                batchIndex,
                batchCount: plan.batches.length,
                userIds,
                reportMoves: plan.effects.reportMoves.filter((m) => inBatch.has(m.fromManagerId)),
                now: new Date().toISOString(),
                operationId: crypto.randomUUID(),
                reassignPrevious: plan.action === 'reactivate' && options.reassignPrevious === true,
                selectionRule: this.planRuleName,
              },
              this.host.lookup(),
            );
            committed.add(applied.changed, applied.deletedIds);
            assignmentsReassigned += applied.assignmentsReassigned;
          } catch (error) {
            const { code, message } = error as { code?: string; message?: string };
            failure = { batchIndex, code: code ?? 'unknown', message: message ?? String(error) };
            break;
          }
          usersApplied += userIds.length;
          onProgress?.({ batchesDone: batchIndex + 1, batchCount: plan.batches.length, usersDone: usersApplied, userCount: plan.eligibleIds.length });
        }
      } finally {
        // Whatever happened after them, the batches that committed are on the device: the roster shows them.
        if (!committed.isEmpty()) cache.apply({ users: committed.change(), outbox: true, isLocalChange: true });
      }
      if (failure) {
        // Something changed these users behind the plan (another tab): take the stored truth.
        const userIds = plan.batches[failure.batchIndex]!;
        const stored = await store.readStoredUsers(userIds).catch(() => [] as (StoredUser | undefined)[]);
        const change: RosterChange = { users: { changed: stored.filter((u): u is StoredUser => u !== undefined), deletedIds: userIds.filter((_, i) => !stored[i]) } };
        cache.apply({ ...change, origin: 'read' });
      }
      return { usersApplied, assignmentsReassigned, failure };
    });
    const batchesApplied = failure ? failure.batchIndex : plan.batches.length;
    if (this.onScreen?.planId === planId) this.onScreen.applied = { batchesApplied, failure };
    return { action: plan.action, batchesApplied, batchCount: plan.batches.length, usersApplied, assignmentsReassigned, failure };
  }

  /** R2: the first previous assignments of these users, to list in the plan. */
  private async previousAssignmentsOf(userIds: readonly string[], index: RosterIndex): Promise<PreviousAssignment[]> {
    // The summaries say who has any: only their bundles are read, a page at a time until the sample is full.
    const holding = userIds.filter((id) => index.countsOf(id).removedAssignments > 0);
    const found: PreviousAssignment[] = [];
    for (let start = 0; start < holding.length && found.length < PLAN_SAMPLE_SIZE; start += 100) {
      const bundles = await this.host.store.readBundles(holding.slice(start, start + 100));
      for (const bundle of bundles.values()) {
        for (const a of bundle.removedAssignments) if (found.length < PLAN_SAMPLE_SIZE) found.push({ ...a, name: fullName(bundle.user!) });
      }
    }
    return found;
  }
}

/** Users a run of batches wrote, the latest of each: a report moved by batch 1 may be deactivated by batch 2. */
class CommittedUsers {
  private readonly changed = new Map<string, StoredUser>();
  private readonly deleted = new Set<string>();

  add(changed: readonly StoredUser[], deletedIds: readonly string[]): void {
    for (const user of changed) {
      this.changed.set(user.id, user);
      this.deleted.delete(user.id);
    }
    for (const id of deletedIds) {
      this.changed.delete(id);
      this.deleted.add(id);
    }
  }

  isEmpty(): boolean {
    return this.changed.size === 0 && this.deleted.size === 0;
  }

  change(): { changed: StoredUser[]; deletedIds: string[] } {
    return { changed: [...this.changed.values()], deletedIds: [...this.deleted] };
  }
}
