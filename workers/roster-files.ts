/**
 * Files in and out of the roster: reading the CSV files an admin chooses, the import (check, write,
 * resume, discard) and the report exports. Their code (PapaParse, the import's checks, fflate) loads on
 * first use, so the first screen never waits for it, and is loaded once the app has settled so that it
 * is at hand offline.
 */
import type { OrganizationLists } from '../src/core/changes/change-outcome.ts';
import type { PermissionAction } from '../src/core/coded-error.ts';
import { codedError } from '../src/core/coded-error.ts';
import type { ImportKind } from '../src/core/csv/column-mapping.ts';
import { RosterIndex } from '../src/core/roster-index.ts';
import type { Admin, Organization } from '../src/core/roster-types.ts';
import type { StoredUser } from '../src/core/stored-user.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import { findPendingImport, type PendingImportView } from '../src/db/pending-import.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import type { CsvFileReader } from './csv-file-reader.ts';
import { requireIndex } from './directory-queries.ts';
import type { EveryReportFile, ExportProgress, ReportFile, ReportRequest, ReportSources } from './export-reports.ts';
import type { PlanSession } from './plan-session.ts';
import type { CsvSniffResult } from './read-csv-file.ts';
import type { RosterCache, RosterChange, WriteQueue } from './roster-cache.ts';
import type { ImportCheckView, ImportChoice, ImportFileView, ImportedOntoEmpty, ImportProgress, ImportResult, RosterImports } from './roster-import.ts';

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

export interface RosterFilesHost {
  db: OffboardDatabase;
  store: RosterStore;
  cache: RosterCache;
  writes: WriteQueue;
  plans: PlanSession;
  requireManageUsers(action: PermissionAction): string;
  readOrganization(): Promise<Pick<RosterChange, 'organization' | 'admins'> & { lists: Required<OrganizationLists> }>;
  /** Reads the roster anew (an import discarded whole). */
  reload(): Promise<void>;
}

export class RosterFiles {
  private csvReads: Promise<CsvFileReader> | null = null;
  private imports: Promise<RosterImports> | null = null;
  private isWarmingUp = false;

  constructor(private readonly host: RosterFilesHost) {}

  /**
   * Loads the code kept off the first screen once the app has settled, so that it is in this worker's
   * module map before the connection may go: a page the service worker does not control yet (its very
   * first visit) could not fetch it offline.
   */
  warmUp(): void {
    if (this.isWarmingUp) return;
    this.isWarmingUp = true;
    setTimeout(() => {
      void Promise.all([this.csvReader(), loadImporter(), loadExporter()]).catch(() => {
        this.isWarmingUp = false; // offline already: the next open tries again
      });
    }, LAZY_MODULES_DELAY_MS);
  }

  async sniff(file: Blob): Promise<CsvSniffResult> {
    return (await this.csvReader()).sniff(file);
  }

  async cancelRead(readId: string): Promise<boolean> {
    return (await this.csvReader()).cancel(readId);
  }

  async inspectImport(files: File[]): Promise<ImportFileView[]> {
    return (await this.importer()).inspect(files);
  }

  async importTargets(kind: ImportKind): Promise<string[]> {
    return (await this.importer()).targets(kind);
  }

  async checkImport(readId: string, choices: ImportChoice[], onProgress?: (progress: ImportProgress) => void): Promise<ImportCheckView> {
    return (await this.importer()).check(readId, choices, onProgress);
  }

  async rejectedRowsCsv(importId: string, fileId: string): Promise<Blob> {
    return (await this.importer()).rejectedRowsCsv(importId, fileId);
  }

  /** Written in chunks, each one transaction, no other write between them. */
  async writeImport(readId: string, importId: string, options: { adminEmail?: string }, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    if (this.host.cache.state.organization) this.host.requireManageUsers('import_users');
    const importer = await this.importer();
    return this.host.writes.run(() => importer.write(readId, importId, options, onProgress));
  }

  /** Asked at every start: answered without loading the import's code. */
  pendingImport(): Promise<PendingImportView | null> {
    return findPendingImport(this.host.db);
  }

  async resumeImport(readId: string, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    const importer = await this.importer();
    return this.host.writes.run(() => importer.resume(readId, onProgress));
  }

  async discardPendingImport(): Promise<{ chunksUndone: number }> {
    const importer = await this.importer();
    return this.host.writes.run(() => importer.discardPending());
  }

  async exportReport(request: ReportRequest): Promise<ReportFile> {
    const sources = this.reportSources();
    return (await loadExporter()).exportReport(sources, request);
  }

  /** A5/A17: its snapshot clears the warning of the next plan. */
  async exportEveryReport(onProgress?: (progress: ExportProgress) => void): Promise<EveryReportFile> {
    const sources = this.reportSources();
    const { file, snapshot } = await (await loadExporter()).exportEveryReport(sources, onProgress);
    this.host.cache.apply({ reportSnapshots: [snapshot] });
    return file;
  }

  async exportPlanResult(planId: string): Promise<ReportFile> {
    const { plan, applied } = this.host.plans.planOnScreen(planId);
    return (await loadExporter()).exportPlanResult(this.reportSources(), plan, applied);
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

  private importer(): Promise<RosterImports> {
    const { db, store, cache } = this.host;
    this.imports ??= Promise.all([loadImporter(), this.csvReader()])
      .then(
        ([{ RosterImports }, reader]) =>
          new RosterImports({
            db,
            store,
            csvReads: reader,
            index: () => requireIndex(cache.state),
            organization: () => cache.state.organization,
            actorId: () => (cache.state.organization && cache.state.index && cache.state.index.size > 0 ? this.host.requireManageUsers('import_users') : cache.state.signedInAdminId),
            afterImport: (changed, setup) => this.afterImport(changed, setup),
            afterDiscard: () => this.host.reload(),
          }),
      )
      .catch((error: unknown) => {
        this.imports = null;
        throw error;
      });
    return this.imports;
  }

  /** What an import wrote, applied at once: its users, and the organization lists it may have changed. */
  private async afterImport(written: StoredUser[] | ImportedOntoEmpty, setup: { organization: Organization; admin: Admin } | null): Promise<void> {
    const { cache } = this.host;
    const was = cache.state;
    if (!Array.isArray(written) && was.index !== written.onto) {
      // Something else changed the roster while the import wrote onto it empty (another tab): read it all.
      await this.host.reload();
      return;
    }
    const organization = await this.host.readOrganization();
    if (!Array.isArray(written) || !was.index) {
      // An import onto an empty roster: its first users, the organization it set up or the one there.
      const index = Array.isArray(written) ? RosterIndex.build({ users: written, ...organization.lists }) : written.users.finish(organization.lists);
      const signedInAdminId = setup ? setup.admin.userId : was.signedInAdminId;
      cache.apply({ replaced: { index, organization: setup?.organization ?? was.organization, admins: setup ? [setup.admin] : was.admins, signedInAdminId, reportCoverage: was.reportCoverage }, isLocalChange: true, outbox: true });
      return;
    }
    const change: RosterChange = { users: { changed: written, deletedIds: [] }, lists: organization.lists, outbox: true, isLocalChange: true };
    if (setup) Object.assign(change, { organization: setup.organization, admins: [setup.admin], signedInAdminId: setup.admin.userId });
    cache.apply(change);
  }

  private reportSources(): ReportSources {
    const { db, store, cache } = this.host;
    const state = cache.state;
    const index = requireIndex(state);
    if (!state.organization) throw codedError('roster_not_open', 'The roster is not open yet.');
    return { db, store, index, organization: state.organization, admins: state.admins, signedInAdminId: state.signedInAdminId };
  }
}
