/**
 * The plan of a deactivation, reactivation or deletion: before anything changes, who is eligible, who is
 * skipped or blocked and why, what the admin should be warned of, and every effect with counts. Pure:
 * the worker runs it over its in-memory roster, the sync server re-runs it to re-check operations.
 * Rule IDs refer to ../shared/DOMAIN.md.
 */
import { describeLimitUse } from './describe-limit-use.ts';
import { effectivePolicy, type EffectivePolicy } from './lifecycle-policy.ts';
import { formatList, plural, pluralWord } from './plural.ts';
import type { PlanningRoster } from './planning-roster.ts';
import type { Permission, TokenKind, User } from './roster-types.ts';

export type LifecycleAction = 'deactivate' | 'reactivate' | 'delete';

export type PlanReasonCode =
  | 'unknown_user'
  | 'already_inactive'
  | 'already_active'
  | 'self'
  | 'last_user_manager'
  | 'community_admin'
  | 'no_report_snapshot'
  | 'no_free_seat'
  | 'ela_pool_full';

export interface PlanReason {
  code: PlanReasonCode;
  /** The DOMAIN.md rule behind it. */
  rule: string;
  message: string;
  /** F3: the communities a blocked user administers. */
  communityIds?: string[];
  /** R5: the methodologies whose pool has no room. */
  methodologyIds?: string[];
}

export interface PlanUserOutcome {
  userId: string;
  name: string;
  reasons: PlanReason[];
}

export type PlanBlockerCode = 'empty_selection' | 'unknown_actor' | 'missing_permission' | 'plan_disallows';

export interface PlanBlocker {
  code: PlanBlockerCode;
  rule: string;
  message: string;
}

export interface PlanWarning {
  code: 'no_report_snapshot' | 'consumed_licenses_stay' | 'custom_fields_visible' | 'inactive_manager';
  rule: string;
  message: string;
  userIds: string[];
}

export interface ReportMove {
  userId: string;
  name: string;
  fromManagerId: string;
  /** null: the report becomes top-level. */
  toManagerId: string | null;
}

export interface LicensePoolEffect {
  methodologyId: string;
  name: string;
  model: 'seat' | 'ela';
  seats: number;
  inUseBefore: number;
  inUseAfter: number;
  /** A10: reserved licenses back to the pool. */
  reservedReleased: number;
  /** A11: consumed licenses that stay consumed. */
  consumedKept: number;
  /** A11: consumed ELA licenses released, recorded for reactivation. */
  elaReleased: number;
  /** R5: ELA licenses consumed again. */
  elaReconsumed: number;
}

export interface PlanEffects {
  reportMoves: ReportMove[];
  licensePools: LicensePoolEffect[];
  membershipsRemoved: number;
  requestsRemoved: number;
  certificatesRemoved: number;
  completionsKept: number;
  tokensRemoved: Record<TokenKind, number>;
  assignmentsRemoved: number;
  assignmentsKept: number;
  /** F8: users whose retained history stays untouched; F2: whose history is removed. */
  historyKept: number;
  historyRemoved: number;
  /** A12/R1: active users counted against the seat limit. */
  seatUsage: { before: number; after: number; limit: number };
  /** R3: users re-added to the global community. */
  globalMembershipsAdded: number;
  /** R4: certificates of the global community that reappear, and others regenerable from completions. */
  certificatesRestored: number;
  certificatesRegenerable: number;
  /** R2: previous assignments offered for re-assignment. */
  assignmentsToOffer: number;
}

export interface LifecyclePlan {
  action: LifecycleAction;
  actorId: string;
  policy: EffectivePolicy;
  /** Plan-wide reasons nothing can be applied (A1, F2, empty selection). */
  blockers: PlanBlocker[];
  eligibleIds: string[];
  skipped: PlanUserOutcome[];
  blocked: PlanUserOutcome[];
  warnings: PlanWarning[];
  effects: PlanEffects;
  /** A14: eligible ids in batches of at most the batch limit, each applied and synced on its own. */
  batches: string[][];
  canApply: boolean;
}

export interface PlanRequest {
  action: LifecycleAction;
  actorId: string;
  userIds: readonly string[];
  /** A13: the custom field value the selection was made by (the large-scale route), for the A15 warning. */
  selectedByCustomField?: { name: string; value: string } | null;
}

const REQUIRED_PERMISSION: Record<LifecycleAction, Permission> = {
  deactivate: 'manage_users',
  reactivate: 'manage_users',
  delete: 'delete_users',
};

/** A user's name for the plan's lists, or their id when the roster does not hold them. */
function nameOf(roster: PlanningRoster, id: string): string {
  return roster.nameOf(id) ?? id;
}

function emptyEffects(seatsInUse: number, seatLimit: number): PlanEffects {
  return {
    reportMoves: [],
    licensePools: [],
    membershipsRemoved: 0,
    requestsRemoved: 0,
    certificatesRemoved: 0,
    completionsKept: 0,
    tokensRemoved: { auth: 0, auto_login: 0, device: 0, oauth: 0 },
    assignmentsRemoved: 0,
    assignmentsKept: 0,
    historyKept: 0,
    historyRemoved: 0,
    seatUsage: { before: seatsInUse, after: seatsInUse, limit: seatLimit },
    globalMembershipsAdded: 0,
    certificatesRestored: 0,
    certificatesRegenerable: 0,
    assignmentsToOffer: 0,
  };
}

function planBlockers(request: PlanRequest, roster: PlanningRoster, policy: EffectivePolicy): PlanBlocker[] {
  const blockers: PlanBlocker[] = [];
  if (request.userIds.length === 0) {
    blockers.push({ code: 'empty_selection', rule: 'A6', message: 'No user is selected. Select users in the list, or use a rule or a file.' });
  }
  const actor = roster.admins.find((a) => a.userId === request.actorId);
  const permission = REQUIRED_PERMISSION[request.action];
  if (!actor) {
    blockers.push({ code: 'unknown_actor', rule: 'A1', message: 'The signed-in user is not an admin of this organization.' });
  } else if (!actor.permissions.includes(permission)) {
    blockers.push({
      code: 'missing_permission',
      rule: request.action === 'delete' ? 'F2' : 'A1',
      message: `You need the ${permission} permission to ${request.action} users. Ask an admin who holds it.`,
    });
  }
  if (request.action === 'deactivate' && !policy.isDeactivationAllowed) {
    blockers.push({ code: 'plan_disallows', rule: 'A1', message: 'Your organization’s plan does not allow deactivating users (it needs the Plus plan).' });
  }
  return blockers;
}

/**
 * Builds the plan for `request` over `roster`. Never throws for bad input: unknown ids, an empty
 * selection or a missing permission come back as skipped users and plan blockers.
 */
export function buildLifecyclePlan(roster: PlanningRoster, request: PlanRequest): LifecyclePlan {
  const policy = effectivePolicy(roster.organization);
  const { action, actorId } = request;
  const isLeaving = action !== 'reactivate';
  const skipped: PlanUserOutcome[] = [];
  const blocked: PlanUserOutcome[] = [];
  // Ids, not users: a plan of 10,000 reads a few facts of each and makes no object of any.
  const eligible: string[] = [];
  const adminOf = new Map<string, string[]>();
  const communityNames = new Map(roster.communities.map((c) => [c.id, c.name]));
  for (const community of roster.communities) {
    for (const id of community.adminIds) adminOf.set(id, [...(adminOf.get(id) ?? []), community.id]);
  }
  const uncoveredIds: string[] = [];

  const seatsInUse = roster.activeUserCount();
  const methodologyNames = new Map(roster.methodologies.map((m) => [m.id, m.name]));
  const elaPools = new Map(
    roster.methodologies.filter((m) => m.model === 'ela').map((m) => [m.id, { seats: m.seats, inUse: roster.licensesInUse(m.id) }]),
  );
  let seatsTaken = seatsInUse;

  const seen = new Set<string>();
  for (const id of request.userIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    const status = roster.statusOf(id);
    if (!status) {
      skipped.push({ userId: id, name: id, reasons: [{ code: 'unknown_user', rule: 'X3', message: `No user with id ${id} is on this roster (deleted, or never imported).` }] });
      continue;
    }
    if (action === 'deactivate' && status === 'inactive') {
      skipped.push({ userId: id, name: nameOf(roster, id), reasons: [{ code: 'already_inactive', rule: 'X3', message: 'Already inactive.' }] });
      continue;
    }
    if (action === 'reactivate' && status === 'active') {
      skipped.push({ userId: id, name: nameOf(roster, id), reasons: [{ code: 'already_active', rule: 'X3', message: 'Already active.' }] });
      continue;
    }

    const reasons: PlanReason[] = [];
    if (isLeaving) {
      if (id === actorId) reasons.push({ code: 'self', rule: 'X1', message: `You cannot ${action} yourself.` });
      const communities = adminOf.get(id);
      if (communities) {
        reasons.push({
          code: 'community_admin',
          rule: 'F3',
          message: `Admin of ${pluralWord(communities.length, 'community')} ${formatList(communities.map((c) => `${communityNames.get(c) ?? c} (${c})`))}: transfer the admin role first.`,
          communityIds: communities,
        });
      }
      if (action === 'deactivate' && !policy.reportsIncludeInactive) {
        const lastChange = roster.lastChangeOf(id)!;
        const coveredAt = roster.reportCoveredAt(id);
        const isCovered = coveredAt !== null && coveredAt >= lastChange;
        if (!isCovered) {
          if (policy.requireSnapshot) {
            reasons.push({ code: 'no_report_snapshot', rule: 'A5', message: 'No report snapshot covers this user since their last change: export reports first.' });
          } else {
            uncoveredIds.push(id);
          }
        }
      }
    } else {
      if (policy.reactivationNeedsSeat && seatsTaken + 1 > policy.seatLimit) {
        reasons.push({ code: 'no_free_seat', rule: 'R1', message: `No free platform seat: ${describeLimitUse(seatsTaken, policy.seatLimit)}.` });
      }
      const fullPools = roster
        .licensesOf(id)
        .filter((l) => l.releasedFromElaAt && elaPools.has(l.methodologyId))
        .map((l) => l.methodologyId)
        .filter((m) => {
          const pool = elaPools.get(m)!;
          return pool.inUse + 1 > pool.seats;
        });
      if (fullPools.length > 0) {
        reasons.push({
          code: 'ela_pool_full',
          rule: 'R5',
          message: `The ELA ${pluralWord(fullPools.length, 'pool')} of ${formatList(fullPools.map((m) => `${methodologyNames.get(m) ?? m} (${m})`))} ${pluralWord(fullPools.length, 'has', 'have')} no room: ${pluralWord(fullPools.length, 'it', 'they')} must grow (true-up) first.`,
          methodologyIds: fullPools,
        });
      }
    }
    if (reasons.length > 0) {
      blocked.push({ userId: id, name: nameOf(roster, id), reasons });
      continue;
    }
    eligible.push(id);
    if (action === 'reactivate') {
      seatsTaken++;
      for (const l of roster.licensesOf(id)) {
        const pool = l.releasedFromElaAt ? elaPools.get(l.methodologyId) : undefined;
        if (pool) pool.inUse++;
      }
    }
  }

  // X2: never leave the organization without an active holder of manage_users.
  if (isLeaving) {
    const leavingIds = new Set(eligible);
    const holders = roster.admins.filter((a) => a.permissions.includes('manage_users') && roster.statusOf(a.userId) === 'active');
    if (holders.length > 0 && holders.every((a) => leavingIds.has(a.userId))) {
      for (const holder of holders) {
        eligible.splice(eligible.indexOf(holder.userId), 1);
        blocked.push({
          userId: holder.userId,
          name: nameOf(roster, holder.userId),
          reasons: [{ code: 'last_user_manager', rule: 'X2', message: 'The last active admin who can manage users cannot be removed.' }],
        });
      }
    }
  }

  const blockers = planBlockers(request, roster, policy);
  const eligibleIds = eligible;
  const eligibleSet = new Set(eligibleIds);
  const effects = computeEffects(roster, action, policy, eligible, eligibleSet, seatsInUse);
  const warnings: PlanWarning[] = [];
  const stillUncovered = uncoveredIds.filter((id) => eligibleSet.has(id));
  if (stillUncovered.length > 0) {
    warnings.push({
      code: 'no_report_snapshot',
      rule: 'A5',
      message: `${plural(stillUncovered.length, 'of these users is', 'of these users are')} not covered by a report snapshot taken after their last change. Reports exclude inactive users: export every report type first.`,
      userIds: stillUncovered,
    });
  }
  if (action === 'deactivate') {
    const elaIds = new Set(roster.methodologies.filter((m) => m.model === 'ela').map((m) => m.id));
    const keeping = eligible.filter((id) => roster.licensesOf(id).some((l) => l.state === 'consumed' && !elaIds.has(l.methodologyId)));
    if (keeping.length > 0) {
      warnings.push({
        code: 'consumed_licenses_stay',
        rule: 'A11',
        message: `${plural(keeping.length, 'of these users holds', 'of these users hold')} consumed licenses that stay consumed and cannot be reassigned.`,
        userIds: keeping,
      });
    }
  }

  const field = request.selectedByCustomField;
  if (action === 'deactivate' && field && field.value !== '') {
    const tagged = eligible.filter((id) => roster.userById(id)?.customFields[field.name] === field.value);
    if (tagged.length > 0) {
      warnings.push({
        code: 'custom_fields_visible',
        rule: 'A15',
        message: `${plural(tagged.length, 'of these users keeps', 'of these users keep')} the custom field ${field.name} = ${field.value} after the change. Custom fields are visible to every admin and to the users' managers: clear the value afterwards if it should not be seen.`,
        userIds: tagged,
      });
    }
  }

  if (action === 'reactivate') {
    const warning = inactiveManagerWarning(roster, eligible, eligibleSet);
    if (warning) warnings.push(warning);
  }

  // A14 allows any split: batches go in id order, so that each batch's users sit in few of the device's
  // storage blocks (ranges of ids) and consecutive batches share them.
  const inIdOrder = [...eligibleIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const batches: string[][] = [];
  for (let i = 0; i < inIdOrder.length; i += policy.batchLimit) batches.push(inIdOrder.slice(i, i + policy.batchLimit));

  return {
    action,
    actorId,
    policy,
    blockers,
    eligibleIds,
    skipped,
    blocked,
    warnings,
    effects,
    batches,
    canApply: blockers.length === 0 && eligibleIds.length > 0,
  };
}

/**
 * R6/A8: reactivated users whose manager is inactive and stays so. A8 moved only the reports of a manager
 * who left without them (users who left together keep their manager), and reactivation moves nobody
 * (R6): such a user would come back under an inactive manager, which the admin should decide about.
 */
function inactiveManagerWarning(roster: PlanningRoster, eligible: readonly string[], reactivated: ReadonlySet<string>): PlanWarning | null {
  const userIds: string[] = [];
  const managers = new Set<string>();
  for (const id of eligible) {
    const managerId = roster.managerIdOf(id) ?? null;
    if (managerId === null || roster.statusOf(managerId) !== 'inactive' || reactivated.has(managerId)) continue;
    userIds.push(id);
    managers.add(managerId);
  }
  if (userIds.length === 0) return null;
  if (userIds.length === 1) {
    const [userId] = userIds as [string];
    const name = nameOf(roster, userId);
    const managerName = nameOf(roster, [...managers][0]!);
    return {
      code: 'inactive_manager',
      rule: 'R6',
      message: `${name} reports to ${managerName}, who is inactive and stays so: reactivation moves nobody (R6), so ${name} comes back under an inactive manager. Reactivate ${managerName} too, or give ${name} another manager afterwards.`,
      userIds,
    };
  }
  const managerNames = formatList([...managers].map((m) => nameOf(roster, m)), 'and', 5);
  const isOne = managers.size === 1;
  return {
    code: 'inactive_manager',
    rule: 'R6',
    message: `${plural(userIds.length, 'of these users reports', 'of these users report')} to ${isOne ? 'a manager who is inactive and stays' : 'managers who are inactive and stay'} so (${managerNames}): reactivation moves nobody (R6), so they come back under ${isOne ? 'an inactive manager' : 'inactive managers'}. Reactivate ${isOne ? 'that manager' : 'those managers'} too, or give the users other managers afterwards.`,
    userIds,
  };
}

/** A8: the first manager from `managerId` up who stays; null when everyone above leaves too. */
function firstStayingManager(roster: PlanningRoster, managerId: string | null, leaving: ReadonlySet<string>): string | null {
  let at = managerId;
  // A chain longer than the leaving set holds a cycle (bad data): no one above stays.
  for (let steps = 0; at !== null && leaving.has(at); steps++) {
    if (steps > leaving.size) return null;
    at = roster.managerIdOf(at) ?? null;
  }
  return at;
}

function computeEffects(
  roster: PlanningRoster,
  action: LifecycleAction,
  policy: EffectivePolicy,
  eligible: readonly string[],
  eligibleIds: ReadonlySet<string>,
  seatsInUse: number,
): PlanEffects {
  const effects = emptyEffects(seatsInUse, policy.seatLimit);
  const leaving: ReadonlySet<string> = action === 'reactivate' ? new Set() : eligibleIds;
  const globalId = roster.communities.find((c) => c.global)?.id;
  const pools = new Map<string, LicensePoolEffect>(
    roster.methodologies.map((m) => {
      const inUse = roster.licensesInUse(m.id);
      return [m.id, { methodologyId: m.id, name: m.name, model: m.model, seats: m.seats, inUseBefore: inUse, inUseAfter: inUse, reservedReleased: 0, consumedKept: 0, elaReleased: 0, elaReconsumed: 0 }];
    }),
  );

  for (const id of eligible) {
    const isActive = roster.statusOf(id) === 'active';
    if (action === 'reactivate') {
      effects.seatUsage.after++;
      if (globalId && !roster.membershipsOf(id).includes(globalId)) effects.globalMembershipsAdded++;
      const counts = roster.countsOf(id);
      effects.certificatesRestored += counts.uncertifiedGlobalCompletions;
      effects.certificatesRegenerable += counts.uncertifiedOtherCompletions;
      effects.assignmentsToOffer += counts.removedAssignments;
      for (const license of roster.licensesOf(id)) {
        const pool = pools.get(license.methodologyId);
        if (pool && license.releasedFromElaAt) {
          pool.elaReconsumed++;
          pool.inUseAfter++;
        }
      }
      continue;
    }

    // Deactivate or delete: the user leaves.
    if (isActive) effects.seatUsage.after--;
    // Every report who stays moves to the same manager: worked out once, when the first one is met.
    let toManagerId: string | null | undefined;
    for (const reportId of roster.reportIdsOf(id)) {
      if (leaving.has(reportId)) continue;
      toManagerId ??= firstStayingManager(roster, id, leaving);
      effects.reportMoves.push({ userId: reportId, name: nameOf(roster, reportId), fromManagerId: id, toManagerId });
    }
    for (const license of roster.licensesOf(id)) {
      const pool = pools.get(license.methodologyId);
      if (!pool || license.releasedFromElaAt) continue;
      if (license.state === 'reserved') {
        pool.reservedReleased++;
        pool.inUseAfter--;
      } else if (pool.model === 'ela') {
        pool.elaReleased++;
        pool.inUseAfter--;
      } else {
        pool.consumedKept++;
      }
    }
    const counts = roster.countsOf(id);
    effects.membershipsRemoved += roster.membershipsOf(id).length;
    effects.requestsRemoved += counts.requests;
    effects.certificatesRemoved += counts.certificates;
    for (const kind of Object.keys(counts.tokens) as TokenKind[]) effects.tokensRemoved[kind] += counts.tokens[kind];
    const assignments = counts.assignments;
    const hasHistory = counts.hasRetainedHistory;
    if (action === 'delete') {
      effects.assignmentsRemoved += assignments;
      if (hasHistory) effects.historyRemoved++;
    } else {
      effects.completionsKept += counts.completions;
      if (policy.assignments === 'remove') effects.assignmentsRemoved += assignments;
      else effects.assignmentsKept += assignments;
      if (hasHistory) effects.historyKept++;
    }
  }
  effects.licensePools = [...pools.values()];
  return effects;
}
