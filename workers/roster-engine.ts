/**
 * The worker side of the roster: owns the database connection used for heavy work and the in-memory
 * roster, and answers the screens' questions (filter, rows, detail) without the page ever touching
 * 100,000 records. `roster.worker.ts` exposes it with Comlink; tests may call it directly.
 */
import { generateDemoOrganization } from '../src/core/generate-demo-organization.ts';
import { RosterIndex, keyUser, type KeyedUser } from '../src/core/roster-index.ts';
import { filterRoster, unmatchedIdListEntries, type RosterFilter } from '../src/core/roster-filter.ts';
import { describeFilter, type FilterNames } from '../src/core/selection-rule.ts';
import { deleteSelectionRule, listSelectionRules, saveSelectionRule } from '../src/db/selection-rules.ts';
import { buildUserDetail, buildUserRow, fullName, type UserDetail, type UserRef, type UserRow } from '../src/core/user-views.ts';
import { foldText } from '../src/core/fold-text.ts';
import { matchUserEntry, userEntryFilter, type UserEntryMatch } from '../src/core/match-user-entry.ts';
import type { Admin, AuditAction, AuditEntry, Organization, Permission } from '../src/core/roster-types.ts';
import { buildLifecyclePlan, type LifecycleAction, type LifecyclePlan } from '../src/core/build-lifecycle-plan.ts';
import { planningRosterFromIndex } from '../src/core/planning-roster.ts';
import { reportCoverageOf } from '../src/core/report-coverage.ts';
import { PLAN_SAMPLE_SIZE, toPlanView, type PlanView, type PreviousAssignment } from './plan-view.ts';
import { PLAN_REMOVALS_PAGE, readPlanRemovals, type PlanRemovalsPage } from './plan-removals.ts';
import { applyLifecycleBatch } from '../src/db/apply-lifecycle-batch.ts';
import { transferCommunityAdmin } from '../src/db/transfer-community-admin.ts';
import { issueCertificate, reassignPreviousAssignments } from '../src/db/restore-learning-records.ts';
import { saveOrganizationSettings, saveSignedInAdmin } from '../src/db/save-settings.ts';
import { validateSettings, type SettingsErrors, type SettingsInput } from '../src/core/organization-settings.ts';
import { OffboardDatabase, type StoredUser } from '../src/db/offboard-database.ts';
import { RosterStore } from '../src/db/roster-store.ts';
import type { RosterLookup } from '../src/db/commit-local-change.ts';
import { readRosterSource } from '../src/db/read-roster.ts';
import {
  SESSION_KEY,
  clearRoster,
  discardInterruptedLoad,
  writeRosterInChunks,
  type LoadMarker,
} from '../src/db/write-roster-in-chunks.ts';
import type { EveryReportFile, ExportProgress, ReportFile, ReportRequest, ReportSources } from './export-reports.ts';
import type { AppliedPlanState } from '../src/core/csv/plan-result-report.ts';
import { auditEntryMatcher } from '../src/core/audit-filter.ts';
import type { CsvFileReader } from './csv-file-reader.ts';
import type { CsvSniffResult } from './read-csv-file.ts';
import type { ImportCheckView, ImportChoice, ImportFileView, ImportProgress, ImportResult, RosterImports } from './roster-import.ts';
import { findPendingImport, type PendingImportView } from '../src/db/pending-import.ts';
import type { ImportKind } from '../src/core/csv/column-mapping.ts';
import type { WrittenBundles } from '../src/db/write-user-bundles.ts';
import type { SyncRunReport } from './sync-client.ts';
import { RosterSync, type RejectionView, type RosterChangeMessage, type SignInResult, type SyncStateView } from './roster-sync.ts';

/** R4: the certificate "Get certificate" gave: the one a deactivation kept aside (`wasKept`), or a new one. */
export interface IssuedCertificate {
  certificateId: string;
  issuedAt: string;
  wasKept: boolean;
}

export interface LoadProgress {
  phase: 'reading' | 'writing' | 'indexing';
  done: number;
  total: number;
}

export interface RosterSummary {
  organization: Organization | null;
  userCount: number;
  activeCount: number;
  signedInAdminId: string | null;
  /** Who is signed in on this device, and what they may do (A1, F2). */
  signedInAdmin: AdminSummary | null;
  /** Every admin of the organization, who may sign in on this device. */
  admins: AdminSummary[];
}

export interface AdminSummary {
  id: string;
  name: string;
  permissions: Permission[];
}

export interface AuditQuery {
  action: AuditAction | null;
  actorId: string | null;
  ruleId: string | null;
  batchId: string | null;
  /** Matched against the target's id and the entry's summary, ignoring case. */
  text: string;
  /** Entries older than this sequence number (the next page); null for the newest. */
  beforeSeq: number | null;
  limit: number;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  actorName: string;
  /** Null for a user no longer on the roster (D1: the audit keeps their id only). */
  targetName: string | null;
}

export interface AuditPage {
  rows: AuditRow[];
  /** Every entry the filters match, on every page. */
  matching: number;
  /** Entries in the audit in all. */
  total: number;
  hasOlder: boolean;
}

export interface RuleSummary {
  id: string;
  name: string;
  filter: RosterFilter;
  description: string;
  /** Users the rule matches on the roster as it is now. */
  matching: number;
  updatedAt: string;
}

export type SettingsSaveResult = { ok: true; summary: RosterSummary } | { ok: false; errors: SettingsErrors };

export interface OpenResult {
  summary: RosterSummary;
  /** A load that was interrupted last time and has now been discarded. */
  discardedLoad: LoadMarker | null;
}

export interface QueryResult {
  queryId: number;
  count: number;
  total: number;
}

export interface RosterFacets {
  communities: { id: string; name: string; isGlobal: boolean }[];
  customFields: { name: string; label: string; values: string[] }[];
  methodologies: { id: string; name: string; model: 'seat' | 'ela' }[];
}

/** Small enough that progress moves every second or so, large enough that commits stay a small cost. */
export type LifecycleSelection =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'filter'; filter: RosterFilter; excludedIds: string[]; ruleName?: string | null };

export interface LifecycleRequest {
  action: LifecycleAction;
  selection: LifecycleSelection;
}

export type { PlanView, PreviousAssignment } from './plan-view.ts';
export type { PlanRemovalsPage } from './plan-removals.ts';

export interface ApplyOptions {
  /** R2: a reactivation also re-assigns the users' previous assignments, in the same batches. */
  reassignPrevious?: boolean;
}

export interface ApplyProgress {
  batchesDone: number;
  batchCount: number;
  usersDone: number;
  userCount: number;
}

export interface ApplyResult {
  action: LifecycleAction;
  batchesApplied: number;
  batchCount: number;
  usersApplied: number;
  /** R2: previous assignments re-assigned along with a reactivation. */
  assignmentsReassigned: number;
  /** The batch that failed; every batch before it applied whole, nothing of it did. */
  failure: { batchIndex: number; code: string; message: string } | null;
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const DEMO_CHUNK_SIZE = 2_500;

/** Long enough for the first screen and its first queries to have the worker to themselves. */
const LAZY_MODULES_DELAY_MS = 3_000;

/** Exports (PapaParse's writer, fflate) load on first use: the first screen never waits for them. */
function loadExporter(): Promise<typeof import('./export-reports.ts')> {
  return import('./export-reports.ts');
}

/** Imports load on first use too. */
function loadImporter(): Promise<typeof import('./roster-import.ts')> {
  return import('./roster-import.ts');
}

export class RosterEngine {
  private db: OffboardDatabase;
  private readonly store: RosterStore;
  private index: RosterIndex | null = null;
  private organization: Organization | null = null;
  private signedInAdminId: string | null = null;
  private admins: Admin[] = [];
  /** A5/A17: when each user was last covered by a report snapshot. */
  private reportCoverage = new Map<string, string>();
  /** Plans built and not yet applied, by id; a plan's ids stay here rather than cross to the page. */
  private plans = new Map<string, LifecyclePlan>();
  /** The saved rule the plan on screen was built from. */
  private planRuleName: string | null = null;
  /** The plan on screen and, once applied, how far it got: what "Export the plan" writes. */
  private planOnScreen: { planId: string; plan: LifecyclePlan; applied: AppliedPlanState | null } | null = null;
  private lastQuery: { queryId: number; matches: Uint32Array } = { queryId: 0, matches: new Uint32Array(0) };
  /** CSV reads in progress, by the id the page chose, for its cancel button. */
  /** CSV reading (PapaParse) loads on first use, like the import and the exports. */
  private csvReads: Promise<CsvFileReader> | null = null;
  private imports: Promise<RosterImports> | null = null;
  private isWarmingUp = false;
  private readonly sync: RosterSync;
  /** The page's callback for changes this tab did not make (another tab's, or a sync's). */
  private onRosterChange: ((message: RosterChangeMessage) => void) | null = null;

  constructor(databaseName?: string) {
    this.db = new OffboardDatabase(databaseName);
    this.store = new RosterStore(this.db);
    this.sync = new RosterSync(
      {
        db: this.db,
        store: this.store,
        applyWritten: (written) => this.applyWritten(written),
        reopen: async () => {
          await this.open();
        },
        userName: (id) => {
          const user = this.index?.userById(id);
          return user ? fullName(user) : null;
        },
        localUserCount: () => this.index?.size ?? 0,
        localOrganizationId: () => this.organization?.id ?? null,
      },
      (message) => void this.followOtherTab(message),
    );
  }

  /** Registers the page's callback for roster changes it did not make itself. */
  watchRosterChanges(callback: (message: RosterChangeMessage) => void): void {
    this.onRosterChange = callback;
  }

  /** Where the sync stands: the server, operations waiting, refusals, the last attempt. */
  syncState(): Promise<SyncStateView> {
    return this.sync.state();
  }

  /** Signs in to a sync server (URL and token) and pulls its roster. */
  signInToServer(url: string, token: string, replaceRoster: boolean, onProgress?: (done: number, total: number) => void): Promise<SignInResult> {
    return this.sync.signIn(url, token, replaceRoster, onProgress);
  }

  signOutOfServer(): Promise<void> {
    return this.sync.signOut();
  }

  /** Pushes the outbox and pulls; another tab's run in progress makes this one a no-op (`ran: false`). */
  async syncNow(onProgress?: (done: number, total: number) => void): Promise<SyncRunReport> {
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

  /** The in-memory roster after a sync wrote: changed users patched in, or all of it when the organization changed. */
  private async applyWritten(written: WrittenBundles): Promise<void> {
    if (!this.index) return;
    if (written.isOrganizationChanged) {
      await this.reloadOrganization(written.changed, written.deletedIds);
    } else if (written.changed.length > 0 || written.deletedIds.length > 0) {
      this.index = this.index.withChanges(written.changed, written.deletedIds);
    } else {
      return;
    }
    this.plans.clear();
    this.lastQuery = { queryId: this.lastQuery.queryId + 1, matches: new Uint32Array(0) };
  }

  /** Organization-wide records changed (a pull, an import): read them, rebuild the index around the users. */
  private async reloadOrganization(changed: readonly StoredUser[], deletedIds: readonly string[]): Promise<void> {
    const index = this.requireIndex();
    const [organization, admins, methodologies, communities, customFields, session] = await Promise.all([
      this.db.organization.toCollection().first(),
      this.db.admins.toArray(),
      this.db.methodologies.toArray(),
      this.db.communities.toArray(),
      this.db.customFields.toArray(),
      this.db.meta.get(SESSION_KEY),
    ]);
    const latest = new Map(changed.map((u) => [u.id, u]));
    const deleted = new Set(deletedIds);
    const keyed: KeyedUser[] = [];
    for (const u of index.users) if (!deleted.has(u.id)) keyed.push(keyUser(latest.get(u.id) ?? u));
    for (const user of latest.values()) if (!index.userById(user.id)) keyed.push(keyUser(user));
    this.index = RosterIndex.fromKeyed(keyed, { methodologies, communities, customFields });
    this.organization = organization ?? null;
    this.admins = admins;
    this.signedInAdminId = (session?.value as { adminId?: string } | undefined)?.adminId ?? this.signedInAdminId;
  }

  /** Another tab (or its sync) wrote: read what it changed and tell the page. */
  private async followOtherTab(message: RosterChangeMessage): Promise<void> {
    if (this.index) {
      const stored = await this.db.users.bulkGet(message.changedIds);
      const changed = stored.filter((u): u is StoredUser => u !== undefined);
      const gone = [...message.deletedIds, ...message.changedIds.filter((_, i) => stored[i] === undefined)];
      await this.applyWritten({ changed, deletedIds: gone, isOrganizationChanged: message.isOrganizationChanged });
    }
    this.onRosterChange?.(message);
  }

  /** After a change made on this tab: the other tabs follow, and the page may sync soon. */
  private announceLocalChange(changedIds: string[], deletedIds: string[], isOrganizationChanged: boolean): void {
    this.sync.announce({ changedIds, deletedIds, isOrganizationChanged, isOutboxChanged: true, isLocalChange: true });
  }

  /** The head of a chosen CSV file: encoding, delimiter and first rows, or why it cannot be read. */
  async sniffCsvFile(file: Blob): Promise<CsvSniffResult> {
    return (await this.csvReader()).sniff(file);
  }

  /** Stops the CSV read started under `readId`; true when one was running. */
  async cancelCsvRead(readId: string): Promise<boolean> {
    return (await this.csvReader()).cancel(readId);
  }

  private csvReader(): Promise<CsvFileReader> {
    // A failed load (offline) is forgotten, so the next use tries again.
    this.csvReads ??= import('./csv-file-reader.ts')
      .then(({ CsvFileReader }) => new CsvFileReader())
      .catch((error: unknown) => {
        this.csvReads = null;
        throw error;
      });
    return this.csvReads;
  }

  /** Step 1 of an import: how each chosen file reads, and how its columns map. */
  async inspectImportFiles(files: File[]): Promise<ImportFileView[]> {
    return (await this.importer()).inspect(files);
  }

  /** The fields a kind's columns may map to, for the mapping step. */
  async importTargets(kind: ImportKind): Promise<string[]> {
    return (await this.importer()).targets(kind);
  }

  /** Step 2: every row checked; nothing is written. Cancel with `cancelCsvRead(readId)`. */
  async checkImport(readId: string, choices: ImportChoice[], onProgress?: (progress: ImportProgress) => void): Promise<ImportCheckView> {
    return (await this.importer()).check(readId, choices, onProgress);
  }

  /** The rejected rows of a checked file, with an `error` column, to fix and import again. */
  async rejectedRowsCsv(importId: string, fileId: string): Promise<Blob> {
    return (await this.importer()).rejectedRowsCsv(importId, fileId);
  }

  /** Step 3, once the admin confirms: written in chunks, each one transaction. */
  async writeImport(readId: string, importId: string, options: { adminEmail?: string }, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    if (this.organization) this.requireManageUsers('import users');
    return (await this.importer()).write(readId, importId, options, onProgress);
  }

  /** An import a closed tab cut short, to resume or to leave as it is. */
  async pendingImport(): Promise<PendingImportView | null> {
    // Asked at every start: answered without loading the import's code.
    return findPendingImport(this.db);
  }

  async resumeImport(readId: string, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    return (await this.importer()).resume(readId, onProgress);
  }

  /** Undoes what an import cut short wrote, so the roster is as it was before it. */
  async discardPendingImport(): Promise<{ chunksUndone: number }> {
    return (await this.importer()).discardPending();
  }

  private importer(): Promise<RosterImports> {
    this.imports ??= Promise.all([loadImporter(), this.csvReader()]).then(
      ([{ RosterImports }, reader]) =>
        new RosterImports({
          db: this.db,
          store: this.store,
          csvReads: reader,
          index: () => this.requireIndex(),
          organization: () => this.organization,
          actorId: () => (this.organization && this.index && this.index.size > 0 ? this.requireManageUsers('import users') : this.signedInAdminId),
          afterImport: (changed, setup) => this.afterImport(changed, setup),
          afterDiscard: async () => {
            await this.open();
          },
        }),
    ).catch((error: unknown) => {
      this.imports = null;
      throw error;
    });
    return this.imports;
  }

  /** The in-memory roster after an import: names may have changed and users come new, so it is rebuilt. */
  private async afterImport(changed: StoredUser[], setup: { organization: Organization; admin: Admin } | null): Promise<void> {
    const index = this.requireIndex();
    const latest = new Map(changed.map((u) => [u.id, u]));
    const keyed: KeyedUser[] = index.users.map((u) => keyUser(latest.get(u.id) ?? u));
    for (const user of latest.values()) if (!index.userById(user.id)) keyed.push(keyUser(user));
    const [methodologies, communities, customFields] = await Promise.all([this.db.methodologies.toArray(), this.db.communities.toArray(), this.db.customFields.toArray()]);
    this.index = RosterIndex.fromKeyed(keyed, { methodologies, communities, customFields });
    if (setup) {
      this.organization = setup.organization;
      this.admins = [setup.admin];
      this.signedInAdminId = setup.admin.userId;
    }
    this.plans.clear();
    this.lastQuery = { queryId: this.lastQuery.queryId + 1, matches: new Uint32Array(0) };
    this.announceLocalChange([...latest.keys()], [], true);
  }

  /** Opens the database and loads the roster into memory. */
  async open(onProgress?: (progress: LoadProgress) => void): Promise<OpenResult> {
    const discardedLoad = await discardInterruptedLoad(this.db);
    const source = await readRosterSource(this.db, (done, total) => onProgress?.({ phase: 'reading', done, total }));
    onProgress?.({ phase: 'indexing', done: source.users.length, total: source.users.length });
    this.index = RosterIndex.fromKeyed(source.users, source);
    this.organization = (await this.db.organization.toCollection().first()) ?? null;
    const session = (await this.db.meta.get(SESSION_KEY))?.value as { adminId?: string } | undefined;
    this.signedInAdminId = session?.adminId ?? null;
    this.admins = await this.db.admins.toArray();
    this.reportCoverage = reportCoverageOf(await this.db.reportSnapshots.toArray());
    this.lastQuery = { queryId: this.lastQuery.queryId, matches: new Uint32Array(0) };
    this.warmUpLazyModules();
    return { summary: this.summary(), discardedLoad };
  }

  /**
   * Loads the code kept off the first screen (CSV reading, import, exports) once the app has settled, so
   * that it is in this worker's module map before the connection may go: a page the service worker
   * does not control yet (its very first visit) could not fetch it offline.
   */
  private warmUpLazyModules(): void {
    if (this.isWarmingUp) return;
    this.isWarmingUp = true;
    setTimeout(() => {
      void Promise.all([this.csvReader(), loadImporter(), loadExporter()]).catch(() => {
        this.isWarmingUp = false; // offline already: the next open tries again
      });
    }, LAZY_MODULES_DELAY_MS);
  }

  summary(): RosterSummary {
    return {
      organization: this.organization,
      userCount: this.index?.size ?? 0,
      activeCount: this.index?.activeCount ?? 0,
      signedInAdminId: this.signedInAdminId,
      signedInAdmin: this.admins.some((a) => a.userId === this.signedInAdminId) ? this.adminSummary(this.signedInAdminId!) : null,
      admins: this.admins.map((a) => this.adminSummary(a.userId)),
    };
  }

  private adminSummary(id: string): AdminSummary {
    const user = this.index?.userById(id);
    return { id, name: user ? fullName(user) : id, permissions: this.admins.find((a) => a.userId === id)?.permissions ?? [] };
  }

  /** Saves the organization's settings (A1, A12, A14 and the policy); plans built before no longer apply. */
  async saveSettings(input: SettingsInput): Promise<SettingsSaveResult> {
    const validation = validateSettings(input);
    if (!validation.ok) return validation;
    const actorId = this.requireManageUsers('change the organization’s settings');
    this.organization = await saveOrganizationSettings(this.db, { settings: validation.settings, actorId, now: new Date().toISOString() });
    this.plans.clear();
    return { ok: true, summary: this.summary() };
  }

  /** A page of the audit, newest first, filtered by action, actor, rule, batch and text. */
  async auditPage(query: AuditQuery): Promise<AuditPage> {
    const index = this.requireIndex();
    const db = this.db;
    const matches = auditEntryMatcher(query);
    // The most selective index the query has narrows the scan; the rest is filtered.
    const base = () =>
      query.batchId !== null
        ? db.audit.where('batchId').equals(query.batchId)
        : query.action !== null
          ? db.audit.where('action').equals(query.action)
          : query.ruleId !== null
            ? db.audit.where('ruleId').equals(query.ruleId)
            : db.audit.toCollection();
    const limit = Math.max(1, Math.min(query.limit, 500));
    const [found, matching, total] = await db.transaction('r', db.audit, () =>
      Promise.all([
        base()
          .reverse()
          .filter((e) => (query.beforeSeq === null || (e.seq ?? 0) < query.beforeSeq) && matches(e))
          .limit(limit + 1)
          .toArray(),
        base().filter(matches).count(),
        db.audit.count(),
      ]),
    );
    const nameOf = (id: string | null): string | null => {
      const user = id ? index.userById(id) : undefined;
      return user ? fullName(user) : null;
    };
    const rows = found.slice(0, limit).map((e) => ({ ...e, seq: e.seq ?? 0, actorName: nameOf(e.actorId) ?? e.actorId, targetName: nameOf(e.targetId) }));
    return { rows, matching, total, hasOlder: found.length > limit };
  }

  /** Saved selection rules, each with how many users it matches now. */
  async listRules(): Promise<RuleSummary[]> {
    const index = this.requireIndex();
    const rules = await listSelectionRules(this.db);
    const names = this.filterNames(index);
    return rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      filter: rule.filter,
      description: describeFilter(rule.filter, names),
      matching: filterRoster(index, rule.filter).length,
      updatedAt: rule.updatedAt,
    }));
  }

  /** Saves the filter as a named rule; a rule of the same name (ignoring case) is replaced. */
  async saveRule(name: string, filter: RosterFilter): Promise<{ id: string; name: string; replaced: boolean }> {
    this.requireIndex();
    const { rule, replaced } = await saveSelectionRule(this.db, { name, filter, now: new Date().toISOString(), newId: crypto.randomUUID() });
    return { id: rule.id, name: rule.name, replaced };
  }

  async deleteRule(id: string): Promise<void> {
    await deleteSelectionRule(this.db, id);
  }

  /** F6: entries of an id list that match nobody on the roster (the first `limit`), and how many in all. */
  unmatchedIds(idList: string[], limit = 200): { entries: string[]; count: number } {
    const unmatched = unmatchedIdListEntries(this.requireIndex(), idList);
    return { entries: unmatched.slice(0, limit), count: unmatched.length };
  }

  private filterNames(index: RosterIndex): FilterNames {
    return {
      communityName: (id) => index.communityById.get(id)?.name ?? id,
      methodologyName: (id) => index.methodologyById.get(id)?.name ?? id,
      userName: (id) => {
        const user = index.userById(id);
        return user ? fullName(user) : id;
      },
      fieldLabel: (name) => index.customFields.find((f) => f.name === name)?.label ?? name,
    };
  }

  /** Signs another admin of the organization in on this device. */
  async signIn(adminId: string): Promise<RosterSummary> {
    this.requireIndex();
    if ((await this.sync.state()).server) {
      throw codedError('signed_in_to_server', 'This device is signed in to a sync server: its access token decides who acts. Sign out of the server first.');
    }
    await saveSignedInAdmin(this.db, { adminId, previousAdminId: this.signedInAdminId, now: new Date().toISOString() });
    this.signedInAdminId = adminId;
    this.plans.clear();
    return this.summary();
  }

  /** Generates the demo organization and stores it; the roster must be empty. */
  async loadDemo(size: number, onProgress?: (progress: LoadProgress) => void): Promise<RosterSummary> {
    const demo = generateDemoOrganization({ size });
    const users: KeyedUser[] = [];
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
        for (const u of stored) users.push(keyUser(u));
        onProgress?.({ phase: 'writing', done: progress.usersWritten, total: progress.expectedUsers });
      },
    });
    onProgress?.({ phase: 'indexing', done: demo.size, total: demo.size });
    this.index = RosterIndex.fromKeyed(users, {
      methodologies: demo.header.methodologies,
      communities: demo.header.communities,
      customFields: demo.header.customFields,
    });
    this.organization = demo.header.organization;
    this.signedInAdminId = demo.header.signedInAdminId;
    this.admins = demo.header.admins;
    this.reportCoverage = new Map();
    this.plans.clear();
    this.planOnScreen = null;
    return this.summary();
  }

  /** Removes every record from this device. */
  async clear(): Promise<void> {
    await clearRoster(this.db);
    this.index = null;
    this.organization = null;
    this.signedInAdminId = null;
    this.admins = [];
    this.reportCoverage = new Map();
    this.plans.clear();
    this.planOnScreen = null;
    this.lastQuery = { queryId: this.lastQuery.queryId + 1, matches: new Uint32Array(0) };
  }

  /** Evaluates a filter; the result stays here and `rows` pages through it. */
  query(filter: RosterFilter): QueryResult {
    const index = this.requireIndex();
    const matches = filterRoster(index, filter);
    this.lastQuery = { queryId: this.lastQuery.queryId + 1, matches };
    return { queryId: this.lastQuery.queryId, count: matches.length, total: index.size };
  }

  /** Rows `start` (inclusive) to `end` (exclusive) of a query's result; null if a newer query replaced it. */
  rows(queryId: number, start: number, end: number): UserRow[] | null {
    if (queryId !== this.lastQuery.queryId || !this.index) return null;
    const { matches } = this.lastQuery;
    const index = this.index;
    const rows: UserRow[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, matches.length); i++) {
      rows.push(buildUserRow(index, index.users[matches[i]!]!));
    }
    return rows;
  }

  /** Ids of every user a query matched: what "select all N matching" acts on. */
  matchingIds(queryId: number): string[] | null {
    if (queryId !== this.lastQuery.queryId || !this.index) return null;
    const { users } = this.index;
    return Array.from(this.lastQuery.matches, (position) => users[position]!.id);
  }

  async userDetail(id: string): Promise<UserDetail | null> {
    const index = this.requireIndex();
    const user = index.userById(id);
    if (!user) return null;
    const db = this.db;
    const [admin, membershipRequests, assignments, previousAssignments, completions, certificates, tokens, retainedHistory, audit] = await db.transaction(
      'r',
      [db.admins, db.membershipRequests, db.assignments, db.removedAssignments, db.completions, db.certificates, db.tokens, db.retainedHistory, db.audit],
      () =>
        Promise.all([
          db.admins.get(id),
          db.membershipRequests.where('userId').equals(id).toArray(),
          db.assignments.where('userId').equals(id).toArray(),
          db.removedAssignments.where('userId').equals(id).toArray(),
          db.completions.where('userId').equals(id).toArray(),
          db.certificates.where('userId').equals(id).toArray(),
          db.tokens.where('userId').equals(id).toArray(),
          db.retainedHistory.get(id),
          db.audit.where('targetId').equals(id).reverse().limit(50).toArray(),
        ]),
    );
    return buildUserDetail(index, user, {
      admin: admin ?? null,
      membershipRequests,
      assignments,
      previousAssignments,
      completions,
      certificates,
      tokens,
      retainedHistory: retainedHistory ?? null,
      audit,
    });
  }

  facets(): RosterFacets {
    const index = this.requireIndex();
    return {
      communities: index.communities
        .map((c) => ({ id: c.id, name: c.name, isGlobal: c.global }))
        .sort((a, b) => Number(b.isGlobal) - Number(a.isGlobal) || a.name.localeCompare(b.name)),
      customFields: index.customFields.map((f) => ({ name: f.name, label: f.label, values: index.valuesOfField(f.name) })),
      methodologies: index.methodologies.map((m) => ({ id: m.id, name: m.name, model: m.model })),
    };
  }

  /** F3: passes a community's admin role to another active user, then the plan can be built again. */
  async transferCommunityAdmin(communityId: string, fromUserId: string, toUserId: string): Promise<void> {
    const index = this.requireIndex();
    const actorId = this.requireManageUsers('transfer a community’s admin role');
    const { community, changed } = await transferCommunityAdmin(
      this.store,
      { communityId, fromUserId, toUserId, actorId, now: new Date().toISOString(), operationId: crypto.randomUUID() },
      this.lookup(),
    );
    this.afterDirectChange(index.withChanges(changed, [], index.communities.map((c) => (c.id === community.id ? community : c))), changed.map((u) => u.id), true);
  }

  /** R2: re-assigns an active user's previous assignments as they were; returns how many came back. */
  async reassignPreviousAssignments(userId: string): Promise<number> {
    const index = this.requireIndex();
    const actorId = this.requireManageUsers('re-assign assignments');
    const { changed, restoredCount } = await reassignPreviousAssignments(this.store, { userIds: [userId], actorId, now: new Date().toISOString(), operationId: crypto.randomUUID() }, this.lookup());
    this.afterDirectChange(index.withChanges(changed, []), changed.map((u) => u.id));
    return restoredCount;
  }

  /** R4 "Get certificate": regenerates the certificate of one of an active user's completions. */
  async issueCertificate(userId: string, courseId: string, communityId: string): Promise<IssuedCertificate> {
    const index = this.requireIndex();
    const actorId = this.requireManageUsers('issue certificates');
    const { user, certificate, wasKept } = await issueCertificate(
      this.store,
      { userId, courseId, communityId, actorId, now: new Date().toISOString(), operationId: crypto.randomUUID() },
      this.lookup(),
    );
    this.afterDirectChange(index.withChanges([user], []), [user.id]);
    return { certificateId: certificate.id, issuedAt: certificate.issuedAt, wasKept };
  }

  /** A change made outside a plan: any plan on screen was built on the roster before it. */
  private afterDirectChange(index: RosterIndex, changedIds: string[] = [], isOrganizationChanged = false): void {
    this.index = index;
    this.plans.clear();
    this.announceLocalChange(changedIds, [], isOrganizationChanged);
  }

  /** The signed-in admin's id, if they may manage users (A1); otherwise a refusal saying so. */
  private requireManageUsers(what: string): string {
    if (!this.signedInAdminId) throw codedError('roster_not_open', 'The roster is not open yet.');
    const permissions = this.admins.find((a) => a.userId === this.signedInAdminId)?.permissions ?? [];
    if (!permissions.includes('manage_users')) {
      throw codedError('permission_denied', `You need the manage_users permission to ${what} (A1).`);
    }
    return this.signedInAdminId;
  }

  /** Active users whose name or email contains the text: candidates to take over a role. */
  searchActiveUsers(text: string, limit = 20): UserRef[] {
    return this.searchUsers(text, limit, (user) => user.status === 'active');
  }

  /**
   * F3: the active user an exact full name or email means (case and accents ignored), or why there is
   * none: several share the name, the one meant is inactive or is `currentAdminId`, nobody matches.
   */
  matchActiveUser(text: string, currentAdminId: string | null = null): UserEntryMatch {
    const index = this.requireIndex();
    const mayMean = userEntryFilter(text);
    const candidates: StoredUser[] = [];
    if (mayMean) {
      for (let position = 0; position < index.size; position++) {
        if (mayMean(index.searchText[position]!)) candidates.push(index.users[position] as StoredUser);
      }
    }
    return matchUserEntry(text, candidates, currentAdminId);
  }

  /** Managers (users with reports) whose name or email contains the text; for the manager filter. */
  searchManagers(text: string, limit = 20): UserRef[] {
    const index = this.requireIndex();
    return this.searchUsers(text, limit, (_user, position) => index.hasReports(position));
  }

  private searchUsers(text: string, limit: number, isCandidate: (user: StoredUser, position: number) => boolean): UserRef[] {
    const index = this.requireIndex();
    // A picked suggestion reads "Name (email)": its parentheses are not part of any name or address.
    const words = foldText(text).replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
    const found: UserRef[] = [];
    for (let position = 0; position < index.size && found.length < limit; position++) {
      const user = index.users[position]!;
      if (!isCandidate(user as StoredUser, position)) continue;
      const haystack = index.searchText[position]!;
      if (words.every((w) => haystack.includes(w))) found.push({ id: user.id, name: `${fullName(user)} (${user.email})` });
    }
    return found;
  }

  userRef(id: string): UserRef | null {
    const user = this.index?.userById(id);
    return user ? { id: user.id, name: fullName(user) } : null;
  }

  /**
   * Plans a deactivation, reactivation or deletion over the whole in-memory roster. The selection is a
   * list of ids, or a filter (minus any ids unticked after "select all N matching").
   */
  async planLifecycle(request: LifecycleRequest): Promise<PlanView> {
    const index = this.requireIndex();
    if (!this.organization || !this.signedInAdminId) throw codedError('roster_not_open', 'The roster is not open yet.');
    const userIds = request.selection.kind === 'ids' ? request.selection.ids : this.idsMatching(request.selection.filter, request.selection.excludedIds);
    const roster = planningRosterFromIndex(index, { organization: this.organization, admins: this.admins, reportCoverage: this.reportCoverage });
    const selectedByCustomField = request.selection.kind === 'filter' ? request.selection.filter.customField : null;
    const plan = buildLifecyclePlan(roster, { action: request.action, actorId: this.signedInAdminId, userIds, selectedByCustomField });
    const planId = crypto.randomUUID();
    this.plans.clear(); // only the plan on screen can be applied
    this.plans.set(planId, plan);
    this.planOnScreen = { planId, plan, applied: null };
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
  async planRemovals(planId: string, start: number, limit = PLAN_REMOVALS_PAGE): Promise<PlanRemovalsPage> {
    const plan = this.plans.get(planId);
    if (!plan) throw codedError('plan_expired', 'This plan is no longer current.');
    return readPlanRemovals(this.db, this.requireIndex(), plan, start, limit);
  }

  /** R2: the first previous assignments of these users, to list in the plan. */
  private async previousAssignmentsOf(userIds: readonly string[], index: RosterIndex): Promise<PreviousAssignment[]> {
    const found: PreviousAssignment[] = [];
    // A page of users at a time: the list is a sample, and 100,000 ids in one anyOf() is a slow query.
    for (let start = 0; start < userIds.length && found.length < PLAN_SAMPLE_SIZE; start += 500) {
      const page = await this.db.removedAssignments.where('userId').anyOf(userIds.slice(start, start + 500)).limit(PLAN_SAMPLE_SIZE - found.length).toArray();
      for (const a of page) {
        const user = index.userById(a.userId);
        found.push({ ...a, name: user ? fullName(user) : a.userId });
      }
    }
    return found;
  }

  /**
   * Applies a plan batch by batch (A14), each batch one transaction. Stops at the first batch that
   * fails, with every earlier batch applied whole and nothing of the failed one.
   */
  async applyPlan(planId: string, onProgress?: (progress: ApplyProgress) => void, options: ApplyOptions = {}): Promise<ApplyResult> {
    const plan = this.plans.get(planId);
    if (!plan) throw codedError('plan_expired', 'This plan is no longer current.');
    if (!plan.canApply) throw codedError('plan_blocked', 'This plan cannot be applied.');
    this.plans.delete(planId);
    const index = this.requireIndex();
    const lookup = this.lookup();
    const changed: StoredUser[] = [];
    const deletedIds: string[] = [];
    let usersApplied = 0;
    let assignmentsReassigned = 0;
    let failure: ApplyResult['failure'] = null;
    for (const [batchIndex, userIds] of plan.batches.entries()) {
      const inBatch = new Set(userIds);
      try {
        const applied = await applyLifecycleBatch(
          this.store,
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
          lookup,
        );
        changed.push(...applied.changed);
        assignmentsReassigned += applied.assignmentsReassigned;
        deletedIds.push(...applied.deletedIds);
        usersApplied += userIds.length;
        onProgress?.({ batchesDone: batchIndex + 1, batchCount: plan.batches.length, usersDone: usersApplied, userCount: plan.eligibleIds.length });
      } catch (error) {
        const { code, message } = error as { code?: string; message?: string };
        failure = { batchIndex, code: code ?? 'unknown', message: message ?? String(error) };
        // Something changed these users behind the plan (another tab, a sync): take the stored truth.
        const stored = await this.db.users.bulkGet(userIds).catch(() => []);
        stored.forEach((user, i) => (user ? changed.push(user) : deletedIds.push(userIds[i]!)));
        break;
      }
    }
    if (this.planOnScreen?.planId === planId) {
      this.planOnScreen.applied = { batchesApplied: failure ? failure.batchIndex : plan.batches.length, failure };
    }
    // Later changes win: a report moved by batch 1 may be deactivated by batch 2.
    const latest = new Map(changed.map((u) => [u.id, u]));
    this.index = index.withChanges([...latest.values()], deletedIds);
    this.lastQuery = { queryId: this.lastQuery.queryId + 1, matches: new Uint32Array(0) };
    if (latest.size > 0 || deletedIds.length > 0) this.announceLocalChange([...latest.keys()], deletedIds, false);
    return { action: plan.action, batchesApplied: failure ? failure.batchIndex : plan.batches.length, batchCount: plan.batches.length, usersApplied, assignmentsReassigned, failure };
  }

  /** One report as a CSV file: per-user reports for the filter given, or everyone (A4 applied). */
  async exportReport(request: ReportRequest): Promise<ReportFile> {
    const sources = this.reportSources();
    return (await loadExporter()).exportReport(sources, request);
  }

  /** A5/A17: every report type, unfiltered, in one zip; its snapshot clears the warning of the next plan. */
  async exportEveryReport(onProgress?: (progress: ExportProgress) => void): Promise<EveryReportFile> {
    const sources = this.reportSources();
    const { file, snapshot } = await (await loadExporter()).exportEveryReport(sources, onProgress);
    reportCoverageOf([snapshot], this.reportCoverage);
    return file;
  }

  /** The plan on screen, or once applied its result, one row per selected user. */
  async exportPlanResult(planId: string): Promise<ReportFile> {
    const onScreen = this.planOnScreen;
    if (onScreen?.planId !== planId) throw codedError('plan_expired', 'This plan is no longer current.');
    return (await loadExporter()).exportPlanResult(this.reportSources(), onScreen.plan, onScreen.applied);
  }

  private reportSources(): ReportSources {
    const index = this.requireIndex();
    if (!this.organization) throw codedError('roster_not_open', 'The roster is not open yet.');
    return { db: this.db, index, organization: this.organization, admins: this.admins, signedInAdminId: this.signedInAdminId };
  }

  private idsMatching(filter: RosterFilter, excludedIds: readonly string[]): string[] {
    const index = this.requireIndex();
    const excluded = new Set(excludedIds);
    const ids: string[] = [];
    for (const position of filterRoster(index, filter)) {
      const id = index.users[position]!.id;
      if (!excluded.has(id)) ids.push(id);
    }
    return ids;
  }

  /** What the in-memory roster knows for a change: who is on the roster. */
  private lookup(): RosterLookup {
    const index = this.requireIndex();
    const isOnRoster = (id: string): boolean => index.userById(id) !== undefined;
    // Emails are checked where they are entered (the import's check); changes here set none.
    return { mayHold: isOnRoster, hasUser: isOnRoster, userIdWithEmail: () => undefined };
  }

  private requireIndex(): RosterIndex {
    if (!this.index) throw codedError('roster_not_open', 'The roster is not open yet.');
    return this.index;
  }
}
