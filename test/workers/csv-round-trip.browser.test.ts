import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRosterWorker, type RosterWorker } from '../../src/app/roster-worker-client.ts';
import { CSV_KINDS, type CsvKind } from '../../src/core/csv/csv-formats.ts';

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

async function exportKind(worker: RosterWorker, kind: CsvKind): Promise<File> {
  const report = await worker.exportReport({ kind });
  return new File([report.blob], report.fileName, { type: 'text/csv' });
}

/** Every canonical kind exported, imported back, exported again. */
describe('export → import → export', () => {
  const databaseName = `round-trip-${crypto.randomUUID()}`;
  const worker = startRosterWorker(databaseName);

  beforeAll(async () => {
    await worker.open();
    await worker.loadDemo(600);
    // Fuse includes inactive users in reports (A4), so the files hold the whole roster.
    await worker.saveSettings({ plan: 'plus', seatLimit: 2_000, batchLimit: 100, policyPreset: 'fuse', policyOverrides: {} });
  });
  afterAll(async () => {
    await worker.clear();
  });

  it('gives the same file for every kind, and the import finds every row unchanged', async () => {
    for (const kind of CSV_KINDS) {
      const first = await exportKind(worker, kind);
      const [view] = await worker.inspectImportFiles([first]);
      expect(view!.mapping?.kind, `${kind}: the header maps itself`).toBe(kind);
      const check = await worker.checkImport(crypto.randomUUID(), [{ fileId: view!.fileId, mapping: view!.mapping!, remember: false }]);
      const counts = check.files[0]!.counts;
      expect(counts.rejected, `${kind}: ${JSON.stringify(check.files[0]!.rejectedSample.slice(0, 3))}`).toBe(0);
      expect(counts.updated, kind).toBe(0);
      if (check.hasChanges) await worker.writeImport(crypto.randomUUID(), check.importId, {});
      const again = await exportKind(worker, kind);
      expect(await bytesOf(again), kind).toEqual(await bytesOf(first));
    }
  });

  it('onto an empty device, the users file imports whole and exports back to the same file', async () => {
    const users = await exportKind(worker, 'users');
    const fresh = startRosterWorker(`round-trip-empty-${crypto.randomUUID()}`);
    try {
      await fresh.open();
      const [view] = await fresh.inspectImportFiles([users]);
      const check = await fresh.checkImport(crypto.randomUUID(), [{ fileId: view!.fileId, mapping: view!.mapping!, remember: false }]);
      expect(check.files[0]!.counts).toMatchObject({ created: 600, rejected: 0 });
      const text = new TextDecoder().decode(await bytesOf(users));
      const adminEmail = text.split('\r\n')[1]!.split(',')[1]!;
      await fresh.writeImport(crypto.randomUUID(), check.importId, { adminEmail });
      // A new device starts on the ascender preset, whose reports leave inactive users out (A4).
      await fresh.saveSettings({ plan: 'plus', seatLimit: 2_000, batchLimit: 100, policyPreset: 'fuse', policyOverrides: {} });
      const again = await exportKind(fresh, 'users');
      expect(await bytesOf(again)).toEqual(await bytesOf(users));
    } finally {
      await fresh.clear();
    }
  });
});
