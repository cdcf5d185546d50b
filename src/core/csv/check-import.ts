/**
 * Checks every row of an import against the roster and the other rows, before anything is written:
 * required fields, formats, duplicate ids and emails (in the file and against the roster), unknown
 * managers, communities and methodologies, manager cycles, ragged rows. Rows come one chunk at a time
 * (a file of 1,000,000 rows is never held whole); what is kept per row is its key, its manager and its
 * outcome. The write pass reads the file again and skips the rows this check rejected.
 */
import type { Community, CustomFieldDefinition, LicenseGrant, Methodology, User } from '../roster-types.ts';
import { formatList, plural, pluralWord } from '../plural.ts';
import { isRaggedRow, mapCells, valueTranslatorOf, type ColumnMapping, type ImportKind, type ValueTranslator } from './column-mapping.ts';
import { CUSTOM_FIELD_PREFIX, isValidEmail, readRow, type CellProblem, type CsvKind, type CsvRecordOf } from './csv-formats.ts';
import { fixedVocabularyOf, normalizeValueWord, vocabularyOf } from './value-vocabularies.ts';

/** What the check needs of the roster: the worker answers from its in-memory index. */
export interface ImportRosterView {
  userById(id: string): User | undefined;
  /** The id of the user with this email, compared case-insensitively. */
  userIdByEmail(email: string): string | undefined;
  customFields: readonly CustomFieldDefinition[];
  methodologies: readonly Methodology[];
  communities: readonly Community[];
  communityIdsOf(userId: string): readonly string[];
  licensesOf(userId: string): readonly LicenseGrant[];
  /** The roster id that equals this one ignoring case, if any (ids differing only in case are refused). */
  userIdIgnoringCase?(id: string): string | undefined;
  /** How many licenses of the methodology the roster grants (reserved or consumed); without it, the seats warning counts only the file's. */
  grantedLicenseCount?(methodologyId: string): number;
}

export type RowOutcome = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface RejectedRow {
  /** 1-based line of the record in the file, the header being row 1 when there is one. */
  row: number;
  cells: string[];
  problems: CellProblem[];
}

export type ImportWarningCode = 'custom_fields_visible' | 'new_custom_field' | 'status_not_applied' | 'seats_exceeded' | 'unmatched_users' | 'mixed_actions';

export interface ImportWarning {
  code: ImportWarningCode;
  /** The DOMAIN.md rule behind it, if any. */
  rule: string | null;
  message: string;
}

export type BulkAction = 'deactivate' | 'reactivate' | 'delete';

/**
 * Values of one enumerated field that Offboard does not know (after the known words of other
 * platforms): the import preview asks the admin what each one means, or whether to reject its rows.
 */
export interface UnknownValues {
  /** The field, as in the mapping's targets (`status`, `custom.department`). */
  target: string;
  /** What the field accepts. */
  allowed: readonly string[];
  values: UnknownValue[];
  /** Distinct values past the ones listed: their rows are rejected; a file with that many is likely mis-mapped. */
  moreValues: number;
}

export interface UnknownValue {
  /** The value as first seen in the file. */
  value: string;
  /** The value as compared (`normalizeValueWord`): the key of the admin's answer. */
  key: string;
  /** How many rows have it. */
  rows: number;
  /** The admin's answer so far: null when they chose to reject these rows, undefined when not asked yet. */
  answer: string | null | undefined;
}

/** Distinct unknown values listed per field: enough for a platform's vocabulary, not for a free-text column mapped by mistake. */
export const UNKNOWN_VALUES_LISTED = 50;

export interface FileCheck {
  fileName: string;
  kind: ImportKind;
  rowCount: number;
  counts: Record<RowOutcome, number>;
  warnings: ImportWarning[];
  /** The first rejected rows with their problems; every one is in the rejected-rows download. */
  rejectedSample: RejectedRow[];
  /** F6: the users a bulk-action file names, by action (ids, found on the roster). */
  bulkActions?: Partial<Record<BulkAction, string[]>>;
  /** F6: entries that match nobody. */
  unmatchedEntries?: string[];
  /** Users whose status the file changes: applied only through a plan, never by the import itself. */
  statusChanges?: { deactivate: string[]; reactivate: string[] };
  /** Custom fields the file uses that the organization does not define yet (created, free text). */
  newCustomFields?: string[];
  /** Values of enumerated fields that need the admin's answer (their rows are rejected until then). */
  unknownValues: UnknownValues[];
}

export const REJECTED_SAMPLE_SIZE = 200;
const UNMATCHED_LIST_LIMIT = 200;

interface UserRowState {
  row: number;
  id: string;
  managerId: string | null;
  outcome: Exclude<RowOutcome, 'rejected'>;
  isNew: boolean;
  /** The status the file gives an existing user, when it differs: reported, never applied. */
  statusChange: 'deactivate' | 'reactivate' | null;
}

/** Which rows were rejected and why: what the write pass and the rejected-rows download need. */
export interface RejectedRows {
  problemsOf(row: number): CellProblem[] | undefined;
  readonly size: number;
}

/** Checks one file, row by row. Make one per file; files of an import are checked users first. */
export class FileChecker implements RejectedRows {
  private counts: Record<RowOutcome, number> = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  private rejected = new Map<number, CellProblem[]>();
  private rejectedSample: RejectedRow[] = [];
  private sampleLatestRow = 0;
  private rowCount = 0;
  private warnings: ImportWarning[] = [];
  private idsSeen = new Map<string, number>();
  private emailsSeen = new Map<string, number>();
  private pairsSeen = new Map<string, number>();
  private userRows: UserRowState[] = [];
  private customFieldNames: Set<string>;
  private newCustomFields = new Set<string>();
  private bulk: Record<BulkAction, string[]> = { deactivate: [], reactivate: [], delete: [] };
  private unmatched: string[] = [];
  private unmatchedCount = 0;
  private licensesAdded = new Map<string, number>();
  private translateValues: ValueTranslator;
  private unknownValues = new Map<string, { values: Map<string, { value: string; rows: number }>; more: Set<string> }>();
  /** Rows rejected before the manager checks that name a manager: whether that manager exists is said too. */
  private rejectedManagerRefs: { row: number; managerId: string }[] = [];

  constructor(
    readonly fileName: string,
    readonly mapping: ColumnMapping,
    private readonly roster: ImportRosterView,
    /** Records other files of the same import add, so a memberships file may name users the users file creates. */
    private readonly sameImport: ImportedKeys = new ImportedKeys(),
  ) {
    this.customFieldNames = new Set(roster.customFields.map((f) => f.name));
    this.translateValues = valueTranslatorOf(mapping, roster.customFields);
  }

  get size(): number {
    return this.rejected.size;
  }

  problemsOf(row: number): CellProblem[] | undefined {
    return this.rejected.get(row);
  }

  /** Checks one row; `row` is its 1-based line in the file. */
  addRow(row: number, cells: readonly string[]): void {
    // A row of empty cells is what a spreadsheet saves for a formatted but unused line: nothing to import.
    if (cells.every((cell) => cell.trim() === '')) return;
    this.rowCount++;
    // Every check runs on every row, so that the admin sees all that is wrong with a row at once.
    const problems: CellProblem[] = [];
    if (isRaggedRow(this.mapping, cells)) {
      problems.push({
        column: null,
        code: 'ragged_row',
        message: `This row has ${cells.length} cells where the ${this.mapping.hasHeader ? 'header has' : 'first row has'} ${this.mapping.targets.length}: a missing delimiter, or a comma inside an unquoted cell?`,
      });
    }
    const fields = mapCells(this.mapping, cells);
    this.translateValues(fields, (target, cell) => this.noteUnknownValue(target, cell));
    const kind = this.mapping.kind;
    if (kind === 'custom_fields') this.checkCustomFieldRow(row, fields, problems);
    else if (kind === 'user_list') this.checkUserListRow(row, fields, problems);
    else this.checkRecordRow(kind, row, fields, problems);
    if (problems.length > 0) this.reject(row, cells, problems);
  }

  private noteUnknownValue(target: string, cell: string): void {
    let entry = this.unknownValues.get(target);
    if (!entry) this.unknownValues.set(target, (entry = { values: new Map(), more: new Set() }));
    const key = normalizeValueWord(cell);
    const seen = entry.values.get(key);
    if (seen) seen.rows++;
    else if (entry.values.size < UNKNOWN_VALUES_LISTED) entry.values.set(key, { value: cell.trim(), rows: 1 });
    else if (entry.more.size < 10_000) entry.more.add(key);
  }

  private unknownValuesFound(): UnknownValues[] {
    return [...this.unknownValues].map(([target, entry]) => ({
      target,
      allowed: vocabularyOf(this.mapping.kind, target, this.roster.customFields)?.allowed ?? [],
      values: [...entry.values].map(([key, { value, rows }]) => ({ value, key, rows, answer: this.mapping.values?.[target]?.[key] })),
      moreValues: entry.more.size,
    }));
  }

  /** Ends the file: the checks that need every row (unknown managers, manager cycles), then the summary. */
  finish(): FileCheck {
    if (this.mapping.kind === 'users') {
      this.checkManagers();
    }
    if (this.mapping.kind === 'users') {
      for (const state of this.userRows) if (!this.rejected.has(state.row)) this.sameImport.addUser(state.id);
    }
    const check: FileCheck = {
      fileName: this.fileName,
      kind: this.mapping.kind,
      rowCount: this.rowCount,
      counts: { ...this.counts, rejected: this.rejected.size },
      warnings: [...this.warnings, ...this.finalWarnings()],
      rejectedSample: this.rejectedSample.sort((a, b) => a.row - b.row).slice(0, REJECTED_SAMPLE_SIZE),
      unknownValues: this.unknownValuesFound(),
    };
    if (this.mapping.kind === 'user_list') {
      check.bulkActions = Object.fromEntries(Object.entries(this.bulk).filter(([, ids]) => ids.length > 0));
      check.unmatchedEntries = this.unmatched;
    }
    if (this.mapping.kind === 'users') {
      check.statusChanges = this.statusChanges();
      check.newCustomFields = [...this.newCustomFields];
    }
    if (this.mapping.kind === 'custom_fields') check.newCustomFields = [...this.newCustomFields];
    return check;
  }

  private reject(row: number, cells: readonly string[], problems: CellProblem[]): void {
    const earlier = this.rejected.get(row);
    // The sample, if it holds the row, shares this array.
    if (earlier) {
      earlier.push(...problems);
      return;
    }
    const own = [...problems];
    this.rejected.set(row, own);
    this.addToSample({ row, cells: [...cells], problems: own });
  }

  /** Keeps the earliest rejected rows: the manager checks at the end reject rows above those already kept. */
  private addToSample(entry: RejectedRow): void {
    const sample = this.rejectedSample;
    if (sample.length < REJECTED_SAMPLE_SIZE) {
      sample.push(entry);
      this.sampleLatestRow = Math.max(this.sampleLatestRow, entry.row);
      return;
    }
    if (entry.row >= this.sampleLatestRow) return;
    sample[sample.findIndex((r) => r.row === this.sampleLatestRow)] = entry;
    this.sampleLatestRow = sample.reduce((latest, r) => Math.max(latest, r.row), 0);
  }

  private statusChanges(): { deactivate: string[]; reactivate: string[] } {
    const changes = { deactivate: [] as string[], reactivate: [] as string[] };
    for (const state of this.userRows) if (state.statusChange && !this.rejected.has(state.row)) changes[state.statusChange].push(state.id);
    return changes;
  }

  private count(outcome: Exclude<RowOutcome, 'rejected'>): void {
    this.counts[outcome]++;
  }

  /** The file's custom field columns with their definitions (undefined: a field the organization lacks), found once per file. */
  private customColumns: { column: string; name: string; definition: CustomFieldDefinition | undefined }[] | null = null;

  private noteCustomFields(fields: Readonly<Record<string, string>>, problems: CellProblem[]): void {
    this.customColumns ??= [...new Set(this.mapping.targets)]
      .filter((target): target is string => target !== null && target.startsWith(CUSTOM_FIELD_PREFIX))
      .map((column) => {
        const name = column.slice(CUSTOM_FIELD_PREFIX.length);
        return { column, name, definition: this.roster.customFields.find((f) => f.name === name) };
      });
    for (const { column, name, definition } of this.customColumns) {
      const value = fields[column];
      if (value === undefined) continue;
      if (!definition) {
        if (!this.customFieldNames.has(name)) this.newCustomFields.add(name);
        continue;
      }
      const trimmed = value.trim();
      if (trimmed !== '' && definition.allowedValues.length > 0 && !definition.allowedValues.includes(trimmed)) {
        problems.push({ column, code: 'invalid_value', message: `${definition.label} must be one of ${definition.allowedValues.join(', ')}, not "${trimmed}".` });
      }
    }
  }

  private checkRecordRow(kind: CsvKind, row: number, fields: Record<string, string>, problems: CellProblem[]): void {
    const read = readRow(kind, fields);
    problems.push(...read.problems);
    if (kind === 'users') this.noteCustomFields(fields, problems);
    switch (kind) {
      case 'users':
        return this.checkUser(row, read.record as User, fields, problems);
      case 'communities':
        return this.checkCommunity(row, read.record as Community, problems);
      case 'methodologies':
        return this.checkMethodology(row, read.record as Methodology, problems);
      case 'memberships': {
        const m = read.record as CsvRecordOf['memberships'];
        this.requireUser(m.userId, 'user_id', problems);
        this.requireCommunity(m.communityId, problems);
        this.once([m.userId, m.communityId], row, problems, 'This user is already given this community');
        if (problems.length === 0) this.count(this.roster.communityIdsOf(m.userId).includes(m.communityId) ? 'unchanged' : 'created');
        return;
      }
      case 'licenses': {
        const l = read.record as LicenseGrant;
        this.requireUser(l.userId, 'user_id', problems);
        if (l.methodologyId !== '' && !this.roster.methodologies.some((m) => m.id === l.methodologyId) && !this.sameImport.hasMethodology(l.methodologyId)) {
          problems.push({ column: 'methodology_id', code: 'unknown_reference', message: `No methodology ${l.methodologyId} on this roster or in this import.` });
        }
        this.once([l.userId, l.methodologyId], row, problems, 'This user is already given a license of this methodology');
        if (problems.length > 0) return;
        const existing = this.roster.licensesOf(l.userId).find((x) => x.methodologyId === l.methodologyId);
        this.count(!existing ? 'created' : existing.state === l.state ? 'unchanged' : 'updated');
        if (!existing) this.licensesAdded.set(l.methodologyId, (this.licensesAdded.get(l.methodologyId) ?? 0) + 1);
        return;
      }
      case 'assignments':
      case 'certificates': {
        const record = read.record as { id: string; userId: string; communityId?: string };
        this.requireUser(record.userId, 'user_id', problems);
        if (record.communityId !== undefined) this.requireCommunity(record.communityId, problems);
        this.once([record.id], row, problems, 'Another row has this id');
        // Whether the record is new or replaces one is known when it is written: these tables are not in memory.
        if (problems.length === 0) this.count('created');
        return;
      }
      case 'completions': {
        const c = read.record as CsvRecordOf['completions'];
        this.requireUser(c.userId, 'user_id', problems);
        this.requireCommunity(c.communityId, problems);
        this.once([c.userId, c.courseId, c.communityId], row, problems, 'Another row records this completion');
        if (problems.length === 0) this.count('created');
        return;
      }
    }
  }

  /**
   * Claims a key for this row, or says which row has it already (a later row with the same key is a
   * duplicate of the first). A key with a blank part claims nothing: that blank is a problem of its own.
   */
  private once(parts: readonly string[], row: number, problems: CellProblem[], what: string): void {
    if (parts.some((part) => part === '')) return;
    // Ids that differ only in case name the same thing to a person reading a spreadsheet.
    const key = parts.join('\u0000').toLowerCase();
    const first = this.pairsSeen.get(key);
    if (first !== undefined) problems.push({ column: null, code: 'duplicate_id', message: `${what}: row ${first}.` });
    else this.pairsSeen.set(key, row);
  }

  private requireUser(id: string, column: string, problems: CellProblem[]): void {
    if (id === '') return;
    if (!this.roster.userById(id) && !this.sameImport.hasUser(id)) {
      problems.push({ column, code: 'unknown_reference', message: `No user ${id} on this roster or in this import.` });
    }
  }

  private requireCommunity(id: string, problems: CellProblem[]): void {
    if (id === '') return;
    if (!this.roster.communities.some((c) => c.id === id) && !this.sameImport.hasCommunity(id)) {
      problems.push({ column: 'community_id', code: 'unknown_reference', message: `No community ${id} on this roster or in this import.` });
    }
  }

  private checkUser(row: number, user: User, fields: Readonly<Record<string, string>>, problems: CellProblem[]): void {
    const idKey = user.id.toLowerCase();
    const firstWithId = idKey === '' ? undefined : this.idsSeen.get(idKey);
    if (firstWithId !== undefined) problems.push({ column: 'id', code: 'duplicate_id', message: `Row ${firstWithId} has the same id, ${user.id} (ignoring case).` });
    const rosterId = idKey === '' ? undefined : this.roster.userById(user.id) ? user.id : this.roster.userIdIgnoringCase?.(user.id);
    if (rosterId !== undefined && rosterId !== user.id) {
      problems.push({ column: 'id', code: 'duplicate_id', message: `The roster has user ${rosterId}: an id that differs only in case would make two users no one can tell apart.` });
    }
    const email = user.email.toLowerCase();
    const firstWithEmail = email === '' ? undefined : this.emailsSeen.get(email);
    if (firstWithEmail !== undefined) problems.push({ column: 'email', code: 'duplicate_email', message: `Row ${firstWithEmail} has the same email (ignoring case).` });
    const holder = email === '' ? undefined : this.roster.userIdByEmail(user.email);
    if (holder !== undefined && holder !== user.id) {
      problems.push({ column: 'email', code: 'duplicate_email', message: `${user.email} belongs to user ${holder} on this roster.` });
    }
    if (user.managerId !== null && user.managerId === user.id) problems.push({ column: 'manager_id', code: 'self_manager', message: 'A user cannot be their own manager.' });
    if (problems.length > 0) {
      // Whether the manager exists is known once every row is in (a manager may come later in the file).
      if (user.managerId !== null && user.managerId !== user.id) this.rejectedManagerRefs.push({ row, managerId: user.managerId });
      return;
    }
    // Only a row that stands claims its id and email: a row rejected for taking another user's email
    // must not get that user's own row rejected as its duplicate.
    this.idsSeen.set(idKey, row);
    this.emailsSeen.set(email, row);

    const existing = this.roster.userById(user.id);
    let outcome: Exclude<RowOutcome, 'rejected'> = 'created';
    let statusChange: UserRowState['statusChange'] = null;
    if (existing) {
      const merged = mergeUserFields(existing, user, fields);
      outcome = sameUser(existing, merged) ? 'unchanged' : 'updated';
      // Status is a lifecycle change with consequences (A3, A7, A8, F9…): only a plan makes it.
      if ('status' in fields && fields['status']!.trim() !== '' && user.status !== existing.status) {
        statusChange = user.status === 'inactive' ? 'deactivate' : 'reactivate';
      }
    }
    const managerId = 'manager_id' in fields ? user.managerId : (existing?.managerId ?? null);
    this.userRows.push({ row, id: user.id, managerId, outcome, isNew: !existing, statusChange });
    this.count(outcome);
  }

  /**
   * Unknown managers and cycles, once every row is in: a manager may come later in the file. Rejecting
   * a new user leaves the rows they manage without a manager, and rejecting an existing user's row puts
   * back their roster manager, which may close a cycle: so this repeats until nothing changes. Each
   * round is linear in the rows; the rows a rejection affects are found through `reportsOf`.
   */
  private checkManagers(): void {
    const fileRows = new Map<string, UserRowState>();
    const reportsOf = new Map<string, UserRowState[]>();
    for (const state of this.userRows) {
      fileRows.set(state.id, state);
      if (state.managerId === null) continue;
      const reports = reportsOf.get(state.managerId);
      if (reports) reports.push(state);
      else reportsOf.set(state.managerId, [state]);
    }
    const isRejected = (state: UserRowState) => this.rejected.has(state.row);
    const isKnown = (id: string) => {
      const state = fileRows.get(id);
      if (state) return !isRejected(state) || !state.isNew;
      return this.roster.userById(id) !== undefined || this.sameImport.hasUser(id);
    };
    const managerOf = (id: string): string | null => {
      const state = fileRows.get(id);
      if (state && !isRejected(state)) return state.managerId;
      return this.roster.userById(id)?.managerId ?? null;
    };
    const toCheck: UserRowState[] = [];
    const recheckReportsOf = (id: string) => {
      if (isKnown(id)) return;
      for (const report of reportsOf.get(id) ?? []) toCheck.push(report);
    };
    for (const state of this.userRows) if (state.managerId !== null) toCheck.push(state);

    for (let changed = true; changed; ) {
      changed = false;
      while (toCheck.length > 0) {
        const state = toCheck.pop()!;
        if (isRejected(state) || state.managerId === null || isKnown(state.managerId)) continue;
        this.rejectUserRow(state, { column: 'manager_id', code: 'unknown_reference', message: unknownManagerMessage(state.managerId) });
        recheckReportsOf(state.id);
      }
      // A cycle: walking up from a row comes back to it. Each id is walked once per round.
      const done = new Set<string>();
      for (const state of this.userRows) {
        if (isRejected(state) || done.has(state.id)) continue;
        const path: string[] = [];
        const onPath = new Set<string>();
        let at: string | null = state.id;
        while (at !== null && !done.has(at) && !onPath.has(at)) {
          path.push(at);
          onPath.add(at);
          at = managerOf(at);
        }
        for (const id of path) done.add(id);
        if (at === null || !onPath.has(at)) continue;
        const cycle = path.slice(path.indexOf(at));
        const message = `Manager cycle: ${[...cycle, at].join(' → ')}.`;
        for (const id of cycle) {
          const member = fileRows.get(id);
          if (!member || isRejected(member)) continue;
          this.rejectUserRow(member, { column: 'manager_id', code: 'manager_cycle', message });
          changed = true;
        }
        for (const id of cycle) recheckReportsOf(id);
      }
      if (toCheck.length > 0) changed = true;
    }
    for (const { row, managerId } of this.rejectedManagerRefs) {
      if (!isKnown(managerId)) this.reject(row, [], [{ column: 'manager_id', code: 'unknown_reference', message: unknownManagerMessage(managerId) }]);
    }
  }

  private rejectUserRow(state: UserRowState, problem: CellProblem): void {
    this.counts[state.outcome]--;
    this.reject(state.row, [], [problem]);
  }

  private checkCommunity(row: number, community: Community, problems: CellProblem[]): void {
    this.once([community.id], row, problems, 'Another row has this id');
    for (const adminId of community.adminIds) this.requireUser(adminId, 'admin_ids', problems);
    const existing = this.roster.communities.find((c) => c.id === community.id);
    const otherGlobal = this.roster.communities.find((c) => c.global && c.id !== community.id);
    if (community.global && (otherGlobal || this.sameImport.globalCommunity(community.id))) {
      problems.push({ column: 'global', code: 'invalid_value', message: `${otherGlobal?.id ?? this.sameImport.globalCommunity(community.id)} is already the global community: an organization has exactly one.` });
    }
    if (existing?.global && !community.global) {
      problems.push({ column: 'global', code: 'invalid_value', message: `${community.id} is the global community: make another one global first.` });
    }
    if (problems.length > 0) return;
    if (community.global) this.sameImport.setGlobalCommunity(community.id);
    this.sameImport.addCommunity(community.id);
    this.count(!existing ? 'created' : sameCommunity(existing, community) ? 'unchanged' : 'updated');
  }

  private checkMethodology(row: number, methodology: Methodology, problems: CellProblem[]): void {
    this.once([methodology.id], row, problems, 'Another row has this id');
    if (problems.length > 0) return;
    const existing = this.roster.methodologies.find((m) => m.id === methodology.id);
    this.sameImport.addMethodology(methodology.id);
    this.count(!existing ? 'created' : sameMethodology(existing, methodology) ? 'unchanged' : 'updated');
  }

  private checkCustomFieldRow(row: number, fields: Readonly<Record<string, string>>, problems: CellProblem[]): void {
    const { user } = this.findUser(fields, problems);
    this.noteCustomFields(fields, problems);
    if (!user) return;
    this.once([user.id], row, problems, 'Another row is about the same user');
    if (problems.length > 0) return;
    this.count(Object.keys(customFieldChanges(user, fields)).length > 0 ? 'updated' : 'unchanged');
  }

  private checkUserListRow(row: number, fields: Readonly<Record<string, string>>, problems: CellProblem[]): void {
    const actionText = (fields['action'] ?? '').trim();
    const actions = fixedVocabularyOf('user_list', 'action')!;
    const action = actionText === '' ? 'deactivate' : (actions.canonical(actionText) as BulkAction | null);
    if (!action) problems.push({ column: 'action', code: 'invalid_value', message: `action must be ${formatList(actions.allowed, 'or')}, not "${actionText}".` });
    const { user, isUnmatched } = this.findUser(fields, problems);
    if (!user) {
      const entry = (fields['id'] ?? '').trim() || (fields['email'] ?? '').trim();
      if (isUnmatched && entry !== '') {
        this.unmatchedCount++;
        if (this.unmatched.length < UNMATCHED_LIST_LIMIT) this.unmatched.push(entry);
      }
      return;
    }
    this.once([user.id], row, problems, 'Another row names the same user');
    if (problems.length > 0) return;
    this.bulk[action!].push(user.id);
    this.count('unchanged');
  }

  /**
   * The roster user a change-via-upload or bulk-action row names, by id or by email; `isUnmatched` when
   * the row names nobody (as opposed to naming no one at all, or two different users).
   */
  private findUser(fields: Readonly<Record<string, string>>, problems: CellProblem[]): { user: User | undefined; isUnmatched: boolean } {
    const id = (fields['id'] ?? '').trim();
    const email = (fields['email'] ?? '').trim();
    if (id === '' && email === '') {
      problems.push({ column: null, code: 'required', message: 'Give the user’s id or email.' });
      return { user: undefined, isUnmatched: false };
    }
    const byId = id !== '' ? this.roster.userById(id) : undefined;
    const byEmailId = email !== '' ? this.roster.userIdByEmail(email) : undefined;
    if (id !== '' && email !== '' && byId && byEmailId !== undefined && byEmailId !== byId.id) {
      problems.push({ column: 'email', code: 'unknown_user', message: `Id ${id} and email ${email} are two different users.` });
      return { user: undefined, isUnmatched: false };
    }
    const user = byId ?? (byEmailId !== undefined ? this.roster.userById(byEmailId) : undefined);
    if (!user) {
      if (email !== '' && !isValidEmail(email) && id === '') problems.push({ column: 'email', code: 'invalid_email', message: `"${email}" is not an email address.` });
      problems.push({ column: id !== '' ? 'id' : 'email', code: 'unknown_user', message: `No user ${id || email} on this roster.` });
    }
    return { user, isUnmatched: !user };
  }

  private finalWarnings(): ImportWarning[] {
    const warnings: ImportWarning[] = [];
    const kind = this.mapping.kind;
    const setsCustomFields = kind === 'custom_fields' || (kind === 'users' && this.mapping.targets.some((t) => t?.startsWith(CUSTOM_FIELD_PREFIX)));
    if (setsCustomFields) {
      warnings.push({
        code: 'custom_fields_visible',
        rule: 'A15',
        message: 'Custom fields are visible to every admin and to the users’ managers: do not put anything in them that those people should not see.',
      });
    }
    if (this.newCustomFields.size > 0) {
      warnings.push({
        code: 'new_custom_field',
        rule: 'A13',
        message: `The organization has no custom ${pluralWord(this.newCustomFields.size, 'field')} ${formatList([...this.newCustomFields])}: ${pluralWord(this.newCustomFields.size, 'it', 'they')} will be created (free text).`,
      });
    }
    const { deactivate, reactivate } = kind === 'users' ? this.statusChanges() : { deactivate: [], reactivate: [] };
    if (deactivate.length + reactivate.length > 0) {
      warnings.push({
        code: 'status_not_applied',
        rule: 'A6',
        message: `The file changes the status of ${deactivate.length + reactivate.length} existing users. An import never deactivates or reactivates anyone: after it, review a plan for them.`,
      });
    }
    for (const [methodologyId, added] of this.licensesAdded) {
      const methodology = this.roster.methodologies.find((m) => m.id === methodologyId);
      // A10: reserved and consumed licenses both hold a seat of the pool, those already granted included.
      const granted = this.roster.grantedLicenseCount?.(methodologyId) ?? 0;
      if (methodology && methodology.model === 'seat' && granted + added > methodology.seats) {
        warnings.push({
          code: 'seats_exceeded',
          rule: 'A10',
          message: `${added} new ${methodology.name} licenses${granted > 0 ? ` and ${granted} already granted` : ''} for a pool of ${methodology.seats} seats.`,
        });
      }
    }
    if (kind === 'user_list') {
      if (this.unmatchedCount > 0) {
        warnings.push({ code: 'unmatched_users', rule: 'F6', message: `${plural(this.unmatchedCount, 'entry matches', 'entries match')} nobody on this roster.` });
      }
      const actions = Object.entries(this.bulk).filter(([, ids]) => ids.length > 0);
      if (actions.length > 1) {
        warnings.push({ code: 'mixed_actions', rule: 'F6', message: `The file asks for ${actions.map(([a, ids]) => `${a} ${ids.length}`).join(', ')}: each gets a plan of its own.` });
      }
    }
    return warnings;
  }
}

function unknownManagerMessage(managerId: string): string {
  return `No user ${managerId} on this roster or in this file to be the manager.`;
}

/** The keys the files of one import add, so that a later file may refer to them. */
export class ImportedKeys {
  private users = new Set<string>();
  private communities = new Set<string>();
  private methodologies = new Set<string>();
  private global: string | null = null;

  addUser(id: string): void {
    this.users.add(id);
  }
  hasUser(id: string): boolean {
    return this.users.has(id);
  }
  addCommunity(id: string): void {
    this.communities.add(id);
  }
  hasCommunity(id: string): boolean {
    return this.communities.has(id);
  }
  addMethodology(id: string): void {
    this.methodologies.add(id);
  }
  hasMethodology(id: string): boolean {
    return this.methodologies.has(id);
  }
  /** The global community this import sets, other than `exceptId`, if any. */
  globalCommunity(exceptId: string): string | null {
    return this.global !== null && this.global !== exceptId ? this.global : null;
  }
  setGlobalCommunity(id: string): void {
    this.global = id;
  }
}

/** Files of one import in the order their references need: users, then what refers to them. */
export const IMPORT_ORDER: readonly ImportKind[] = ['users', 'methodologies', 'communities', 'memberships', 'licenses', 'assignments', 'completions', 'certificates', 'custom_fields', 'user_list'];

/**
 * An existing user with the file's values for the columns the file has. Columns the file lacks (a
 * mapped file with fewer columns) keep their values; a blank custom-field cell clears that field in a
 * users file. Status is never taken from an import for an existing user (see `statusChanges`).
 */
export function mergeUserFields(existing: User, fromFile: User, fields: Readonly<Record<string, string>>): User {
  const merged: User = { ...existing, customFields: { ...existing.customFields } };
  if ('email' in fields) merged.email = fromFile.email;
  if ('first_name' in fields) merged.firstName = fromFile.firstName;
  if ('last_name' in fields) merged.lastName = fromFile.lastName;
  if ('manager_id' in fields) merged.managerId = fromFile.managerId;
  if ('last_login_at' in fields) merged.lastLoginAt = fromFile.lastLoginAt;
  if ('created_at' in fields && fromFile.createdAt !== '') merged.createdAt = fromFile.createdAt;
  for (const column of Object.keys(fields)) {
    if (!column.startsWith(CUSTOM_FIELD_PREFIX)) continue;
    const name = column.slice(CUSTOM_FIELD_PREFIX.length);
    const value = fromFile.customFields[name];
    if (value === undefined) delete merged.customFields[name];
    else merged.customFields[name] = value;
  }
  return merged;
}

/** A13: the custom fields a change-via-upload row sets; blank cells leave values as they are. */
export function customFieldChanges(user: User, fields: Readonly<Record<string, string>>): Record<string, string> {
  const changes: Record<string, string> = {};
  for (const [column, raw] of Object.entries(fields)) {
    if (!column.startsWith(CUSTOM_FIELD_PREFIX)) continue;
    const value = raw.trim();
    const name = column.slice(CUSTOM_FIELD_PREFIX.length);
    if (value !== '' && user.customFields[name] !== value) changes[name] = value;
  }
  return changes;
}

function sameCommunity(a: Community, b: Community): boolean {
  // The order of admins says nothing: a file listing them in another order changes nothing.
  const adminsOf = (c: Community) => [...new Set(c.adminIds)].sort();
  return a.name === b.name && a.global === b.global && sameJson(adminsOf(a), adminsOf(b));
}

function sameMethodology(a: Methodology, b: Methodology): boolean {
  return a.name === b.name && a.model === b.model && a.seats === b.seats;
}

export function sameUser(a: User, b: User): boolean {
  return (
    a.email === b.email &&
    a.firstName === b.firstName &&
    a.lastName === b.lastName &&
    a.managerId === b.managerId &&
    a.lastLoginAt === b.lastLoginAt &&
    a.createdAt === b.createdAt &&
    sameJson(sortedEntries(a.customFields), sortedEntries(b.customFields))
  );
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
