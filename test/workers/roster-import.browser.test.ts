import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRosterWorker, type RosterWorker } from '../../src/app/roster-worker-client.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';
import { proxy } from 'comlink';
import type { ImportCheckView, ImportFileView, ImportResult } from '../../workers/roster-import.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { storedUser, storedUsersById } from '../db/stored-roster.ts';
import { readAuditEntries } from '../../src/db/audit-log.ts';
import { readOutbox } from '../../src/db/outbox-records.ts';

const FIXTURE_URLS = import.meta.glob<string>('../fixtures/csv/*.{csv,tsv}', { query: '?url', import: 'default', eager: true });

async function fixtureFile(name: string): Promise<File> {
  const url = FIXTURE_URLS[`../fixtures/csv/${name}`];
  if (!url) throw new Error(`no fixture ${name}`);
  return new File([await (await fetch(url)).blob()], name, { type: 'text/csv' });
}

function csvFile(name: string, lines: string[]): File {
  return new File([lines.join('\r\n') + '\r\n'], name, { type: 'text/csv' });
}

async function countOf(worker: RosterWorker, filter: Partial<typeof EMPTY_FILTER> = {}): Promise<number> {
  return (await worker.query({ ...EMPTY_FILTER, ...filter })).count;
}

async function inspectAndCheck(worker: RosterWorker, files: File[]): Promise<{ views: ImportFileView[]; check: ImportCheckView }> {
  const views = await worker.inspectImportFiles(files);
  const choices = views.map((v) => ({ fileId: v.fileId, mapping: v.mapping ?? v.guess, remember: false }));
  const check = await worker.checkImport(crypto.randomUUID(), choices);
  return { views, check };
}

/** Starts writing a checked import and cancels it once `rows` rows were read: an import cut short. */
async function writeThenCancel(worker: RosterWorker, importId: string, rows: number): Promise<ImportResult> {
  const readId = crypto.randomUUID();
  let isCancelled = false;
  return worker.writeImport(
    readId,
    importId,
    {},
    proxy((progress: { rowsRead: number }) => {
      if (!isCancelled && progress.rowsRead > rows) {
        isCancelled = true;
        void worker.cancelCsvRead(readId);
      }
    }),
  );
}

/** The worker's database, opened beside it (its roster read through the store, as the worker lays it out). */
async function rawDatabase(name: string): Promise<OffboardDatabase> {
  const db = new OffboardDatabase(name);
  await db.open();
  return db;
}

describe('importing CSV files in the worker', () => {
  const databaseName = `import-${crypto.randomUUID()}`;
  const worker = startRosterWorker(databaseName);

  beforeAll(async () => {
    await worker.open();
    await worker.loadDemo(1_000);
  });
  afterAll(async () => {
    await worker.clear();
  });

  it('checks every row of a users file, writes nothing until confirmed, then creates and updates exactly the valid rows', async () => {
    const before = await countOf(worker);
    const db = await rawDatabase(databaseName);
    const outboxBefore = await db.table('outbox').count();
    const { views, check } = await inspectAndCheck(worker, [await fixtureFile('users.csv')]);
    expect(views[0]).toMatchObject({ problem: null, mapping: { kind: 'users', hasHeader: true } });
    const file = check.files[0]!;
    expect(file.counts).toMatchObject({ created: 2, updated: 3 });
    expect(file.counts.rejected).toBeGreaterThanOrEqual(9);
    const problems = file.rejectedSample.flatMap((r) => r.problems.map((p) => p.code));
    expect(problems).toEqual(expect.arrayContaining(['invalid_email', 'invalid_status', 'duplicate_id', 'duplicate_email', 'manager_cycle', 'unknown_reference', 'self_manager', 'invalid_time']));
    expect(file.warnings.map((w) => w.rule)).toContain('A15');
    // Nothing written by the check.
    expect(await countOf(worker)).toBe(before);
    expect(await db.table('outbox').count()).toBe(outboxBefore);

    const result = await worker.writeImport(crypto.randomUUID(), check.importId, {});
    expect(result).toMatchObject({ created: 2, updated: 3, failure: null, isCancelled: false });
    expect(result.notice).toMatch(/Import processed: 2 created, 3 updated, \d+ rejected/);
    expect(await countOf(worker)).toBe(before + 2);
    const n2 = (await storedUser(db, 'N0000002'))!;
    expect(n2.managerId).toBe('N0000001');
    expect(await countOf(worker, { customField: { name: 'offboard', value: 'wave-3' } })).toBeGreaterThanOrEqual(3);
    const operations = (await readOutbox(db)).flatMap((o) => (o.kind === 'import' ? [o] : []));
    expect(operations.length).toBe(1);
    // The bundles as they were of the users it updated, and the ids of those it created: what an undo needs.
    expect(operations[0]!.before!.bundles.map((b) => b.id).sort()).toEqual(['U0000005', 'U0000006', 'U0000007']);
    expect(operations[0]!.before!.createdUserIds.sort()).toEqual(['N0000001', 'N0000002']);
    // The users as imported travel with the operation: what reaches the server is the import itself.
    const { args } = operations[0]!;
    expect(args).toMatchObject({ recordKind: 'users', presentColumns: expect.arrayContaining(['id', 'email']) });
    expect((args.recordKind === 'users' ? args.rows : []).map((u) => u.id)).toEqual(expect.arrayContaining(['N0000001', 'N0000002', 'U0000005', 'U0000006', 'U0000007']));
    expect(await db.table('meta').get('pendingImport')).toBeUndefined();
    db.close();
  });

  it('gives the rejected rows back as CSV with an error column', async () => {
    const { check } = await inspectAndCheck(worker, [await fixtureFile('users.csv')]);
    const blob = await worker.rejectedRowsCsv(check.importId, check.files[0]!.fileId);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(await blob.arrayBuffer()));
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0]!.endsWith(',error')).toBe(true);
    expect(lines.length - 1).toBe(check.files[0]!.counts.rejected);
    expect(text).toContain('retired');
  });

  it('A13/A16: a change via upload sets custom fields by id or email; blank cells leave values; the notice counts changed and rejected rows', async () => {
    const db = await rawDatabase(databaseName);
    const [u10, u11, u12] = await storedUsersById(db, ['U0000010', 'U0000011', 'U0000012']);
    const file = csvFile('wave-4.csv', ['id,email,custom.offboard,custom.region', 'U0000010,,wave-4,', `,${u11!.email.toUpperCase()},wave-4,`, 'U0000012,,,', 'U9999999,,wave-4,']);
    const { views, check } = await inspectAndCheck(worker, [file]);
    expect(views[0]!.mapping?.kind).toBe('custom_fields');
    expect(check.files[0]!.counts).toMatchObject({ updated: 2, unchanged: 1, rejected: 1 });
    expect(check.files[0]!.warnings.map((w) => w.code)).toContain('custom_fields_visible');
    const result = await worker.writeImport(crypto.randomUUID(), check.importId, {});
    expect(result.notice).toBe('Upload processed: 2 changed, 1 rejected.');
    const after = await storedUsersById(db, ['U0000010', 'U0000011', 'U0000012']);
    expect(after[0]!.customFields['offboard']).toBe('wave-4');
    expect(after[0]!.customFields['region']).toBe(u10!.customFields['region']);
    expect(after[1]!.fieldTags).toContain('offboard=wave-4');
    expect(after[2]!.customFields).toEqual(u12!.customFields);
    expect(await countOf(worker, { customField: { name: 'offboard', value: 'wave-4' } })).toBe(2);
    const audit = await readAuditEntries(db);
    expect(audit.some((e) => e.action === 'set_custom_field' && e.ruleId === 'A13')).toBe(true);
    db.close();
  });

  it('F6: a bulk-action file names users by id or email and changes nothing; entries matching nobody are listed', async () => {
    const db = await rawDatabase(databaseName);
    const u20 = (await storedUser(db, 'U0000020'))!;
    db.close();
    const file = csvFile('leavers.csv', ['email,action', `${u20.email.toUpperCase()},deactivate`, 'nobody@example.com,deactivate', `${u20.email},deactivate`]);
    const before = await countOf(worker, { status: 'active' });
    const { check } = await inspectAndCheck(worker, [file]);
    expect(check.files[0]!.kind).toBe('user_list');
    expect(check.files[0]!.bulkActions).toEqual({ deactivate: ['U0000020'] });
    expect(check.files[0]!.unmatchedEntries).toEqual(['nobody@example.com']);
    expect(check.hasChanges).toBe(false);
    expect(await countOf(worker, { status: 'active' })).toBe(before);
  });

  it('a memberships file may name users created by the users file of the same import', async () => {
    const users = csvFile('hires.csv', ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at', 'H0000001,hire.one@northwind.example,Hire,One,active,U0000002,,2026-11-01']);
    const memberships = csvFile('hire-communities.csv', ['user_id,community_id', 'H0000001,C-2']);
    const { check } = await inspectAndCheck(worker, [memberships, users]);
    expect(check.files.map((f) => f.kind)).toEqual(['users', 'memberships']);
    expect(check.files.every((f) => f.counts.rejected === 0)).toBe(true);
    await worker.writeImport(crypto.randomUUID(), check.importId, {});
    const detail = await worker.userDetail('H0000001');
    expect(detail?.communities.map((c) => c.id)).toContain('C-2');
    expect(await countOf(worker, { communityId: 'C-2', text: 'hire one' })).toBe(1);
  });

  it('remembers a column mapping for the next file of the same shape', async () => {
    const fuse = await fixtureFile('fuse-no-header.csv');
    const [first] = await worker.inspectImportFiles([fuse]);
    expect(first!.mapping).toBeNull();
    expect(first!.guess).toMatchObject({ hasHeader: false });
    const mapping = { kind: 'users' as const, hasHeader: false, targets: ['id', 'email', 'first_name', 'last_name'] };
    await worker.checkImport(crypto.randomUUID(), [{ fileId: first!.fileId, mapping, remember: true }]);
    const [again] = await worker.inspectImportFiles([fuse]);
    expect(again).toMatchObject({ isRemembered: true, mapping });
  });

  it('platform vocabularies: every kind’s file reads known words by itself and lists the others with their rows', async () => {
    const expected: Record<string, { target: string; values: [string, number][]; rejected: number }> = {
      // The last row has two unknown values: "on leave" and a department the organization does not have.
      'platform-users.csv': { target: 'status', values: [['On leave', 2]], rejected: 2 },
      'platform-assignments.csv': { target: 'status', values: [['On hold', 2], ['Waived', 1]], rejected: 3 },
      'platform-licenses.csv': { target: 'state', values: [['Expired', 1]], rejected: 1 },
      'platform-methodologies.csv': { target: 'model', values: [['Subscription', 1]], rejected: 1 },
      'platform-communities.csv': { target: 'global', values: [['Sometimes', 1]], rejected: 1 },
      'platform-bulk-actions.csv': { target: 'action', values: [['Archive', 1]], rejected: 1 },
    };
    for (const [name, { target, values, rejected }] of Object.entries(expected)) {
      const { check } = await inspectAndCheck(worker, [await fixtureFile(name)]);
      const file = check.files[0]!;
      const unknown = file.unknownValues.find((u) => u.target === target);
      expect(unknown?.values.map((v) => [v.value, v.rows]), name).toEqual(values);
      expect(file.counts.rejected, name).toBe(rejected);
      if (name === 'platform-users.csv') expect(file.unknownValues.map((u) => [u.target, u.values.map((v) => v.value)])).toEqual([['status', ['On leave']], ['custom.department', ['R&D']]]);
    }
  });

  it('the value mapping step: answers are applied to the check and the write, and remembered for the next file of the same shape', async () => {
    const file = await fixtureFile('platform-users.csv');
    const [view] = await worker.inspectImportFiles([file]);
    expect(view!.mapping).toBeNull();
    const mapping = { ...view!.guess, values: { status: { 'on leave': 'inactive' }, 'custom.department': { 'r&d': 'Operations' } } };
    expect(mapping.targets).toEqual(['id', 'email', 'first_name', 'last_name', 'status', 'manager_id', 'custom.department']);
    const check = await worker.checkImport(crypto.randomUUID(), [{ fileId: view!.fileId, mapping, remember: true }]);
    expect(check.files[0]!.counts).toMatchObject({ created: 7, rejected: 0 });
    expect(check.files[0]!.unknownValues).toEqual([]);
    await worker.writeImport(crypto.randomUUID(), check.importId, {});
    const statuses = await Promise.all(['N0000801', 'N0000802', 'N0000804', 'N0000805', 'N0000806'].map(async (id) => (await worker.userDetail(id))?.user.status));
    expect(statuses).toEqual(['active', 'active', 'inactive', 'inactive', 'inactive']);
    // A custom field's allowed value written as the organization spells it, whatever the file's case.
    expect((await worker.userDetail('N0000802'))?.user.customFields['department']).toBe('Sales');
    expect((await worker.userDetail('N0000807'))?.user.customFields['department']).toBe('Operations');

    const [again] = await worker.inspectImportFiles([file]);
    expect(again).toMatchObject({ isRemembered: true, mapping });
  });

  it('a canonical file keeps its own mapping and takes only the remembered answers for its values', async () => {
    const file = await fixtureFile('platform-assignments.csv');
    const [view] = await worker.inspectImportFiles([file]);
    expect(view).toMatchObject({ isRemembered: false, mappingReason: null, mapping: { kind: 'assignments', hasHeader: true } });
    const mapping = { ...view!.mapping!, values: { status: { 'on hold': 'in_progress', waived: null } } };
    const check = await worker.checkImport(crypto.randomUUID(), [{ fileId: view!.fileId, mapping, remember: true }]);
    expect(check.files[0]!.counts).toMatchObject({ created: 9, rejected: 1 });
    expect(check.files[0]!.unknownValues[0]!.values).toEqual([{ value: 'Waived', key: 'waived', rows: 1, answer: null }]);
    const [again] = await worker.inspectImportFiles([file]);
    expect(again).toMatchObject({ isRemembered: true, mapping });
  });

  it('a header naming a column twice is said, with the positions, and never as columns that are not Offboard’s own', async () => {
    const [view] = await worker.inspectImportFiles([await fixtureFile('duplicate-headers.csv')]);
    expect(view!.mapping).toBeNull();
    expect(view!.duplicateColumns).toEqual([{ name: 'email', positions: [2, 4, 6] }]);
    expect(view!.mappingReason).toBe('Choose which of the columns with the same name fills the field; the other is not imported.');
    expect(view!.guess.targets).toEqual(['id', 'email', 'first_name', null, 'last_name', null]);
  });

  it('a write cancelled part way stops at a chunk boundary; the import can be resumed and every row lands once', async () => {
    const lines = ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at'];
    for (let i = 1; i <= 30_000; i++) lines.push(`B${String(i).padStart(7, '0')},bulk.${i}@northwind.example,Bulk,Person ${i},active,U0000002,,2026-11-01`);
    const { check } = await inspectAndCheck(worker, [csvFile('bulk.csv', lines)]);
    expect(check.files[0]!.counts.created).toBe(30_000);
    const before = await countOf(worker);
    const first = await writeThenCancel(worker, check.importId, 5_000);
    expect(first.isCancelled).toBe(true);
    const pending = await worker.pendingImport();
    expect(pending?.fileNames).toEqual(['bulk.csv']);
    const written = (await countOf(worker)) - before;
    expect(written % 2_000).toBe(0);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(30_000);
    const resumed = await worker.resumeImport(crypto.randomUUID());
    expect(resumed.failure).toBeNull();
    expect(await countOf(worker)).toBe(before + 30_000);
    expect(await worker.pendingImport()).toBeNull();
  });
});

describe('an import cut short, discarded', () => {
  const databaseName = `import-discard-${crypto.randomUUID()}`;
  const worker = startRosterWorker(databaseName);

  beforeAll(async () => {
    await worker.open();
    await worker.loadDemo(500);
  });
  afterAll(async () => {
    await worker.clear();
  });

  it('undoes every chunk it wrote, created and updated users alike, and leaves nothing of it in the outbox', async () => {
    const db = await rawDatabase(databaseName);
    const u5 = (await storedUser(db, 'U0000005'))!;
    const lines = ['id,email,first_name,last_name,status,manager_id,last_login_at,created_at'];
    lines.push(`U0000005,renamed.five@northwind.example,Renamed,Five,active,U0000002,,2020-01-01`);
    for (let i = 1; i <= 30_000; i++) lines.push(`D${String(i).padStart(7, '0')},discard.${i}@northwind.example,Gone,Soon ${i},active,U0000002,,2026-11-01`);
    const { check } = await inspectAndCheck(worker, [csvFile('discard-me.csv', lines)]);
    const before = await countOf(worker);
    const outboxBefore = await db.table('outbox').count();
    const result = await writeThenCancel(worker, check.importId, 5_000);
    expect(result.isCancelled).toBe(true);
    expect(await countOf(worker)).toBeGreaterThan(before);
    expect((await storedUser(db, 'U0000005'))!.firstName).toBe('Renamed');

    const { chunksUndone } = await worker.discardPendingImport();
    expect(chunksUndone).toBeGreaterThan(0);
    expect(await countOf(worker)).toBe(before);
    const restored = (await storedUser(db, 'U0000005'))!;
    expect(restored.firstName).toBe(u5.firstName);
    expect(restored.customFields).toEqual(u5.customFields);
    expect(await db.table('outbox').count()).toBe(outboxBefore);
    expect(await worker.pendingImport()).toBeNull();
    const audit = await readAuditEntries(db);
    expect(audit.at(-1)?.summary).toMatch(/^Discarded the interrupted import of discard-me\.csv/);
    db.close();
  });
});

describe('importing onto an empty device', () => {
  const databaseName = `import-empty-${crypto.randomUUID()}`;
  const worker = startRosterWorker(databaseName);

  beforeAll(async () => {
    await worker.open();
  });
  afterAll(async () => {
    await worker.clear();
  });

  it('sets up the organization with the admin named by email, who is signed in', async () => {
    const file = csvFile('roster.csv', [
      'id,email,first_name,last_name,status,manager_id,last_login_at,created_at',
      'E1,boss@acme.example,Ada,Boss,active,,,2024-01-01',
      'E2,admin@acme.example,Al,Admin,active,E1,,2024-01-01',
      'E3,worker@acme.example,Wu,Worker,active,E2,,2024-01-01',
    ]);
    const { check } = await inspectAndCheck(worker, [file]);
    expect(check.needsSetup).toBe(true);
    await expect(worker.writeImport(crypto.randomUUID(), check.importId, { adminEmail: 'nobody@acme.example' })).rejects.toMatchObject({ code: 'import_admin_unknown', details: { email: 'nobody@acme.example' } });
    const { check: again } = await inspectAndCheck(worker, [file]);
    await worker.writeImport(crypto.randomUUID(), again.importId, { adminEmail: 'ADMIN@acme.example' });
    const summary = await worker.summary();
    expect(summary).toMatchObject({ userCount: 3, signedInAdminId: 'E2' });
    expect(summary.signedInAdmin?.permissions).toContain('manage_users');
  });
});

describe('an import onto an empty device, in several chunks and files', () => {
  const databaseName = `import-empty-${crypto.randomUUID()}`;
  const worker = startRosterWorker(databaseName);
  const fresh = startRosterWorker(databaseName);

  beforeAll(async () => {
    await worker.open();
  });
  afterAll(async () => {
    await worker.clear();
  });

  /** The rows the list shows, the summary and the facets: what a fresh worker must read the same. */
  async function memoryOf(of: RosterWorker) {
    const { queryId, count } = await of.query(EMPTY_FILTER);
    return { rows: await of.rows(queryId, 0, count), summary: await of.summary(), facets: await of.facets() };
  }

  it('holds in memory exactly what a fresh worker reads from IndexedDB: users out of id order, their memberships from a second file', async () => {
    // 4,500 users, more than two chunks, ids falling; managers named before they appear.
    const ids = Array.from({ length: 4_500 }, (_, i) => `E${String(4_500 - i).padStart(5, '0')}`);
    const users = csvFile('people.csv', [
      'id,email,first_name,last_name,status,manager_id,last_login_at,created_at',
      ...ids.map((id, i) => `${id},${id.toLowerCase()}@acme.example,First${i % 97},Last${i % 89},${i % 5 === 0 ? 'inactive' : 'active'},${id === 'E04500' ? '' : 'E04500'},,2024-01-0${1 + (i % 9)}`),
    ]);
    const communities = csvFile('groups.csv', ['id,name,global,admin_ids', 'C-1,Everyone,true,', 'C-2,Sales,false,E04500']);
    const memberships = csvFile('members.csv', ['user_id,community_id', ...ids.filter((_, i) => i % 3 === 0).map((id) => `${id},C-2`)]);
    const { check } = await inspectAndCheck(worker, [users, communities, memberships]);
    expect(check.files.every((f) => f.counts.rejected === 0)).toBe(true);
    const result = await worker.writeImport(crypto.randomUUID(), check.importId, { adminEmail: 'e04500@acme.example' });
    expect(result.failure).toBeNull();
    expect(await countOf(worker)).toBe(4_500);
    expect(await countOf(worker, { communityId: 'C-2' })).toBe(1_500);
    await fresh.open();
    expect(await memoryOf(worker)).toEqual(await memoryOf(fresh));
  });
});

