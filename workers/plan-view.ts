/**
 * A plan as the page sees it. The worker keeps the whole plan (every id, every batch); the page gets the
 * counts and the first entries of each list, so a plan of 1,000,000 users crosses to the page as a few
 * kilobytes and renders at once.
 */
import type { LifecyclePlan, PlanReasonCode, PlanUserOutcome, PlanWarning } from '../src/core/build-lifecycle-plan.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { Assignment } from '../src/core/roster-types.ts';
import type { UserRef } from '../src/core/user-views.ts';

/** How many entries of each list the page gets. */
export const PLAN_LIST_LIMIT = 200;
export const PLAN_SAMPLE_SIZE = 50;
/** A8: managers drawn in the before/after picture of the manager tree. */
export const PLAN_TREE_GROUPS = 12;
const PLAN_TREE_REPORTS = 6;

/** R2: a previous assignment as a plan lists it. */
export type PreviousAssignment = Assignment & { name: string };

export interface ReasonCount {
  outcome: 'blocked' | 'skipped';
  code: PlanReasonCode;
  rule: string;
  count: number;
}

export type WarningView = Omit<PlanWarning, 'userIds'> & { userCount: number };

export type ReportMoveView = LifecyclePlan['effects']['reportMoves'][number] & { fromManagerName: string; toManagerName: string | null };

/** A8: one leaving manager, where their reports were and where they go. */
export interface ReportMoveGroup {
  manager: UserRef;
  /** The manager's own manager now: the reports' manager until a chain of leaving managers is resolved. */
  managerOfManager: UserRef | null;
  /** Where the reports go: the first ancestor who stays (A8), or the top level. */
  to: UserRef | null;
  reports: UserRef[];
  reportCount: number;
}

export interface PlanView extends Omit<LifecyclePlan, 'eligibleIds' | 'batches' | 'effects' | 'blocked' | 'skipped' | 'warnings'> {
  planId: string;
  /** Distinct users the selection named, found or not. */
  selectedCount: number;
  eligibleCount: number;
  batchCount: number;
  /** The first eligible users, to show who is in the plan. */
  eligibleSample: UserRef[];
  blocked: PlanUserOutcome[];
  blockedCount: number;
  /** F3: the names of the communities the listed blocked users administer, by id. */
  communityNames: Record<string, string>;
  skipped: PlanUserOutcome[];
  skippedCount: number;
  /** Every reason of every blocked or skipped user, counted. */
  reasonCounts: ReasonCount[];
  warnings: WarningView[];
  /** R2, for a reactivation: the first of the users' previous assignments (the count is in the effects). */
  previousAssignments: PreviousAssignment[];
  effects: Omit<LifecyclePlan['effects'], 'reportMoves'> & {
    reportMoves: ReportMoveView[];
    reportMoveCount: number;
    reportMoveGroups: ReportMoveGroup[];
    reportMoveGroupCount: number;
  };
}


function countReasons(outcome: ReasonCount['outcome'], outcomes: readonly PlanUserOutcome[], into: Map<string, ReasonCount>): void {
  for (const { reasons } of outcomes) {
    for (const reason of reasons) {
      const key = `${outcome} ${reason.code}`;
      const entry = into.get(key);
      if (entry) entry.count++;
      else into.set(key, { outcome, code: reason.code, rule: reason.rule, count: 1 });
    }
  }
}

export function toPlanView(planId: string, plan: LifecyclePlan, index: RosterIndex, selectedCount: number): PlanView {
  const { eligibleIds, batches, effects, blocked, skipped, warnings, ...rest } = plan;
  const refOf = (id: string): UserRef => ({ id, name: index.nameOf(id) ?? id });
  const reasonCounts = new Map<string, ReasonCount>();
  countReasons('blocked', blocked, reasonCounts);
  countReasons('skipped', skipped, reasonCounts);

  const groups = new Map<string, ReportMoveGroup>();
  for (const move of effects.reportMoves) {
    let group = groups.get(move.fromManagerId);
    if (!group) {
      if (groups.size >= PLAN_TREE_GROUPS) continue;
      const managerOfManager = index.managerIdOf(move.fromManagerId) ?? null;
      group = {
        manager: refOf(move.fromManagerId),
        managerOfManager: managerOfManager === null ? null : refOf(managerOfManager),
        to: move.toManagerId === null ? null : refOf(move.toManagerId),
        reports: [],
        reportCount: 0,
      };
      groups.set(move.fromManagerId, group);
    }
    group.reportCount++;
    if (group.reports.length < PLAN_TREE_REPORTS) group.reports.push({ id: move.userId, name: move.name });
  }

  const listedBlocked = blocked.slice(0, PLAN_LIST_LIMIT);
  const communityNames: Record<string, string> = {};
  for (const { reasons } of listedBlocked) {
    for (const id of reasons.flatMap((r) => r.communityIds ?? [])) {
      const community = index.communityById.get(id);
      if (community) communityNames[id] = community.name;
    }
  }

  return {
    ...rest,
    planId,
    selectedCount,
    eligibleCount: eligibleIds.length,
    batchCount: batches.length,
    eligibleSample: eligibleIds.slice(0, PLAN_SAMPLE_SIZE).map(refOf),
    blocked: listedBlocked,
    blockedCount: blocked.length,
    communityNames,
    skipped: skipped.slice(0, PLAN_LIST_LIMIT),
    skippedCount: skipped.length,
    reasonCounts: [...reasonCounts.values()].sort((a, b) => b.count - a.count),
    warnings: warnings.map(({ userIds, ...warning }) => ({ ...warning, userCount: userIds.length })),
    previousAssignments: [],
    effects: {
      ...effects,
      reportMoves: effects.reportMoves.slice(0, PLAN_LIST_LIMIT).map((m) => ({
        ...m,
        fromManagerName: refOf(m.fromManagerId).name,
        toManagerName: m.toManagerId === null ? null : refOf(m.toManagerId).name,
      })),
      reportMoveCount: effects.reportMoves.length,
      reportMoveGroups: [...groups.values()],
      reportMoveGroupCount: new Set(effects.reportMoves.map((m) => m.fromManagerId)).size,
    },
  };
}
