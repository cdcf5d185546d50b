/**
 * Imports CSV files into the roster, in three steps the page drives: inspect the chosen files (encoding,
 * delimiter, kind, column mapping), check every row without writing anything, then write in chunked
 * transactions once the admin confirms. Files are read twice (check, then write) rather than held in
 * memory: a 1,000,000-row file never sits whole in the worker. While writing, the next chunk is parsed
 * as the previous one is committed.
 */
import { FileChecker, IMPORT_ORDER, ImportedKeys, customFieldChanges, type FileCheck, type ImportRosterView } from '../src/core/csv/check-import.ts';
import {
  duplicateColumns,
  guessMapping,
  mapCells,
  mappingFromHeader,
  mappingProblems,
  shapeKeyOf,
  targetsOf,
  valueTranslatorOf,
  whyMappingIsNeeded,
  type ColumnMapping,
  type DuplicateColumn,
  type ImportKind,
} from '../src/core/csv/column-mapping.ts';
import { mapRow, neutralizeFormula } from '../src/core/csv/csv-formats.ts';
import { importNotice as noticeOf } from '../src/core/csv/import-notice.ts';
import { RosterIndexBuilder, type RosterIndex } from '../src/core/roster-index.ts';
import type { Admin, CustomFieldDefinition, Organization, User } from '../src/core/roster-types.ts';
import type { OffboardDatabase, StoredUser } from '../src/db/offboard-database.ts';
import { discardImport, type DiscardedImport } from '../src/db/discard-import.ts';
import { IMPORT_FILES_KEY, IMPORT_MARKER_KEY, findPendingImport, type ImportMarker, type PendingImportView } from '../src/db/pending-import.ts';
import { writeImportChunk, type ImportChunk } from '../src/db/write-import-chunk.ts';
import type { ImportedRecords } from '../src/core/changes/operation.ts';
import type { RosterLookup } from '../src/db/commit-local-change.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import type { CsvFileReader } from './csv-file-reader.ts';
import type { CsvFileSniff, FileProblem } from './read-csv-file.ts';
import type { ImportFileProblem } from '../src/core/csv/file-problem.ts';
import { deleteMeta, readMeta, writeMeta, type PendingImportFiles } from '../src/db/meta-records.ts';
import { codedError } from '../src/core/coded-error.ts';

/** Rows per write transaction: progress moves every second or so, and a commit stays a small share. */
export const IMPORT_CHUNK_ROWS = 2_000;
const MAPPING_KEY_PREFIX = 'columnMapping:' as const;

export interface ImportFileView {
  fileId: string;
  name: string;
  size: number;
  problem: FileProblem | null;
  encoding: string | null;
  delimiter: string | null;
  firstRows: string[][];
  /** The mapping to use: from the header, or remembered for files of this shape; null asks the admin. */
  mapping: ColumnMapping | null;
  /** A starting point for the mapping step. */
  guess: ColumnMapping;
  /** The mapping (columns, or the answers for unknown values) was remembered from an earlier file: the admin confirms it. */
  isRemembered: boolean;
  /** Columns the header names more than once: only one of each can be read, and the admin is told. */
  duplicateColumns: DuplicateColumn[];
  /** Why the file needs the mapping step, when it does not map itself. */
  mappingReason: string | null;
}

export interface ImportChoice {
  fileId: string;
  mapping: ColumnMapping;
  /** Remember this mapping for the next file of the same shape. */
  remember: boolean;
}

export interface ImportProgress {
  phase: 'checking' | 'writing';
  fileName: string;
  fileIndex: number;
  fileCount: number;
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

export type FileCheckView = FileCheck & { fileId: string };

export interface ImportCheckView {
  importId: string;
  files: FileCheckView[];
  /** The device holds no roster yet: the admin says which imported user they are. */
  needsSetup: boolean;
  /** Something to write: rows created or updated, or custom fields set. */
  hasChanges: boolean;
  isCancelled: boolean;
  /** Files that could not be checked (a mapping that cannot be used, a read that failed). */
  problems: ImportFileProblem[];
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  isCancelled: boolean;
  failure: { code: string; message: string } | null;
  /** A16: what the in-app notice says. */
  notice: string;
  kinds: ImportKind[];
}


/** An import onto an empty roster: its users in columns, and the (empty) roster it began on. */
export interface ImportedOntoEmpty {
  users: RosterIndexBuilder;
  onto: RosterIndex;
}

/** What the import needs of the engine that owns the roster. */
export interface ImportHost {
  db: OffboardDatabase;
  store: RosterStore;
  csvReads: CsvFileReader;
  index(): RosterIndex;
  organization(): Organization | null;
  actorId(): string | null;
  /**
   * What an import wrote, applied to the in-memory roster: the stored users it changed, or, where the
   * roster was empty, those users already laid out in columns as their chunks committed; and the set-up
   * of an empty device.
   */
  afterImport(changed: StoredUser[] | ImportedOntoEmpty, setup: { organization: Organization; admin: Admin } | null): Promise<void>;
  /** After a discard the roster is read again (users went and came back); an emptied device is empty. */
  afterDiscard(isRosterEmpty: boolean): Promise<void>;
}

interface ChosenFile {
  fileId: string;
  file: File;
  sniff: CsvFileSniff;
}

interface CheckedFile extends ChosenFile {
  mapping: ColumnMapping;
  checker: FileChecker;
  check: FileCheck;
}

interface CheckedImport {
  importId: string;
  files: CheckedFile[];
  needsSetup: boolean;
}

type StoredImportMarker = ImportMarker;

type StoredImportFiles = PendingImportFiles;


/** The roster as the checks see it, answered from the worker's index. */
export function importViewOf(index: RosterIndex): ImportRosterView {
  let emails: Map<string, string> | null = null;
  let foldedIds: Map<string, string> | null = null;
  let granted: Map<string, number> | null = null;
  return {
    userById: (id) => index.recordById(id),
    userIdByEmail(email) {
      emails ??= new Map(Array.from({ length: index.size }, (_, position) => [index.emailAt(position).toLowerCase(), index.idAt(position)]));
      return emails.get(email.trim().toLowerCase());
    },
    userIdIgnoringCase(id) {
      foldedIds ??= new Map(Array.from({ length: index.size }, (_, position) => [index.idAt(position).toLowerCase(), index.idAt(position)]));
      return foldedIds.get(id.toLowerCase());
    },
    customFields: index.customFields,
    methodologies: index.methodologies,
    communities: index.communities,
    communityIdsOf: (id) => index.communityIdsOf(id),
    licensesOf: (id) => index.licensesOf(id),
    grantedLicenseCount(methodologyId) {
      granted ??= index.licensesGranted();
      return granted.get(methodologyId) ?? 0;
    },
  };
}

export class RosterImports {
  private chosen = new Map<string, ChosenFile>();
  private checked: CheckedImport | null = null;

  constructor(private readonly host: ImportHost) {}

  /** Reads the head of each chosen file and proposes how to read it. Nothing else is read yet. */
  async inspect(files: File[]): Promise<ImportFileView[]> {
    this.chosen.clear();
    this.checked = null;
    const customFieldNames = this.host.index().customFields.map((f) => f.name);
    const views: ImportFileView[] = [];
    for (const file of files) {
      const fileId = crypto.randomUUID();
      const sniffed = await this.host.csvReads.sniff(file);
      if (!sniffed.ok) {
        views.push({
          fileId,
          name: file.name,
          size: file.size,
          problem: sniffed.problem,
          encoding: null,
          delimiter: null,
          firstRows: [],
          mapping: null,
          guess: guessMapping([], customFieldNames),
          isRemembered: false,
          duplicateColumns: [],
          mappingReason: null,
        });
        continue;
      }
      const { sniff } = sniffed;
      this.chosen.set(fileId, { fileId, file, sniff });
      const first = sniff.firstRows[0] ?? [];
      const fromHeader = mappingFromHeader(first);
      const guess = fromHeader ?? guessMapping(sniff.firstRows, customFieldNames);
      const remembered = await this.rememberedMapping(shapeKeyOf(first, guess.hasHeader), first.length);
      // A file that maps itself takes from a remembered mapping only the answers for unknown values.
      const rememberedValues = fromHeader && remembered?.kind === fromHeader.kind && sameTargets(remembered, fromHeader) ? remembered.values : undefined;
      const mapping = fromHeader ? { ...fromHeader, ...(rememberedValues ? { values: rememberedValues } : {}) } : remembered;
      views.push({
        fileId,
        name: file.name,
        size: file.size,
        problem: null,
        encoding: sniff.encoding.encoding + (sniff.encoding.hasBom ? ' with BOM' : ''),
        delimiter: sniff.delimiter,
        firstRows: sniff.firstRows.slice(0, 6),
        mapping,
        guess: remembered ?? guess,
        isRemembered: fromHeader ? rememberedValues !== undefined && Object.keys(rememberedValues).length > 0 : remembered !== null,
        duplicateColumns: guess.hasHeader ? duplicateColumns(first) : [],
        mappingReason: fromHeader ? null : whyMappingIsNeeded(first, guess.hasHeader, customFieldNames),
      });
    }
    return views;
  }

  /** The fields each kind's columns may map to, for the mapping step. */
  targets(kind: ImportKind): string[] {
    return targetsOf(kind, this.host.index().customFields.map((f) => f.name));
  }

  /** Checks every row of every chosen file, users first, without writing anything. */
  async check(readId: string, choices: ImportChoice[], onProgress?: (progress: ImportProgress) => void): Promise<ImportCheckView> {
    const index = this.host.index();
    const roster = importViewOf(index);
    const sameImport = new ImportedKeys();
    const problems: ImportCheckView['problems'] = [];
    const ordered = choices
      .map((choice) => ({ choice, file: this.chosen.get(choice.fileId) }))
      .filter((entry): entry is { choice: ImportChoice; file: ChosenFile } => {
        if (!entry.file) problems.push({ code: 'not_chosen', fileName: entry.choice.fileId });
        return entry.file !== undefined;
      })
      .sort((a, b) => IMPORT_ORDER.indexOf(a.choice.mapping.kind) - IMPORT_ORDER.indexOf(b.choice.mapping.kind));
    const files: CheckedFile[] = [];
    let isCancelled = false;
    for (const [fileIndex, { choice, file }] of ordered.entries()) {
      const unusable = mappingProblems(choice.mapping);
      if (unusable.length > 0) {
        problems.push({ code: 'unusable_mapping', fileName: file.file.name, reasons: unusable });
        continue;
      }
      if (choice.remember) await this.rememberMapping(file.sniff.firstRows[0] ?? [], choice.mapping);
      const checker = new FileChecker(file.file.name, choice.mapping, roster, sameImport);
      let row = 0;
      const read = await this.host.csvReads.read(readId, file.file, file.sniff, (rows, progress) => {
        for (const cells of rows) {
          row++;
          if (row === 1 && choice.mapping.hasHeader) continue;
          checker.addRow(row, cells);
        }
        onProgress?.({ phase: 'checking', fileName: file.file.name, fileIndex, fileCount: ordered.length, ...progress });
      });
      if (read.isCancelled) {
        isCancelled = true;
        break;
      }
      if (read.problem) problems.push({ ...read.problem, fileName: file.file.name });
      files.push({ ...file, mapping: choice.mapping, checker, check: checker.finish() });
    }
    const importId = crypto.randomUUID();
    const needsSetup = index.size === 0 || this.host.organization() === null;
    this.checked = isCancelled ? null : { importId, files, needsSetup };
    const hasChanges = files.some((f) => f.check.kind !== 'user_list' && f.check.counts.created + f.check.counts.updated > 0);
    return { importId, files: files.map((f) => ({ ...f.check, fileId: f.fileId })), needsSetup, hasChanges, isCancelled, problems };
  }

  /** The rejected rows of a checked file as CSV, each with its problems in an `error` column. */
  async rejectedRowsCsv(importId: string, fileId: string): Promise<Blob> {
    const file = this.checked?.importId === importId ? this.checked.files.find((f) => f.fileId === fileId) : undefined;
    if (!file) throw codedError('import_expired', 'These results are no longer current: check the files again.');
    const { unparse } = await import('papaparse');
    const parts: string[] = ['\uFEFF'];
    let row = 0;
    let header: string[] | null = null;
    await this.host.csvReads.read(crypto.randomUUID(), file.file, file.sniff, (rows) => {
      const out: string[][] = [];
      for (const cells of rows) {
        row++;
        if (row === 1) {
          header = file.mapping.hasHeader ? [...cells, 'error'] : [...file.mapping.targets.map((t, i) => t ?? `column_${i + 1}`), 'error'];
          out.push(header);
          if (file.mapping.hasHeader) continue;
        }
        const problems = file.checker.problemsOf(row);
        if (problems) out.push([...cells, `Row ${row}: ${problems.map((p) => p.message).join(' ')}`]);
      }
      if (out.length > 0) parts.push(unparse(out.map((cells) => cells.map(neutralizeFormula)), { newline: '\r\n' }) + '\r\n');
    });
    return new Blob(parts, { type: 'text/csv;charset=utf-8' });
  }

  /**
   * Writes the checked import. `adminEmail` names the admin on a device that held no roster. Stops at a
   * chunk boundary when cancelled or when a chunk fails; what was written stays, and says so.
   */
  async write(readId: string, importId: string, options: { adminEmail?: string } = {}, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    const checked = this.checked;
    if (!checked || checked.importId !== importId) throw codedError('import_expired', 'These results are no longer current: check the files again.');
    const setup = checked.needsSetup ? await this.setupFor(readId, checked, options.adminEmail) : null;
    const actorId = setup?.admin.userId ?? this.host.actorId();
    if (!actorId) throw codedError('not_signed_in', 'No admin is signed in on this device.');
    const writable = checked.files.filter((f) => f.mapping.kind !== 'user_list');
    const stored: StoredImportFiles = {
      importId,
      files: writable.map((f) => ({ name: f.file.name, file: f.file, sniff: f.sniff, mapping: f.mapping, rejectedRows: rejectedRowsOf(f.checker, f.check.rowCount, f.mapping.hasHeader) })),
    };
    const marker: StoredImportMarker = {
      importId,
      startedAt: new Date().toISOString(),
      actorId,
      fileNames: stored.files.map((f) => f.name),
      rowsDone: writable.map(() => 0),
      newCustomFields: newCustomFieldsOf(checked.files, this.host.index().customFields),
      setup,
    };
    // The files are kept (once: chunks rewrite only the small marker) so that an import cut short by a
    // closed tab can be resumed.
    await this.host.db.transaction('rw', this.host.db.meta, async () => {
      await writeMeta(this.host.db, IMPORT_FILES_KEY, stored);
      await writeMeta(this.host.db, IMPORT_MARKER_KEY, marker);
    });
    this.checked = null;
    const result = await this.writeFrom(readId, marker, stored, onProgress);
    const rejected = checked.files.reduce((sum, f) => sum + f.check.counts.rejected, 0);
    return { ...result, rejected, notice: noticeOf({ ...result, rejected }, checked.files.map((f) => f.mapping.kind)) };
  }

  /** The import a closed tab cut short, if any. */
  pending(): Promise<PendingImportView | null> {
    return findPendingImport(this.host.db);
  }

  /** Writes the rest of an import cut short, from the first chunk not written. */
  async resume(readId: string, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    const marker = await readMeta(this.host.db, IMPORT_MARKER_KEY);
    const stored = await readMeta(this.host.db, IMPORT_FILES_KEY);
    if (!marker || !stored || stored.importId !== marker.importId) throw codedError('import_not_pending', 'No import is waiting to be resumed.');
    const result = await this.writeFrom(readId, marker, stored, onProgress);
    const rejected = stored.files.reduce((sum, f) => sum + f.rejectedRows.length, 0);
    return { ...result, rejected, notice: noticeOf({ ...result, rejected }, stored.files.map((f) => f.mapping.kind)) };
  }

  /** Undoes every chunk an import cut short wrote, in one transaction; the roster is as it was before it. */
  async discardPending(): Promise<DiscardedImport> {
    const discarded = await discardImport(this.host.store, { actorId: this.host.actorId(), now: new Date().toISOString() });
    await this.host.afterDiscard(discarded.isRosterEmpty);
    return discarded;
  }

  private async writeFrom(
    readId: string,
    marker: StoredImportMarker,
    stored: StoredImportFiles,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<Omit<ImportResult, 'rejected' | 'notice'>> {
    const totals = { created: 0, updated: 0, unchanged: 0 };
    const changed: StoredUser[] = [];
    let failure: ImportResult['failure'] = null;
    let isCancelled = false;
    let setupPending = marker.setup && marker.rowsDone.every((n) => n === 0) ? marker.setup : null;
    let fieldsPending = marker.newCustomFields;
    // Users an earlier chunk created are on the device, not yet in the in-memory roster.
    const created = new Set<string>();
    const index = this.host.index();
    // Onto an empty roster, each chunk's users go into the in-memory columns as it commits, while the
    // next is written, rather than all of them into the roster at the end.
    const builder = index.size === 0 ? new RosterIndexBuilder() : null;
    const lookup: RosterLookup = {
      mayHold: (id) => created.has(id) || index.has(id),
      // The check refused rows whose manager is unknown or whose email is taken, across every file.
      hasUser: () => true,
      userIdWithEmail: () => undefined,
    };
    for (const [fileIndex, entry] of stored.files.entries()) {
      const rejected = new Set(entry.rejectedRows);
      const skipTo = marker.rowsDone[fileIndex] ?? 0;
      const presentColumns = entry.mapping.targets.filter((t): t is string => t !== null);
      // The same reading of values as the check's: other platforms' words and the admin's answers.
      const translateValues = valueTranslatorOf(entry.mapping, this.host.index().customFields);
      let row = 0;
      let pending: { records: Record<string, string>[]; lastRow: number } = { records: [], lastRow: 0 };
      // One chunk is written while the reader parses the next: parsing overlaps the writes.
      let inFlight: Promise<void> = Promise.resolve();
      const flush = async (): Promise<void> => {
        if (pending.records.length === 0) return;
        const rows = pending;
        pending = { records: [], lastRow: rows.lastRow };
        await inFlight;
        if (failure) throw codedError('import_stopped', failure.message);
        const chunk: ImportChunk = {
          importId: marker.importId,
          fileIndex,
          fileName: entry.name,
          lastRow: rows.lastRow,
          actorId: marker.actorId,
          now: new Date().toISOString(),
          operationId: crypto.randomUUID(),
          data: this.chunkRecords(entry.mapping, rows.records, presentColumns),
          newCustomFields: fieldsPending,
          ...(setupPending ? { setup: setupPending } : {}),
        };
        fieldsPending = [];
        setupPending = null;
        inFlight = writeImportChunk(this.host.store, chunk, lookup).then(
          (written) => {
            totals.created += written.counts.created;
            totals.updated += written.counts.updated;
            totals.unchanged += written.counts.unchanged;
            if (builder) builder.add(written.changed);
            else changed.push(...written.changed);
            for (const id of written.createdUserIds) created.add(id);
          },
          (error: unknown) => {
            const { code, message } = error as { code?: string; message?: string };
            failure = { code: code ?? 'import_failed', message: message ?? String(error) };
          },
        );
      };
      const read = await this.host.csvReads
        .read(readId, entry.file, entry.sniff, async (rows, progress) => {
          for (const cells of rows) {
            row++;
            if (row === 1 && entry.mapping.hasHeader) continue;
            if (row <= skipTo || rejected.has(row)) continue;
            const fields = mapCells(entry.mapping, cells);
            translateValues(fields);
            pending.records.push(fields);
            pending.lastRow = row;
            if (pending.records.length >= IMPORT_CHUNK_ROWS) await flush();
          }
          onProgress?.({ phase: 'writing', fileName: entry.name, fileIndex, fileCount: stored.files.length, ...progress });
        })
        .catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'import_stopped') throw error;
          return null;
        });
      if (read && !read.isCancelled && !failure) {
        pending.lastRow = Math.max(pending.lastRow, row);
        await flush();
      }
      await inFlight;
      if (read?.isCancelled) isCancelled = true;
      if (failure || isCancelled) break;
    }
    if (!failure && !isCancelled) await deleteMeta(this.host.db, [IMPORT_MARKER_KEY, IMPORT_FILES_KEY]);
    await this.host.afterImport(builder ? { users: builder, onto: index } : changed, marker.setup);
    return { ...totals, isCancelled, failure, kinds: stored.files.map((f) => f.mapping.kind) };
  }

  private chunkRecords(mapping: ColumnMapping, rows: Record<string, string>[], presentColumns: string[]): ImportedRecords {
    const kind = mapping.kind;
    if (kind === 'custom_fields') {
      const roster = importViewOf(this.host.index());
      const changes: { userId: string; values: Record<string, string> }[] = [];
      for (const fields of rows) {
        const id = (fields['id'] ?? '').trim();
        const user = (id && roster.userById(id)) || roster.userById(roster.userIdByEmail(fields['email'] ?? '') ?? '');
        if (user) changes.push({ userId: user.id, values: customFieldChanges(user, fields) });
      }
      return { recordKind: 'custom_fields', changes };
    }
    if (kind === 'user_list') throw codedError('import_refused', 'A bulk-action file is not imported: it opens a plan.', { operation: 'import', reason: 'bulk_action_file', rule: null, userId: null, names: {} });
    const records = rows.map((fields) => mapRow(kind, fields).record).filter((r) => r !== null);
    if (kind === 'users') return { recordKind: 'users', rows: records as User[], presentColumns };
    return { recordKind: kind, records } as ImportedRecords;
  }

  /** An empty device gets an organization, and the admin named by email becomes its first admin. */
  private async setupFor(readId: string, checked: CheckedImport, adminEmail: string | undefined): Promise<{ organization: Organization; admin: Admin }> {
    const users = checked.files.find((f) => f.mapping.kind === 'users');
    if (!users) throw codedError('import_needs_users', 'This device holds no roster yet: import a users file first.');
    const email = (adminEmail ?? '').trim().toLowerCase();
    if (email === '') throw codedError('import_needs_admin', 'Say which of the imported users you are: give your email.');
    let adminId: string | null = null;
    let row = 0;
    // Its own read id, so that finding the row can end the read there.
    const scanId = `${readId}:admin`;
    await this.host.csvReads.read(scanId, users.file, users.sniff, (rows) => {
      for (const cells of rows) {
        row++;
        if (adminId !== null || (row === 1 && users.mapping.hasHeader) || users.checker.problemsOf(row)) continue;
        const fields = mapCells(users.mapping, cells);
        if ((fields['email'] ?? '').trim().toLowerCase() === email) {
          adminId = (fields['id'] ?? '').trim();
          this.host.csvReads.cancel(scanId);
        }
      }
    });
    if (!adminId) throw codedError('import_admin_unknown', `No imported user has the email ${email}.`, { email });
    return {
      organization: {
        id: 'organization',
        name: 'My organization',
        plan: 'plus',
        // Every imported user fits; Settings changes it to the platform's figure (A12, R1).
        seatLimit: users.check.counts.created,
        policyPreset: 'ascender',
        policyOverrides: {},
        batchLimit: 100,
      },
      admin: { userId: adminId, permissions: ['manage_users', 'reports', 'delete_users'] },
    };
  }

  private async rememberedMapping(shapeKey: string, width: number): Promise<ColumnMapping | null> {
    const mapping = await readMeta(this.host.db, `${MAPPING_KEY_PREFIX}${shapeKey}`);
    return mapping && mapping.targets.length === width ? mapping : null;
  }

  private async rememberMapping(firstRow: string[], mapping: ColumnMapping): Promise<void> {
    await writeMeta(this.host.db, `${MAPPING_KEY_PREFIX}${shapeKeyOf(firstRow, mapping.hasHeader)}`, mapping);
  }
}

function sameTargets(a: ColumnMapping, b: ColumnMapping): boolean {
  return a.hasHeader === b.hasHeader && a.targets.length === b.targets.length && a.targets.every((t, i) => t === b.targets[i]);
}

/** The row numbers a check rejected, for the write pass (kept with the import, for a resume). */
function rejectedRowsOf(checker: FileChecker, rowCount: number, hasHeader: boolean): number[] {
  const rows: number[] = [];
  const last = rowCount + (hasHeader ? 1 : 0);
  for (let row = 1; row <= last && rows.length < checker.size; row++) if (checker.problemsOf(row)) rows.push(row);
  return rows;
}

function newCustomFieldsOf(files: CheckedFile[], defined: readonly CustomFieldDefinition[]): CustomFieldDefinition[] {
  const names = new Set(files.flatMap((f) => f.check.newCustomFields ?? []));
  for (const d of defined) names.delete(d.name);
  return [...names].map((name) => ({ name, label: labelOf(name), allowedValues: [] }));
}

function labelOf(fieldName: string): string {
  const words = fieldName.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}


export type { PendingImportView };
