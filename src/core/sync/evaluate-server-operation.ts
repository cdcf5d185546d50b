/**
 * How the server decides an operation, with no I/O: every operation is re-checked with the same rules the
 * device used (buildLifecyclePlan), against the server's roster as it is now, so a change that became
 * invalid meanwhile is refused for the users it no longer fits, and applied for the rest. What it changes
 * becomes one commit: the bundles and organization records it replaced, and its result.
 *
 * The roster is read through `ServerRosterView`, a handful of lookups by user: the in-memory roster
 * (server-roster.ts) answers them from maps; the reference server's database answers them from the users
 * a push has read so far and notes those it has not read yet, to read them and evaluate again
 * (src/server/push-working-set.ts): a push reads only the users it is about, their managers and reports,
 * never the whole roster.
 */
import { buildLifecyclePlan, type LifecycleAction, type PlanReasonCode } from '../build-lifecycle-plan.ts';
import { lastChangeOfUser, type PlanningRoster } from '../planning-roster.ts';
import type { Admin, LicenseGrant, User } from '../roster-types.ts';
import { addUserRecordCounts, emptyUserRecordCounts, type UserRecordCounts } from '../user-record-counts.ts';
import { fullName } from '../user-views.ts';
import { applyOperation } from '../changes/apply-operation.ts';
import type { ChangeContext, ChangeOutcome } from '../changes/change-outcome.ts';
import { applyLifecycleChange } from '../changes/lifecycle-change.ts';
import { isLifecycleOperation, OPERATION_KINDS } from '../changes/operation.ts';
import type { OperationResult, OrganizationState, PushOperation, PushRequest, Rejection, RejectionCode, SyncLimits } from './sync-protocol.ts';
import { tombstoneOf, type UserBundle } from './user-bundle.ts';

/** What the server persists per operation; replaying commits in order rebuilds its state. */
export interface SyncCommit {
  revision: number;
  clientId: string;
  seq: number;
  result: OperationResult;
  bundles: UserBundle[];
  organization: OrganizationState | null;
}

/** The server's roster as the rules read it. */
export interface ServerRosterView {
  /** The revision of the last commit. */
  readonly revision: number;
  readonly organization: OrganizationState;
  /** A user's bundle, a deleted user's tombstone, or undefined for an id never on the roster. */
  bundle(id: string): UserBundle | undefined;
  /** The live users whose manager is `id`, sorted by id (an order every view gives alike). */
  reportIdsOf(id: string): readonly string[];
  /** The live user holding an email; `email` is lower case. */
  userIdWithEmail(email: string): string | undefined;
  activeUserCount(): number;
  /** Licenses of a methodology held by live users, not released from an ELA. */
  licensesInUse(methodologyId: string): number;
}

export type PushRefusal = { ok: false; status: 400 | 403 | 409 | 413; code: 'bad_request' | 'forbidden' | 'out_of_order' | 'too_large' | 'protocol_mismatch'; message: string };

/** A5/A17 guard the device's own report exports; the server holds no snapshots and does not re-check them. */
const COVERED_ALWAYS = '9999-12-31T23:59:59.999Z';

const REJECTION_OF_REASON: Record<PlanReasonCode, RejectionCode | null> = {
  unknown_user: 'unknown_user',
  already_inactive: null,
  already_active: null,
  self: 'self',
  last_user_manager: 'last_user_manager',
  community_admin: 'community_admin',
  no_report_snapshot: null,
  no_free_seat: 'no_free_seat',
  ela_pool_full: 'ela_pool_full',
};

/**
 * What refuses a push whole before any operation is looked at: a malformed one, more operations than the
 * server takes, an admin without manage_users (A1). Null: every operation gets evaluated.
 */
export function refusalOfPush(request: PushRequest, admin: Admin, limits: SyncLimits): PushRefusal | null {
  if (!Array.isArray(request.operations) || typeof request.clientId !== 'string' || request.clientId === '') {
    return { ok: false, status: 400, code: 'bad_request', message: 'A push needs a clientId and a list of operations.' };
  }
  if (request.operations.length > limits.operationsPerPush) {
    return { ok: false, status: 413, code: 'too_large', message: `A push holds at most ${limits.operationsPerPush} operations; this one held ${request.operations.length}.` };
  }
  if (!admin.permissions.includes('manage_users')) {
    return { ok: false, status: 403, code: 'forbidden', message: 'This account does not have the manage_users permission: the server accepts no changes from it (A1).' };
  }
  for (const [i, op] of request.operations.entries()) {
    if (typeof op?.id !== 'string' || !Number.isInteger(op.seq) || !Array.isArray(op.userIds)) {
      return { ok: false, status: 400, code: 'bad_request', message: `Operation ${i + 1} of the push is malformed.` };
    }
    if (i > 0 && op.seq <= request.operations[i - 1]!.seq) {
      return { ok: false, status: 409, code: 'out_of_order', message: 'The operations of a push must be in the order they were made.' };
    }
  }
  return null;
}

/** The answer to an operation the server has already applied, when its first answer is not kept. */
export function replayedResult(op: PushOperation, revision: number): OperationResult {
  return { id: op.id, seq: op.seq, status: 'applied', unchanged: [], rejections: [], current: [], revision };
}

/** What an operation would change, against `view` as it is now; nothing is changed. */
export function evaluateServerOperation(view: ServerRosterView, clientId: string, op: PushOperation, admin: Admin): SyncCommit {
  const revision = view.revision + 1;
  const work: OperationWork = { revision, changed: new Map(), organization: null, rejections: [], unchanged: [] };
  const seen = op.seen ?? {};
  const reject: Reject = (userId, code, message, rule = null) => {
    const bundle = userId ? view.bundle(userId) : undefined;
    const seenRevision = userId ? seen[userId] : undefined;
    work.rejections.push({ userId, code, rule, message, changedSinceSeen: bundle !== undefined && seenRevision !== undefined && bundle.revision > seenRevision });
  };
  try {
    if (isLifecycleOperation(op)) evaluateLifecycle(view, op, admin, work, reject);
    else if (OPERATION_KINDS.includes(op.kind)) take(view, applyOperation(changeContext(view, op, admin), { ...op, actorId: admin.userId }), work, reject);
    else reject(null, 'invalid_operation', `This server does not know operations of kind "${String((op as { kind: unknown }).kind)}".`);
  } catch (error) {
    // A malformed operation is refused whole; it never takes the server down or half applies.
    work.changed.clear();
    work.organization = null;
    work.rejections = [{ userId: null, code: 'invalid_operation', rule: null, message: `The operation could not be read: ${(error as Error).message}`, changedSinceSeen: false }];
  }
  const rejectedIds = new Set(work.rejections.map((r) => r.userId));
  const isWholeRejected = rejectedIds.has(null) || (op.userIds.length > 0 && op.userIds.every((id) => rejectedIds.has(id)));
  const changesAnything = work.changed.size > 0 || work.organization !== null;
  const status = work.rejections.length === 0 ? 'applied' : isWholeRejected && !changesAnything ? 'rejected' : 'partly_applied';
  // A refused leaving manager's reports are sent too: the device moved them up (A8) when it made the
  // change, and the server, which did not, holds them as they were.
  const refusedIds = [...rejectedIds].filter((id): id is string => id !== null);
  const reportIds = op.kind === 'deactivate' || op.kind === 'delete' ? refusedIds.flatMap((id) => view.reportIdsOf(id)) : [];
  const current = [...new Set([...refusedIds, ...reportIds])].map((id) => work.changed.get(id) ?? view.bundle(id) ?? tombstoneOf(id, view.revision));
  const committedAt = changesAnything ? revision : view.revision;
  const result: OperationResult = { id: op.id, seq: op.seq, status, unchanged: work.unchanged, rejections: work.rejections, current, revision: committedAt };
  return { revision: committedAt, clientId, seq: op.seq, result, bundles: [...work.changed.values()], organization: work.organization };
}

/** A user's bundle if they are on the roster and not deleted. */
export function liveBundle(view: Pick<ServerRosterView, 'bundle'>, id: string): UserBundle | undefined {
  const bundle = view.bundle(id);
  return bundle && !bundle.deleted ? bundle : undefined;
}

/** What a bundle adds to the roster-wide counts the rules read (A10–A12 licenses, active users). */
export interface BundleContribution {
  active: number;
  licenses: readonly string[];
}

const NOTHING: BundleContribution = { active: 0, licenses: [] };

export function contributionOf(bundle: UserBundle | undefined): BundleContribution {
  if (!bundle || bundle.deleted || !bundle.user) return NOTHING;
  return { active: bundle.user.status === 'active' ? 1 : 0, licenses: inUseMethodologies(bundle.licenses) };
}

/** The methodology of every license held and not released from an ELA (a methodology once per license). */
export function inUseMethodologies(licenses: readonly LicenseGrant[]): string[] {
  const ids: string[] = [];
  for (const l of licenses) if (!l.releasedFromElaAt) ids.push(l.methodologyId);
  return ids;
}

function evaluateLifecycle(view: ServerRosterView, op: Extract<PushOperation, { kind: LifecycleAction }>, admin: Admin, work: OperationWork, reject: Reject): void {
  const action = op.kind;
  const plan = buildLifecyclePlan(planningRosterOf(view), { action, actorId: admin.userId, userIds: op.userIds });
  if (plan.blockers.length > 0) {
    const blocker = plan.blockers[0]!;
    const code: RejectionCode = blocker.code === 'missing_permission' || blocker.code === 'unknown_actor' ? 'missing_permission' : blocker.code === 'plan_disallows' ? 'plan_disallows' : 'invalid_operation';
    for (const id of op.userIds) reject(id, code, blocker.message, blocker.rule);
    return;
  }
  for (const outcome of [...plan.blocked, ...plan.skipped]) {
    const reason = outcome.reasons.find((r) => REJECTION_OF_REASON[r.code] !== null);
    if (reason) reject(outcome.userId, REJECTION_OF_REASON[reason.code]!, reason.message, reason.rule);
    else work.unchanged.push(outcome.userId); // X3: already as asked
  }
  // The same change the device made, on the users that still qualify here, with the server's own A8
  // moves worked out on its roster (the device takes them from the next pull).
  const reassignPrevious = op.kind === 'reactivate' && op.args.reassignPrevious === true;
  take(view, applyLifecycleChange(changeContext(view, op, admin), { action, userIds: plan.eligibleIds, reportMoves: plan.effects.reportMoves, reassignPrevious }), work, reject);
}

/** Records a change function's outcome in the operation's work: bundles at the new revision, refusals. */
function take(view: ServerRosterView, outcome: ChangeOutcome, work: OperationWork, reject: Reject): void {
  for (const refusal of outcome.refusals) reject(refusal.userId, refusal.code, refusal.message, refusal.rule);
  work.unchanged.push(...outcome.unchanged);
  for (const [id, bundle] of outcome.changed) work.changed.set(id, bundle.deleted || !bundle.user ? tombstoneOf(id, work.revision) : { ...bundle, revision: work.revision, user: withoutRevision(bundle.user) });
  if (outcome.organization) work.organization = { ...cloneOrganization(view.organization), ...outcome.organization, revision: work.revision };
}

function changeContext(view: ServerRosterView, op: PushOperation, admin: Admin): ChangeContext {
  return {
    organization: view.organization,
    bundleOf: (id) => liveBundle(view, id),
    hasUser: (id) => liveBundle(view, id) !== undefined,
    userIdWithEmail: (email) => view.userIdWithEmail(email.toLowerCase()),
    actorId: admin.userId,
    now: op.createdAt,
  };
}

/** The rules' view of the server's roster (see PlanningRoster). */
function planningRosterOf(view: ServerRosterView): PlanningRoster {
  const org = view.organization;
  const globalId = org.communities.find((c) => c.global)?.id ?? null;
  const countsCache = new Map<string, UserRecordCounts>();
  const none: readonly never[] = [];
  const userOf = (id: string) => liveBundle(view, id)?.user ?? undefined;
  const roster: PlanningRoster = {
    organization: org.organization,
    admins: org.admins,
    communities: org.communities,
    methodologies: org.methodologies,
    reportCoveredAt: () => COVERED_ALWAYS,
    userById: userOf,
    statusOf: (id) => userOf(id)?.status,
    nameOf: (id) => {
      const user = userOf(id);
      return user ? fullName(user) : undefined;
    },
    managerIdOf: (id) => userOf(id)?.managerId,
    reportIdsOf: (id) => view.reportIdsOf(id),
    activeUserCount: () => view.activeUserCount(),
    licensesOf: (id) => liveBundle(view, id)?.licenses ?? none,
    licensesInUse: (methodologyId) => view.licensesInUse(methodologyId),
    membershipsOf: (id) => liveBundle(view, id)?.memberships.map((m) => m.communityId) ?? none,
    countsOf: (id) => {
      let counts = countsCache.get(id);
      if (!counts) {
        const bundle = liveBundle(view, id);
        const perUser = new Map<string, UserRecordCounts>();
        if (bundle) addUserRecordCounts(perUser, { ...bundle, retainedHistory: bundle.retainedHistory ? [bundle.retainedHistory] : [] }, globalId);
        counts = perUser.get(id) ?? emptyUserRecordCounts();
        countsCache.set(id, counts);
      }
      return counts;
    },
    lastChangeOf: (id) => {
      const user = userOf(id);
      return user ? lastChangeOfUser(user, roster.countsOf(id)) : undefined;
    },
  };
  return roster;
}

type Reject = (userId: string | null, code: RejectionCode, message: string, rule?: string | null) => void;

interface OperationWork {
  revision: number;
  changed: Map<string, UserBundle>;
  organization: OrganizationState | null;
  rejections: Rejection[];
  unchanged: string[];
}

function cloneOrganization(state: OrganizationState): OrganizationState {
  return JSON.parse(JSON.stringify(state)) as OrganizationState;
}

/** The server keeps revisions on bundles; a user record carries none. */
function withoutRevision(user: User): User {
  if (user.revision === undefined) return user;
  const { revision: _revision, ...rest } = user;
  return rest;
}
