/**
 * The worker side of the roster, composed: the database connection used for heavy work, the in-memory
 * roster (RosterCache, changed by one `apply`), and the screens' questions and changes, each concern in a
 * module of its own (directory-queries, plan-session, admin-changes, saved-rules, audit-queries,
 * roster-files with the import and exports it loads, roster-sync); this class opens, loads and clears the
 * roster and follows other tabs.
 * Every write runs in one queue and ends in one RosterChange applied to the in-memory roster and announced
 * to the other tabs. `roster.worker.ts` exposes this class with Comlink; tests may call it directly. The
 * page imports its types from roster-api.ts.
 */
import type { LifecycleAction } from '../src/core/build-lifecycle-plan.ts';
import type { OrganizationLists } from '../src/core/changes/change-outcome.ts';
import type { ImportKind } from '../src/core/csv/column-mapping.ts';
import { generateDemoOrganization } from '../src/core/generate-demo-organization.ts';
import type { UserEntryMatch } from '../src/core/match-user-entry.ts';
import type { SettingsInput } from '../src/core/organization-settings.ts';
import { reportCoverageOf } from '../src/core/report-coverage.ts';
import type { RosterFilter } from '../src/core/roster-filter.ts';
import { RosterIndexBuilder } from '../src/core/roster-index.ts';
import type { StoredUser } from '../src/core/stored-user.ts';
import type { UserDetail, UserRef, UserRow } from '../src/core/user-views.ts';
import { readMeta } from '../src/db/meta-records.ts';
import { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { PendingImportView } from '../src/db/pending-import.ts';
import { RosterStore } from '../src/db/roster-store.ts';
import { SESSION_KEY, clearRoster, discardInterruptedLoad, writeRosterInChunks } from '../src/db/write-roster-in-chunks.ts';
import type { WrittenBundles } from '../src/db/write-user-bundles.ts';
import { AdminChanges } from './admin-changes.ts';
import { readAuditPage } from './audit-queries.ts';
import { DirectoryQueries, requireIndex, summaryOf } from './directory-queries.ts';
import type { EveryReportFile, ExportProgress, ReportFile, ReportRequest } from './export-reports.ts';
import { PlanSession } from './plan-session.ts';
import type { PlanRemovalsPage } from './plan-removals.ts';
import type { PlanView } from './plan-view.ts';
import type { CsvSniffResult } from './read-csv-file.ts';
import type {
  ApplyOptions,
  ApplyProgress,
  ApplyResult,
  AuditPage,
  AuditQuery,
  IssuedCertificate,
  LifecycleRequest,
  LoadProgress,
  OpenResult,
  QueryResult,
  RosterFacets,
  RosterSummary,
  RuleSummary,
  SettingsSaveResult,
} from './roster-api.ts';
import { RosterBroadcast, type RosterChangeMessage } from './roster-broadcast.ts';
import { EMPTY_ROSTER, RosterCache, WriteQueue, affectsPlans, affectsQueries, type RosterChange, type RosterState } from './roster-cache.ts';
import { RosterFiles } from './roster-files.ts';
import type { ImportCheckView, ImportChoice, ImportFileView, ImportProgress, ImportResult } from './roster-import.ts';
import { RosterSync, type PulledRoster, type RejectionView, type SignInResult, type SyncStateView } from './roster-sync.ts';
import { SavedRules } from './saved-rules.ts';
import type { SyncRunReport } from './sync-client.ts';

export type * from './roster-api.ts';

const DEMO_CHUNK_SIZE = 2_500;

export class RosterEngine {
  private readonly db: OffboardDatabase;
  private readonly store: RosterStore;
  private readonly cache = new RosterCache();
  /** Every write, local or a sync's step, one at a time: applied to the roster in the order committed. */
  private readonly writes = new WriteQueue();
  private readonly broadcast: RosterBroadcast;
  private readonly directory: DirectoryQueries;
  private readonly plans: PlanSession;
  private readonly sync: RosterSync;
  private readonly changes: AdminChanges;
  private readonly rules: SavedRules;
  private readonly files: RosterFiles;
  /** The page's callback for changes this tab did not make (another tab's). */
  private onRosterChange: ((message: RosterChangeMessage) => void) | null = null;

  constructor(databaseName?: string) {
    this.db = new OffboardDatabase(databaseName);
    this.store = new RosterStore(this.db);
    this.directory = new DirectoryQueries(this.cache, this.db, this.store);
    this.plans = new PlanSession({
      db: this.db,
      store: this.store,
      cache: this.cache,
      writes: this.writes,
      lookup: () => this.changes.lookup(),
      idsMatching: (filter, excludedIds) => this.directory.idsMatching(filter, excludedIds),
    });
    this.broadcast = new RosterBroadcast(this.db.name, (message) => void this.followOtherTab(message));
    this.cache.follow((change) => {
      if (change.replaced) this.plans.reset();
      else if (affectsPlans(change)) this.plans.forget();
      if (affectsQueries(change)) this.directory.forgetQuery();
      if (change.origin === undefined) this.broadcast.post(change);
    });
    this.sync = new RosterSync({
      db: this.db,
      store: this.store,
      runWrite: (write) =>
        this.writes.run(async () => {
          const written = await write();
          this.cache.apply(await this.changeOfWritten(written));
          return written;
        }),
      apply: (change) => this.cache.apply(change),
      reopen: (pulled) => this.writes.run(() => this.reload(pulled)),
      userName: (id) => this.cache.state.index?.nameOf(id) ?? null,
      localUserCount: () => this.cache.state.index?.size ?? 0,
      localOrganizationId: () => this.cache.state.organization?.id ?? null,
    });
    this.changes = new AdminChanges({
      db: this.db,
      store: this.store,
      cache: this.cache,
      writes: this.writes,
      isSignedInToServer: async () => (await this.sync.state()).server !== null,
      summary: () => this.summary(),
    });
    this.rules = new SavedRules(this.db, this.cache, this.writes, this.directory);
    this.files = new RosterFiles({
      db: this.db,
      store: this.store,
      cache: this.cache,
      writes: this.writes,
      plans: this.plans,
      requireManageUsers: (action) => this.changes.requireManageUsers(action),
      readOrganization: () => this.readOrganization(),
      reload: () => this.reload(),
    });
  }

  /** Registers the page's callback for roster changes it did not make itself. */
  watchRosterChanges(callback: (message: RosterChangeMessage) => void): void {
    this.onRosterChange = callback;
  }

  // ——— Opening, loading, clearing ———

  /** Opens the database and loads the roster into memory. */
  async open(onProgress?: (progress: LoadProgress) => void): Promise<OpenResult> {
    const discardedLoad = await discardInterruptedLoad(this.db);
    this.cache.apply({ replaced: await this.readState(onProgress), origin: 'read' });
    this.files.warmUp();
    return { summary: this.summary(), discardedLoad };
  }

  /** Generates the demo organization and stores it; the roster must be empty. */
  loadDemo(size: number, onProgress?: (progress: LoadProgress) => void): Promise<RosterSummary> {
    return this.writes.run(async () => {
      const demo = generateDemoOrganization({ size });
      const users = new RosterIndexBuilder(demo.size);
      onProgress?.({ phase: 'writing', done: 0, total: demo.size });
      await writeRosterInChunks(this.db, demo.header, demo.chunks(DEMO_CHUNK_SIZE), {
        expectedUsers: demo.size,
        kind: 'demo',
        audit: {
          at: new Date().toISOString(),
          actorId: demo.header.signedInAdminId,
          action: 'load_demo',
          targetId: null,
          batchId: null,
          ruleId: null,
          summary: `Loaded the demo organization (${demo.size} users).`,
        },
        onChunk: (stored, progress) => {
          // Keep what the in-memory roster needs as it streams by, so nothing is read back.
          users.add(stored);
          onProgress?.({ phase: 'writing', done: progress.usersWritten, total: progress.expectedUsers });
        },
      });
      onProgress?.({ phase: 'indexing', done: demo.size, total: demo.size });
      const { header } = demo;
      const index = users.finish({ methodologies: header.methodologies, communities: header.communities, customFields: header.customFields });
      this.cache.apply({ replaced: { index, organization: header.organization, admins: header.admins, signedInAdminId: header.signedInAdminId, reportCoverage: new Map() } });
      return this.summary();
    });
  }

  /** Removes every record from this device. */
  clear(): Promise<void> {
    return this.writes.run(async () => {
      await clearRoster(this.db);
      this.cache.apply({ replaced: EMPTY_ROSTER });
    });
  }

  /**
   * Folds every change waiting in the storage's change log into its blocks now (the store does it in the
   * background after writes pause): the in-memory roster does not change. For tests and benchmarks.
   */
  compactStorage(): Promise<void> {
    return this.store.compact();
  }

  /** Lets go of the database and the channel (a worker shutting down, a test done with a database). */
  close(): void {
    this.broadcast.close();
    this.db.close();
  }

  summary(): RosterSummary {
    return summaryOf(this.cache.state);
  }

  /**
   * Everything the in-memory roster holds, read from the database. `pulled`: a first pull's users as it
   * wrote them, taken instead of reading the users where the storage holds exactly those.
   */
  private async readState(onProgress?: (progress: LoadProgress) => void, pulled?: PulledRoster): Promise<RosterState> {
    // Users go into the in-memory columns page by page, while the next page is read.
    let users: RosterIndexBuilder | null = pulled && pulled.isWhatIsStored(await this.store.storedBlocks()) ? pulled.users : null;
    let done = 0;
    let reported = 0;
    if (!users) {
      await this.store.readUserPages((page, total) => {
        users ??= new RosterIndexBuilder(total);
        users.addPage(page);
        done += 'users' in page ? page.users.length : page.rows.length;
        // A page is a block of about a thousand users: the screen hears every ten thousand or so.
        if (done - reported >= 10_000 || done === total) {
          reported = done;
          onProgress?.({ phase: 'reading', done, total });
        }
      });
    }
    onProgress?.({ phase: 'indexing', done, total: done });
    const [{ organization, admins, lists }, session, snapshots] = await Promise.all([this.readOrganization(), readMeta(this.db, SESSION_KEY), this.db.reportSnapshots.toArray()]);
    const index = (users ?? new RosterIndexBuilder()).finish(lists);
    const signedInAdminId = session?.adminId ?? null;
    return { index, organization: organization ?? null, admins: admins ?? [], signedInAdminId, reportCoverage: reportCoverageOf(snapshots) };
  }

  /** The device's data was replaced (a sign-in, a discarded import): read anew, and the other tabs too. */
  private async reload(pulled?: PulledRoster): Promise<void> {
    this.cache.apply({ replaced: await this.readState(undefined, pulled) });
  }

  // ——— Following writes: sync steps and other tabs ———

  /** A sync step's write as a change of the in-memory roster (organization records read when they changed). */
  private async changeOfWritten(written: WrittenBundles): Promise<RosterChange> {
    const change: RosterChange = { users: { changed: written.changed, deletedIds: written.deletedIds }, outbox: true };
    return written.isOrganizationChanged ? { ...change, ...(await this.readOrganization()) } : change;
  }

  private async readOrganization(): Promise<Pick<RosterChange, 'organization' | 'admins'> & { lists: Required<OrganizationLists> }> {
    const [organization, admins, methodologies, communities, customFields] = await Promise.all([
      this.db.organization.toCollection().first(),
      this.db.admins.toArray(),
      this.db.methodologies.toArray(),
      this.db.communities.toArray(),
      this.db.customFields.toArray(),
    ]);
    return { ...(organization ? { organization } : {}), admins, lists: { methodologies, communities, customFields } };
  }

  /** Another tab wrote: read what it changed, apply it here, and tell the page. */
  private async followOtherTab(message: RosterChangeMessage): Promise<void> {
    await this.writes.run(async () => {
      if (message.isReplaced) {
        this.cache.apply({ replaced: await this.readState(), origin: 'other_tab' });
        return;
      }
      const change: RosterChange = { origin: 'other_tab', outbox: message.isOutboxChanged, rules: message.isRulesChanged };
      if (message.changedIds.length > 0 || message.deletedIds.length > 0) {
        const stored = await this.store.readStoredUsers(message.changedIds);
        const changed = stored.filter((u): u is StoredUser => u !== undefined);
        change.users = { changed, deletedIds: [...message.deletedIds, ...message.changedIds.filter((_, i) => stored[i] === undefined)] };
      }
      if (message.isOrganizationChanged) Object.assign(change, await this.readOrganization());
      if (message.isSessionChanged) change.signedInAdminId = (await readMeta(this.db, SESSION_KEY))?.adminId ?? null;
      if (message.isReportCoverageChanged) change.reportSnapshots = await this.db.reportSnapshots.toArray();
      this.cache.apply(change);
    });
    this.onRosterChange?.(message);
  }

  // ——— Sync ———

  /** Where the sync stands: the server, operations waiting, refusals, the last attempt. */
  syncState(): Promise<SyncStateView> {
    return this.sync.state();
  }

  /** Signs in to a sync server (URL and token) and pulls its roster. */
  signInToServer(url: string, token: string, replaceRoster: boolean, onProgress?: (done: number, total: number, bytes: number) => void): Promise<SignInResult> {
    return this.sync.signIn(url, token, replaceRoster, onProgress);
  }

  signOutOfServer(): Promise<void> {
    return this.sync.signOut();
  }

  /** Pushes the outbox and pulls; another tab's run in progress makes this one a no-op (`ran: false`). */
  syncNow(onProgress?: (done: number, total: number, bytes: number) => void): Promise<SyncRunReport> {
    return this.sync.run(onProgress);
  }

  syncRejections(): Promise<RejectionView[]> {
    return this.sync.rejections();
  }

  discardSyncRejections(ids: number[]): Promise<void> {
    return this.sync.discardRejections(ids);
  }

  /** The action and users a refused change can be planned again for. */
  retrySyncRejections(ids: number[]): Promise<{ action: LifecycleAction; userIds: string[] } | null> {
    return this.sync.retryTarget(ids);
  }

  // ——— Directory ———

  query(filter: RosterFilter): QueryResult {
    return this.directory.query(filter);
  }

  rows(queryId: number, start: number, end: number): UserRow[] | null {
    return this.directory.rows(queryId, start, end);
  }

  matchingIds(queryId: number): string[] | null {
    return this.directory.matchingIds(queryId);
  }

  userDetail(id: string): Promise<UserDetail | null> {
    return this.directory.userDetail(id);
  }

  facets(): RosterFacets {
    return this.directory.facets();
  }

  searchActiveUsers(text: string, limit = 20): UserRef[] {
    return this.directory.searchActiveUsers(text, limit);
  }

  matchActiveUser(text: string, currentAdminId: string | null = null): UserEntryMatch {
    return this.directory.matchActiveUser(text, currentAdminId);
  }

  searchManagers(text: string, limit = 20): UserRef[] {
    return this.directory.searchManagers(text, limit);
  }

  userRef(id: string): UserRef | null {
    return this.directory.userRef(id);
  }

  unmatchedIds(idList: string[], limit = 200): { entries: string[]; count: number } {
    return this.directory.unmatchedIds(idList, limit);
  }

  // ——— Plans ———

  planLifecycle(request: LifecycleRequest): Promise<PlanView> {
    return this.plans.plan(request);
  }

  planRemovals(planId: string, start: number, limit?: number): Promise<PlanRemovalsPage> {
    return this.plans.removals(planId, start, limit);
  }

  applyPlan(planId: string, onProgress?: (progress: ApplyProgress) => void, options: ApplyOptions = {}): Promise<ApplyResult> {
    return this.plans.apply(planId, onProgress, options);
  }

  // ——— Changes outside plans ———

  /** F3: passes a community's admin role to another active user, then the plan can be built again. */
  transferCommunityAdmin(communityId: string, fromUserId: string, toUserId: string): Promise<void> {
    return this.changes.transferCommunityAdmin(communityId, fromUserId, toUserId);
  }

  /** R2: re-assigns an active user's previous assignments as they were; returns how many came back. */
  reassignPreviousAssignments(userId: string): Promise<number> {
    return this.changes.reassignPreviousAssignments(userId);
  }

  /** R4 "Get certificate": regenerates the certificate of one of an active user's completions. */
  issueCertificate(userId: string, courseId: string, communityId: string): Promise<IssuedCertificate> {
    return this.changes.issueCertificate(userId, courseId, communityId);
  }

  /** Saves the organization's settings (A1, A12, A14 and the policy); plans built before no longer apply. */
  saveSettings(input: SettingsInput): Promise<SettingsSaveResult> {
    return this.changes.saveSettings(input);
  }

  /** Signs another admin of the organization in on this device. */
  signIn(adminId: string): Promise<RosterSummary> {
    return this.changes.signIn(adminId);
  }

  // ——— Audit and saved rules ———

  auditPage(query: AuditQuery): Promise<AuditPage> {
    return readAuditPage(this.db, requireIndex(this.cache.state), query);
  }

  /** Saved selection rules, each with how many users it matches now. */
  listRules(): Promise<RuleSummary[]> {
    return this.rules.list();
  }

  /** Saves the filter as a named rule; a rule of the same name (ignoring case) is replaced. */
  saveRule(name: string, filter: RosterFilter): Promise<{ id: string; name: string; replaced: boolean }> {
    return this.rules.save(name, filter);
  }

  deleteRule(id: string): Promise<void> {
    return this.rules.delete(id);
  }

  // ——— CSV: reading, importing, exporting ———

  /** The head of a chosen CSV file: encoding, delimiter and first rows, or why it cannot be read. */
  sniffCsvFile(file: Blob): Promise<CsvSniffResult> {
    return this.files.sniff(file);
  }

  /** Stops the CSV read started under `readId`; true when one was running. */
  cancelCsvRead(readId: string): Promise<boolean> {
    return this.files.cancelRead(readId);
  }

  /** Step 1 of an import: how each chosen file reads, and how its columns map. */
  inspectImportFiles(files: File[]): Promise<ImportFileView[]> {
    return this.files.inspectImport(files);
  }

  /** The fields a kind's columns may map to, for the mapping step. */
  importTargets(kind: ImportKind): Promise<string[]> {
    return this.files.importTargets(kind);
  }

  /** Step 2: every row checked; nothing is written. Cancel with `cancelCsvRead(readId)`. */
  checkImport(readId: string, choices: ImportChoice[], onProgress?: (progress: ImportProgress) => void): Promise<ImportCheckView> {
    return this.files.checkImport(readId, choices, onProgress);
  }

  /** The rejected rows of a checked file, with an `error` column, to fix and import again. */
  rejectedRowsCsv(importId: string, fileId: string): Promise<Blob> {
    return this.files.rejectedRowsCsv(importId, fileId);
  }

  /** Step 3, once the admin confirms: written in chunks, each one transaction, no other write between them. */
  writeImport(readId: string, importId: string, options: { adminEmail?: string }, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    return this.files.writeImport(readId, importId, options, onProgress);
  }

  /** An import a closed tab cut short, to resume or to leave as it is. */
  pendingImport(): Promise<PendingImportView | null> {
    return this.files.pendingImport();
  }

  resumeImport(readId: string, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    return this.files.resumeImport(readId, onProgress);
  }

  /** Undoes what an import cut short wrote, so the roster is as it was before it. */
  discardPendingImport(): Promise<{ chunksUndone: number }> {
    return this.files.discardPendingImport();
  }

  /** One report as a CSV file: per-user reports for the filter given, or everyone (A4 applied). */
  exportReport(request: ReportRequest): Promise<ReportFile> {
    return this.files.exportReport(request);
  }

  /** A5/A17: every report type, unfiltered, in one zip; its snapshot clears the warning of the next plan. */
  exportEveryReport(onProgress?: (progress: ExportProgress) => void): Promise<EveryReportFile> {
    return this.files.exportEveryReport(onProgress);
  }

  /** The plan on screen, or once applied its result, one row per selected user. */
  exportPlanResult(planId: string): Promise<ReportFile> {
    return this.files.exportPlanResult(planId);
  }
}
