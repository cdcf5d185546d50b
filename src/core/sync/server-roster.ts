/**
 * The server's side of sync, with no I/O: the organization's roster as user bundles, the operations each
 * client has pushed, and the log that pulls read. The reference server (src/server/) wraps it in HTTP
 * and a file; tests drive it directly.
 *
 * Every operation is re-checked with the same rules the device used (buildLifecyclePlan), against the
 * server's roster as it is now, so a change that became invalid meanwhile is refused for the users it no
 * longer fits, and applied for the rest. What an operation changes becomes one commit: the bundles and
 * organization records it replaced, and its result. Commits are what the server persists, and replaying
 * them rebuilds the same state; a replayed operation (same client, seq at or below the last one seen)
 * gets its first answer again and changes nothing.
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
import type {
  OperationResult,
  OrganizationState,
  PullResponse,
  PushOperation,
  PushRequest,
  Rejection,
  RejectionCode,
  SyncLimits,
} from './sync-protocol.ts';
import { tombstoneOf, withEveryRecordList, type UserBundle } from './user-bundle.ts';

export const DEFAULT_SYNC_LIMITS: SyncLimits = { operationsPerPush: 50, usersPerPull: 5_000 };

/** What the server persists per operation; replaying commits in order rebuilds its state. */
export interface SyncCommit {
  revision: number;
  clientId: string;
  seq: number;
  result: OperationResult;
  bundles: UserBundle[];
  organization: OrganizationState | null;
}

/** Everything the server holds, as plain data: what a snapshot file stores. */
export interface ServerSnapshot {
  revision: number;
  organization: OrganizationState;
  bundles: UserBundle[];
  /** The last seq applied per client. */
  clients: Record<string, number>;
  /** Recent results by operation id, answered again to a replay. */
  results: OperationResult[];
}

export type PushOutcome =
  | { ok: true; results: OperationResult[]; commits: SyncCommit[] }
  | { ok: false; status: 400 | 403 | 409 | 413; code: 'bad_request' | 'forbidden' | 'out_of_order' | 'too_large' | 'protocol_mismatch'; message: string };

const KEPT_RESULTS = 20_000;

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

interface Cursor {
  revision: number;
  /** Null: every change up to and including `revision` was seen. */
  id: string | null;
}

export function parseCursor(text: string | null | undefined): Cursor | null | 'invalid' {
  if (text === null || text === undefined || text === '') return null;
  const colon = text.indexOf(':');
  const revision = Number(colon < 0 ? text : text.slice(0, colon));
  if (!Number.isInteger(revision) || revision < 0) return 'invalid';
  return { revision, id: colon < 0 ? null : text.slice(colon + 1) };
}

function isAfter(revision: number, id: string, cursor: Cursor | null): boolean {
  if (!cursor) return true;
  return revision > cursor.revision || (cursor.id !== null && revision === cursor.revision && id > cursor.id);
}

function cloneOrganization(state: OrganizationState): OrganizationState {
  return JSON.parse(JSON.stringify(state)) as OrganizationState;
}

export class ServerRoster {
  private revision: number;
  private org: OrganizationState;
  private readonly bundles = new Map<string, UserBundle>();
  private readonly clients = new Map<string, number>();
  private readonly results = new Map<string, OperationResult>();
  // Derived, kept current commit by commit: what the rules ask about the roster.
  private readonly reports = new Map<string, Set<string>>();
  private readonly emailOwner = new Map<string, string>();
  private readonly inUse = new Map<string, number>();
  private activeCount = 0;
  // The pull log: (revision, id) of every bundle change in commit order, ids sorted within a commit.
  // An entry whose bundle changed again later is stale and skipped; the log is rebuilt when half is.
  private logRevisions: number[] = [];
  private logIds: string[] = [];
  private staleEntries = 0;

  constructor(snapshot: ServerSnapshot, readonly limits: SyncLimits = DEFAULT_SYNC_LIMITS) {
    this.revision = snapshot.revision;
    this.org = snapshot.organization;
    for (const bundle of snapshot.bundles) this.index(withEveryRecordList(bundle), undefined);
    for (const [client, seq] of Object.entries(snapshot.clients)) this.clients.set(client, seq);
    for (const result of snapshot.results) this.results.set(result.id, result);
    this.rebuildLog();
  }

  get currentRevision(): number {
    return this.revision;
  }

  get organizationState(): OrganizationState {
    return this.org;
  }

  get userCount(): number {
    let count = 0;
    for (const bundle of this.bundles.values()) if (!bundle.deleted) count++;
    return count;
  }

  bundle(id: string): UserBundle | undefined {
    return this.bundles.get(id);
  }

  adminOf(userId: string): Admin | undefined {
    return this.org.admins.find((a) => a.userId === userId);
  }

  snapshot(): ServerSnapshot {
    return {
      revision: this.revision,
      organization: this.org,
      bundles: [...this.bundles.values()],
      clients: Object.fromEntries(this.clients),
      results: [...this.results.values()],
    };
  }

  /**
   * Applies a push. The caller has authenticated `admin`; one without manage_users is refused whole
   * (403) and nothing changes. Otherwise every operation gets a result, in order; replays get theirs again.
   */
  push(request: PushRequest, admin: Admin): PushOutcome {
    if (!Array.isArray(request.operations) || typeof request.clientId !== 'string' || request.clientId === '') {
      return { ok: false, status: 400, code: 'bad_request', message: 'A push needs a clientId and a list of operations.' };
    }
    if (request.operations.length > this.limits.operationsPerPush) {
      return { ok: false, status: 413, code: 'too_large', message: `A push holds at most ${this.limits.operationsPerPush} operations; this one held ${request.operations.length}.` };
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
    const results: OperationResult[] = [];
    const commits: SyncCommit[] = [];
    for (const op of request.operations) {
      const lastSeq = this.clients.get(request.clientId) ?? 0;
      const earlier = this.results.get(op.id);
      if (earlier || op.seq <= lastSeq) {
        // A replay: the first answer again, nothing changed.
        results.push(earlier ?? { id: op.id, seq: op.seq, status: 'applied', unchanged: [], rejections: [], current: [], revision: this.revision });
        continue;
      }
      const commit = this.evaluate(request.clientId, op, admin);
      this.commit(commit);
      commits.push(commit);
      results.push(commit.result);
    }
    return { ok: true, results, commits };
  }

  /** Changes since `cursor`, at most `limit` users, oldest first. */
  pull(cursorText: string | null, limit = this.limits.usersPerPull): PullResponse | 'bad_cursor' {
    const cursor = parseCursor(cursorText);
    if (cursor === 'invalid' || (cursor && cursor.revision > this.revision)) return 'bad_cursor';
    if (this.staleEntries > this.logIds.length / 2) this.rebuildLog();
    const start = this.firstLogEntryAfter(cursor);
    const users: UserBundle[] = [];
    let position = start;
    for (; position < this.logIds.length && users.length < limit; position++) {
      const bundle = this.bundles.get(this.logIds[position]!)!;
      if (bundle.revision === this.logRevisions[position]) users.push(bundle);
    }
    let remaining = users.length;
    for (let i = position; i < this.logIds.length; i++) if (this.bundles.get(this.logIds[i]!)!.revision === this.logRevisions[i]) remaining++;
    const hasMore = remaining > users.length;
    const last = users[users.length - 1];
    const next = hasMore && last ? `${last.revision}:${last.id}` : String(this.revision);
    const includesOrganization = !cursor || this.org.revision > cursor.revision || (cursor.id !== null && this.org.revision === cursor.revision);
    return { organization: includesOrganization ? this.org : null, users, cursor: next, hasMore, remaining };
  }

  /** Re-applies a persisted commit (after a restart); the same path a push takes. */
  commit(commit: SyncCommit): void {
    this.revision = Math.max(this.revision, commit.revision);
    if (commit.organization) this.org = commit.organization;
    const ids = commit.bundles.map((b) => b.id).sort();
    // Data written before a record kind existed has no list for it.
    const byId = new Map(commit.bundles.map((b) => [b.id, withEveryRecordList(b)]));
    for (const id of ids) {
      const bundle = byId.get(id)!;
      const previous = this.bundles.get(id);
      if (previous) this.unindex(previous);
      this.index(bundle, previous);
      this.logRevisions.push(bundle.revision);
      this.logIds.push(id);
    }
    if (commit.clientId) this.clients.set(commit.clientId, Math.max(this.clients.get(commit.clientId) ?? 0, commit.seq));
    this.results.set(commit.result.id, commit.result);
    if (this.results.size > KEPT_RESULTS) {
      const oldest = this.results.keys().next().value;
      if (oldest !== undefined) this.results.delete(oldest);
    }
  }

  /** What an operation would change, against the roster as it is now; nothing is changed yet. */
  private evaluate(clientId: string, op: PushOperation, admin: Admin): SyncCommit {
    const revision = this.revision + 1;
    const work: OperationWork = { revision, changed: new Map(), organization: null, rejections: [], unchanged: [] };
    const seen = op.seen ?? {};
    const reject = (userId: string | null, code: RejectionCode, message: string, rule: string | null = null): void => {
      const bundle = userId ? this.bundles.get(userId) : undefined;
      const seenRevision = userId ? seen[userId] : undefined;
      work.rejections.push({ userId, code, rule, message, changedSinceSeen: bundle !== undefined && seenRevision !== undefined && bundle.revision > seenRevision });
    };
    try {
      if (isLifecycleOperation(op)) this.evaluateLifecycle(op, admin, work, reject);
      else if (OPERATION_KINDS.includes(op.kind)) this.take(applyOperation(this.changeContext(op, admin), { ...op, actorId: admin.userId }), work, reject);
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
    const reportIds = op.kind === 'deactivate' || op.kind === 'delete' ? refusedIds.flatMap((id) => [...(this.reports.get(id) ?? [])]) : [];
    const current = [...new Set([...refusedIds, ...reportIds])].map((id) => work.changed.get(id) ?? this.bundles.get(id) ?? tombstoneOf(id, this.revision));
    const committedAt = changesAnything ? revision : this.revision;
    const result: OperationResult = { id: op.id, seq: op.seq, status, unchanged: work.unchanged, rejections: work.rejections, current, revision: committedAt };
    return { revision: committedAt, clientId, seq: op.seq, result, bundles: [...work.changed.values()], organization: work.organization };
  }

  private evaluateLifecycle(op: Extract<PushOperation, { kind: LifecycleAction }>, admin: Admin, work: OperationWork, reject: Reject): void {
    const action = op.kind;
    const plan = buildLifecyclePlan(this.planningRoster(), { action, actorId: admin.userId, userIds: op.userIds });
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
    this.take(applyLifecycleChange(this.changeContext(op, admin), { action, userIds: plan.eligibleIds, reportMoves: plan.effects.reportMoves, reassignPrevious }), work, reject);
  }

  /** Records a change function's outcome in the operation's work: bundles at the new revision, refusals. */
  private take(outcome: ChangeOutcome, work: OperationWork, reject: Reject): void {
    for (const refusal of outcome.refusals) reject(refusal.userId, refusal.code, refusal.message, refusal.rule);
    work.unchanged.push(...outcome.unchanged);
    for (const [id, bundle] of outcome.changed) work.changed.set(id, bundle.deleted || !bundle.user ? tombstoneOf(id, work.revision) : { ...bundle, revision: work.revision, user: withoutRevision(bundle.user) });
    if (outcome.organization) work.organization = { ...cloneOrganization(this.org), ...outcome.organization, revision: work.revision };
  }

  private changeContext(op: PushOperation, admin: Admin): ChangeContext {
    return {
      organization: this.org,
      bundleOf: (id) => this.live(id),
      hasUser: (id) => this.live(id) !== undefined,
      userIdWithEmail: (email) => this.emailOwner.get(email.toLowerCase()),
      actorId: admin.userId,
      now: op.createdAt,
    };
  }

  private live(id: string): UserBundle | undefined {
    const bundle = this.bundles.get(id);
    return bundle && !bundle.deleted ? bundle : undefined;
  }

  /** The rules' view of the server's roster (see PlanningRoster). */
  private planningRoster(): PlanningRoster {
    const globalId = this.org.communities.find((c) => c.global)?.id ?? null;
    const countsCache = new Map<string, UserRecordCounts>();
    const none: readonly never[] = [];
    const roster: PlanningRoster = {
      organization: this.org.organization,
      admins: this.org.admins,
      communities: this.org.communities,
      methodologies: this.org.methodologies,
      reportCoveredAt: () => COVERED_ALWAYS,
      userById: (id) => this.live(id)?.user ?? undefined,
      statusOf: (id) => this.live(id)?.user?.status,
      nameOf: (id) => {
        const user = this.live(id)?.user;
        return user ? fullName(user) : undefined;
      },
      managerIdOf: (id) => this.live(id)?.user?.managerId,
      reportIdsOf: (id) => [...(this.reports.get(id) ?? [])],
      activeUserCount: () => this.activeCount,
      licensesOf: (id) => this.live(id)?.licenses ?? none,
      licensesInUse: (methodologyId) => this.inUse.get(methodologyId) ?? 0,
      membershipsOf: (id) => this.live(id)?.memberships.map((m) => m.communityId) ?? none,
      countsOf: (id) => {
        let counts = countsCache.get(id);
        if (!counts) {
          const bundle = this.live(id);
          const perUser = new Map<string, UserRecordCounts>();
          if (bundle) addUserRecordCounts(perUser, { ...bundle, retainedHistory: bundle.retainedHistory ? [bundle.retainedHistory] : [] }, globalId);
          counts = perUser.get(id) ?? emptyUserRecordCounts();
          countsCache.set(id, counts);
        }
        return counts;
      },
      lastChangeOf: (id) => {
        const user = this.live(id)?.user;
        return user ? lastChangeOfUser(user, roster.countsOf(id)) : undefined;
      },
    };
    return roster;
  }

  private index(bundle: UserBundle, previous: UserBundle | undefined): void {
    if (previous) this.staleEntries++;
    this.bundles.set(bundle.id, bundle);
    const user = bundle.user;
    if (bundle.deleted || !user) return;
    if (user.managerId !== null) {
      let set = this.reports.get(user.managerId);
      if (!set) this.reports.set(user.managerId, (set = new Set()));
      set.add(user.id);
    }
    this.emailOwner.set(user.email.toLowerCase(), user.id);
    if (user.status === 'active') this.activeCount++;
    this.countLicenses(bundle.licenses, 1);
  }

  private unindex(bundle: UserBundle): void {
    const user = bundle.user;
    if (bundle.deleted || !user) return;
    if (user.managerId !== null) this.reports.get(user.managerId)?.delete(user.id);
    if (this.emailOwner.get(user.email.toLowerCase()) === user.id) this.emailOwner.delete(user.email.toLowerCase());
    if (user.status === 'active') this.activeCount--;
    this.countLicenses(bundle.licenses, -1);
  }

  private countLicenses(licenses: readonly LicenseGrant[], sign: 1 | -1): void {
    for (const l of licenses) if (!l.releasedFromElaAt) this.inUse.set(l.methodologyId, (this.inUse.get(l.methodologyId) ?? 0) + sign);
  }

  private rebuildLog(): void {
    const entries = [...this.bundles.values()].sort((a, b) => a.revision - b.revision || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.logRevisions = entries.map((b) => b.revision);
    this.logIds = entries.map((b) => b.id);
    this.staleEntries = 0;
  }

  /** Binary search: the first log entry after the cursor. The log is ordered by (revision, id). */
  private firstLogEntryAfter(cursor: Cursor | null): number {
    let low = 0;
    let high = this.logIds.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (isAfter(this.logRevisions[mid]!, this.logIds[mid]!, cursor)) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

type Reject = (userId: string | null, code: RejectionCode, message: string, rule?: string | null) => void;

interface OperationWork {
  revision: number;
  changed: Map<string, UserBundle>;
  organization: OrganizationState | null;
  rejections: Rejection[];
  unchanged: string[];
}

/** The server keeps revisions on bundles; a user record carries none. */
function withoutRevision(user: User): User {
  if (user.revision === undefined) return user;
  const { revision: _revision, ...rest } = user;
  return rest;
}
