/**
 * The server's side of sync held in memory, with no I/O: the organization's roster as user bundles, the
 * operations each client has pushed, and the log that pulls read. Operations are decided by
 * evaluate-server-operation.ts, the rules the reference server's database (src/server/) runs too; this
 * roster is the model the tests hold that server to, and what imports a previous server's files.
 *
 * What an operation changes becomes one commit: the bundles and organization records it replaced, and its
 * result. Replaying commits rebuilds the same state; a replayed operation (same client, seq at or below
 * the last one seen) gets its first answer again and changes nothing.
 */
import type { Admin, LicenseGrant } from '../roster-types.ts';
import { evaluateServerOperation, inUseMethodologies, refusalOfPush, replayedResult, type PushRefusal, type ServerRosterView, type SyncCommit } from './evaluate-server-operation.ts';
import type { OperationResult, OrganizationState, PullResponse, PushRequest, SyncLimits } from './sync-protocol.ts';
import { withEveryRecordList, type UserBundle } from './user-bundle.ts';

export type { SyncCommit } from './evaluate-server-operation.ts';

export const DEFAULT_SYNC_LIMITS: SyncLimits = { operationsPerPush: 50, usersPerPull: 5_000 };

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

export type PushOutcome = { ok: true; results: OperationResult[]; commits: SyncCommit[] } | PushRefusal;

const KEPT_RESULTS = 20_000;

export interface PullCursor {
  revision: number;
  /** Null: every change up to and including `revision` was seen. */
  id: string | null;
  /** How many changes were left after it when it was given, if the server said (`revision~remaining:id`). */
  remaining?: number;
}

/**
 * A cursor as a server gives it: `revision` (everything up to it seen), or `revision:id` within a
 * revision, or `revision~remaining:id`, which carries the count of changes after it so that the next page
 * need not count them again.
 */
export function parseCursor(text: string | null | undefined): PullCursor | null | 'invalid' {
  if (text === null || text === undefined || text === '') return null;
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  const tilde = head.indexOf('~');
  const revision = Number(tilde < 0 ? head : head.slice(0, tilde));
  const remaining = tilde < 0 ? undefined : Number(head.slice(tilde + 1));
  if (!Number.isInteger(revision) || revision < 0) return 'invalid';
  if (remaining !== undefined && (!Number.isInteger(remaining) || remaining < 0 || colon < 0)) return 'invalid';
  return { revision, id: colon < 0 ? null : text.slice(colon + 1), ...(remaining === undefined ? {} : { remaining }) };
}

export function isAfter(revision: number, id: string, cursor: PullCursor | null): boolean {
  if (!cursor) return true;
  return revision > cursor.revision || (cursor.id !== null && revision === cursor.revision && id > cursor.id);
}

export class ServerRoster implements ServerRosterView {
  private currentRevisionValue: number;
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
    this.currentRevisionValue = snapshot.revision;
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
    const refusal = refusalOfPush(request, admin, this.limits);
    if (refusal) return refusal;
    const results: OperationResult[] = [];
    const commits: SyncCommit[] = [];
    for (const op of request.operations) {
      const lastSeq = this.clients.get(request.clientId) ?? 0;
      const earlier = this.results.get(op.id);
      if (earlier || op.seq <= lastSeq) {
        // A replay: the first answer again, nothing changed.
        results.push(earlier ?? replayedResult(op, this.revision));
        continue;
      }
      const commit = evaluateServerOperation(this, request.clientId, op, admin);
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
    this.currentRevisionValue = Math.max(this.currentRevisionValue, commit.revision);
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

  // The rules' lookups (ServerRosterView).

  get revision(): number {
    return this.currentRevisionValue;
  }

  get organization(): OrganizationState {
    return this.org;
  }

  reportIdsOf(id: string): readonly string[] {
    return [...(this.reports.get(id) ?? [])].sort();
  }

  userIdWithEmail(email: string): string | undefined {
    return this.emailOwner.get(email);
  }

  activeUserCount(): number {
    return this.activeCount;
  }

  licensesInUse(methodologyId: string): number {
    return this.inUse.get(methodologyId) ?? 0;
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
    for (const id of inUseMethodologies(licenses)) this.inUse.set(id, (this.inUse.get(id) ?? 0) + sign);
  }

  private rebuildLog(): void {
    const entries = [...this.bundles.values()].sort((a, b) => a.revision - b.revision || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.logRevisions = entries.map((b) => b.revision);
    this.logIds = entries.map((b) => b.id);
    this.staleEntries = 0;
  }

  /** Binary search: the first log entry after the cursor. The log is ordered by (revision, id). */
  private firstLogEntryAfter(cursor: PullCursor | null): number {
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
