/**
 * The outbox keeps before-images and an import's records as columns: every operation written must read
 * back exactly as it was given, through IndexedDB, whatever it carries. Seeded random operations of every
 * kind (demo bundles whole and as user records alone, imports of each record kind with odd values,
 * operations without a before-image), written as the store writes them, read back as the sync reads them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import type { OutboxOperation } from '../../src/core/changes/operation.ts';
import { generateDemoOrganization } from '../../src/core/generate-demo-organization.ts';
import { createRandom, type Random } from '../../src/core/seeded-random.ts';
import { bundlesFromRecords, emptyBundle, type UserBundle } from '../../src/core/sync/user-bundle.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';
import { addOperation, operationsOfPlan, pendingOperations, putOperations, readOutbox } from '../../src/db/outbox-records.ts';

const SEQUENCES = 40;

const opened: OffboardDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await Dexie.delete(db.name);
  }
});

const demo = generateDemoOrganization({ size: 300, seed: 21 });
const [chunk] = [...demo.chunks(300)];
const bundles: UserBundle[] = bundlesFromRecords(chunk!, 0);

function pick<T>(random: Random, values: readonly T[]): T {
  return values[random.int(values.length)]!;
}

function someBundles(random: Random): UserBundle[] {
  return Array.from({ length: random.int(30) }, () => {
    const bundle = pick(random, bundles);
    // Some as a report move reads them: the user record alone, with a revision now and then.
    if (random.chance(0.3)) return { ...emptyBundle(bundle.id, random.int(5), { ...bundle.user!, revision: random.chance(0.5) ? random.int(9) : undefined }), licenses: bundle.licenses };
    return structuredClone(bundle);
  });
}

function operation(random: Random, index: number): OutboxOperation {
  const header = { id: `op-${index}`, actorId: 'U0000001', userIds: ['U0000002'], createdAt: '2026-12-01T00:00:00.000Z', planId: `plan-${random.int(3)}`, batchIndex: index, batchCount: 9, status: 'pending' as const };
  const before = random.chance(0.15) ? null : { bundles: someBundles(random), userRecordOnly: random.chance(0.5) ? ['U0000002'] : undefined, createdUserIds: random.chance(0.3) ? ['N1'] : [], organization: random.chance(0.2) ? { communities: demo.header.communities } : null };
  const kind = random.int(4);
  if (kind === 0) return { ...header, kind: 'deactivate', args: { reportMoves: [{ userId: 'U0000003', fromManagerId: 'U0000002', toManagerId: null }] }, before } as OutboxOperation;
  const common = { importId: `imp-${index}`, fileName: 'people.csv', lastRow: 2_001, newCustomFields: random.chance(0.5) ? demo.header.customFields : [] };
  if (kind === 1) {
    const rows = Array.from({ length: random.int(40) }, (_, i) => ({ ...pick(random, chunk!.users), id: `N${i}`, lastLoginAt: random.chance(0.3) ? null : '2026-01-01T00:00:00Z', customFields: random.chance(0.5) ? {} : { region: 'EMEA', 'ß wave': '' } }));
    return { ...header, kind: 'import', args: { ...common, recordKind: 'users', rows, presentColumns: ['id', 'email'] }, before } as OutboxOperation;
  }
  if (kind === 2) {
    const changes = Array.from({ length: random.int(20) }, (_, i) => ({ userId: `U${i}`, values: random.chance(0.5) ? { region: 'APAC' } : { department: '', region: 'EMEA' } }));
    return { ...header, kind: 'import', args: { ...common, recordKind: 'custom_fields', changes }, before } as OutboxOperation;
  }
  return { ...header, kind: 'import', args: { ...common, recordKind: 'memberships', records: chunk!.memberships.slice(0, random.int(50)) }, before } as OutboxOperation;
}

describe('the outbox in IndexedDB', () => {
  it('reads every operation back as it was written: before-images and imported records kept as columns', async () => {
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const random = createRandom(seed);
      const db = new OffboardDatabase(`outbox-${seed}-${crypto.randomUUID()}`);
      opened.push(db);
      await db.open();
      const written = Array.from({ length: 1 + random.int(6) }, (_, i) => operation(random, i));
      await db.transaction('rw', db.outbox, async () => {
        for (const op of written) await addOperation(db, op);
      });
      // Each learnt its place, and reads back as given.
      expect(written.map((op) => op.seq)).toEqual(written.map((_, i) => i + 1));
      expect(await readOutbox(db)).toEqual(written);
      expect(await pendingOperations(db, 3)).toEqual(written.slice(0, 3));
      expect(await operationsOfPlan(db, 'plan-1')).toEqual(written.filter((op) => op.planId === 'plan-1'));
      // Sent: kept without the before-image and the records, as the push's settling writes them.
      const sent = written.map((op) => ({ ...op, status: 'pushed' as const, before: null, ...(op.kind === 'import' ? { args: { ...op.args, rows: [], changes: [], records: [] } } : {}) })) as OutboxOperation[];
      await putOperations(db, sent);
      expect(await readOutbox(db)).toEqual(sent);
    }
  });
});
