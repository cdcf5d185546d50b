/**
 * The roster as one push sees it, read from the database only where the push looks: the users its
 * operations are about, their managers and reports, the holders of the emails they use. The rules
 * (evaluate-server-operation.ts) are synchronous; an operation is evaluated against what has been read,
 * every lookup of something not read yet is noted, that is read (a query for each kind, all at once),
 * and the operation is evaluated again, until it read nothing new. The rules are pure, so the last
 * evaluation is the one a roster held whole in memory would give.
 *
 * Newest first, a user is: what an earlier operation of this push changed, then what a committed push
 * changed that is not folded into `users` yet (the server's layer), then the user's row.
 */
import { BundleLayer } from '../core/sync/bundle-layer.ts';
import { contributionOf, evaluateServerOperation, liveBundle, type ServerRosterView, type SyncCommit } from '../core/sync/evaluate-server-operation.ts';
import type { Admin } from '../core/roster-types.ts';
import type { OrganizationState, PushOperation } from '../core/sync/sync-protocol.ts';
import type { UserBundle } from '../core/sync/user-bundle.ts';

/** How the working set reads users' rows (possibly older than the server's layer holds). */
export interface StoredUsersReader {
  /** The rows of these ids that exist. */
  bundlesOf(ids: readonly string[]): Promise<UserBundle[]>;
  /** The rows whose manager is one of these. */
  reportsOf(managerIds: readonly string[]): Promise<UserBundle[]>;
  /** The rows holding one of these emails (lower case). */
  holdersOf(emails: readonly string[]): Promise<UserBundle[]>;
}

/** What the server knows in memory when a push starts. */
export interface ServerBase {
  revision: number;
  organization: OrganizationState;
  /** Committed changes not folded into `users` yet. */
  unfolded: BundleLayer;
  activeUsers: number;
  licensesInUse: ReadonlyMap<string, number>;
}

/** Rounds of reading before an operation is given up on: the rules walk at most a manager chain. */
const MAX_ROUNDS = 64;

export class PushWorkingSet implements ServerRosterView {
  revision: number;
  organization: OrganizationState;
  /** What this push's operations changed so far, in order. */
  readonly changed = new BundleLayer();
  activeDelta = 0;
  readonly licensesDelta = new Map<string, number>();
  /** Rows read, by id (null: no such row). */
  private readonly rows = new Map<string, UserBundle | null>();
  /** Ids of the rows read per manager, and per email. */
  private readonly rowsByManager = new Map<string, string[]>();
  private readonly rowsByEmail = new Map<string, string[]>();
  private readonly missing = { ids: new Set<string>(), managers: new Set<string>(), emails: new Set<string>() };
  /** Rounds of reading so far, for the tests and logs. */
  reads = 0;

  constructor(
    private readonly base: ServerBase,
    private readonly reader: StoredUsersReader,
  ) {
    this.revision = base.revision;
    this.organization = base.organization;
  }

  bundle(id: string): UserBundle | undefined {
    const bundle = this.changed.get(id) ?? this.base.unfolded.get(id);
    if (bundle) return bundle;
    const row = this.rows.get(id);
    if (row === undefined) this.missing.ids.add(id);
    return row ?? undefined;
  }

  reportIdsOf(id: string): readonly string[] {
    if (!this.rowsByManager.has(id)) this.missing.managers.add(id);
    const candidates = new Set([...(this.rowsByManager.get(id) ?? []), ...this.base.unfolded.reportIdsOf(id), ...this.changed.reportIdsOf(id)]);
    // A candidate's newest version decides: a row whose user a later change moved to another manager is not one.
    return [...candidates].filter((candidate) => liveBundle(this, candidate)?.user?.managerId === id).sort();
  }

  userIdWithEmail(email: string): string | undefined {
    if (!this.rowsByEmail.has(email)) this.missing.emails.add(email);
    const candidates = new Set([...(this.rowsByEmail.get(email) ?? []), ...this.base.unfolded.idsWithEmail(email), ...this.changed.idsWithEmail(email)]);
    return [...candidates].filter((candidate) => liveBundle(this, candidate)?.user?.email.toLowerCase() === email).sort()[0];
  }

  activeUserCount(): number {
    return this.base.activeUsers + this.activeDelta;
  }

  licensesInUse(methodologyId: string): number {
    return (this.base.licensesInUse.get(methodologyId) ?? 0) + (this.licensesDelta.get(methodologyId) ?? 0);
  }

  /** The operation's commit, evaluated against everything it looks at, read first where needed. */
  async evaluate(clientId: string, op: PushOperation, admin: Admin): Promise<SyncCommit> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      this.clearMissing();
      const commit = evaluateServerOperation(this, clientId, op, admin);
      // What a commit replaces is read too: the roster-wide counts take it out.
      for (const bundle of commit.bundles) this.bundle(bundle.id);
      if (!this.isMissingAnything()) return commit;
      await this.read();
    }
    throw new Error(`Operation ${op.id} looked up more users after ${MAX_ROUNDS} rounds of reading; it was not applied.`);
  }

  /** Takes a commit into the push's own layer, for the operations after it. */
  apply(commit: SyncCommit): void {
    this.revision = Math.max(this.revision, commit.revision);
    if (commit.organization) this.organization = commit.organization;
    for (const bundle of commit.bundles) {
      const before = contributionOf(this.bundle(bundle.id));
      const after = contributionOf(bundle);
      this.activeDelta += after.active - before.active;
      for (const id of before.licenses) this.licensesDelta.set(id, (this.licensesDelta.get(id) ?? 0) - 1);
      for (const id of after.licenses) this.licensesDelta.set(id, (this.licensesDelta.get(id) ?? 0) + 1);
      this.changed.set(bundle);
    }
  }

  private clearMissing(): void {
    this.missing.ids.clear();
    this.missing.managers.clear();
    this.missing.emails.clear();
  }

  private isMissingAnything(): boolean {
    return this.missing.ids.size > 0 || this.missing.managers.size > 0 || this.missing.emails.size > 0;
  }

  private async read(): Promise<void> {
    this.reads++;
    const ids = [...this.missing.ids];
    const managers = [...this.missing.managers];
    const emails = [...this.missing.emails];
    // One after another: PGlite serves one query at a time, and a pool's connections are for other requests.
    const byId = ids.length > 0 ? await this.reader.bundlesOf(ids) : [];
    const reports = managers.length > 0 ? await this.reader.reportsOf(managers) : [];
    const holders = emails.length > 0 ? await this.reader.holdersOf(emails) : [];
    for (const id of ids) this.rows.set(id, null);
    for (const bundle of [...byId, ...reports, ...holders]) this.rows.set(bundle.id, bundle);
    for (const manager of managers) this.rowsByManager.set(manager, []);
    for (const bundle of reports) if (bundle.user?.managerId) this.rowsByManager.get(bundle.user.managerId)?.push(bundle.id);
    for (const email of emails) this.rowsByEmail.set(email, []);
    for (const bundle of holders) if (bundle.user) this.rowsByEmail.get(bundle.user.email.toLowerCase())?.push(bundle.id);
  }
}
