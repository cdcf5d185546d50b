/**
 * The audit log in IndexedDB, a record per change, answers as a list of entries would: seeded random
 * sequences of changes appended (some transactions append several), then every page of random filters
 * read newest first through to the oldest, each user's history and every entry, compared with a model
 * that keeps the entries in a plain array.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Dexie from 'dexie';
import { auditEntryMatcher, isAuditFiltered, type AuditFilters } from '../../src/core/audit-filter.ts';
import type { AuditAction, AuditEntry } from '../../src/core/roster-types.ts';
import { createRandom, type Random } from '../../src/core/seeded-random.ts';
import { appendAudit, readAuditEntries, readAuditEntriesPage, readUserAuditHistory } from '../../src/db/audit-log.ts';
import { OffboardDatabase } from '../../src/db/offboard-database.ts';

const SEQUENCES = 12;
const ACTIONS: AuditAction[] = ['deactivate', 'move_report', 'reactivate', 'change_settings', 'sign_in'];
const USERS = ['U1', 'U2', 'U3', 'U4', 'U5', 'U6'];

const opened: OffboardDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await Dexie.delete(db.name);
  }
});

function pick<T>(random: Random, values: readonly T[]): T {
  return values[random.int(values.length)]!;
}

function change(random: Random, index: number): AuditEntry[] {
  const batchId = random.chance(0.3) ? null : `op-${index}`;
  const actorId = pick(random, ['A1', 'A2']);
  const at = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString();
  return Array.from({ length: 1 + random.int(random.chance(0.1) ? 120 : 6) }, () => {
    const action = pick(random, ACTIONS);
    const targetId = random.chance(0.15) ? null : pick(random, USERS);
    return { at, actorId, action, targetId, batchId, ruleId: action === 'move_report' ? 'A8' : random.chance(0.5) ? 'A14' : null, selectionRule: random.chance(0.3) ? 'Dormant' : null, summary: `${action} ${targetId ?? '-'}` };
  });
}

function filtersOf(random: Random, batches: number): AuditFilters {
  return {
    action: random.chance(0.4) ? pick(random, ACTIONS) : null,
    actorId: random.chance(0.3) ? pick(random, ['A1', 'A2']) : null,
    ruleId: random.chance(0.3) ? pick(random, ['A8', 'A14']) : null,
    batchId: random.chance(0.2) ? `op-${random.int(batches)}` : null,
    text: random.chance(0.3) ? pick(random, ['u1', 'MOVE', 'dormant', 'nothing']) : '',
  };
}

describe('the audit log in IndexedDB', () => {
  it('A14/A8: pages, counts, a user’s history and every entry answer as the entries written, in order', async () => {
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const random = createRandom(seed);
      const db = new OffboardDatabase(`audit-log-${seed}-${crypto.randomUUID()}`);
      opened.push(db);
      await db.open();
      const model: AuditEntry[] = [];
      const changes = 5 + random.int(30);
      for (let c = 0; c < changes; ) {
        // Some transactions append the entries of several changes, one after the other.
        const together = 1 + (random.chance(0.3) ? random.int(3) : 0);
        const appended = Array.from({ length: together }, (_, k) => change(random, c + k));
        await db.transaction('rw', db.auditLog, async () => {
          for (const entries of appended) await appendAudit(db, entries);
        });
        for (const entries of appended) model.push(...entries);
        c += together;
      }
      const numbered = model.map((entry, i) => ({ seq: i + 1, ...entry }));
      expect(await readAuditEntries(db)).toEqual(numbered);

      for (let q = 0; q < 6; q++) {
        const filters = filtersOf(random, changes);
        const limit = 1 + random.int(40);
        const expected = numbered.filter(auditEntryMatcher(filters)).reverse();
        const read: AuditEntry[] = [];
        let beforeSeq: number | null = null;
        for (;;) {
          const page = await readAuditEntriesPage(db, { ...filters, beforeSeq, limit });
          expect(page.total).toBe(numbered.length);
          expect(page.matching).toBe(isAuditFiltered(filters) ? expected.length : numbered.length);
          read.push(...page.entries);
          expect(page.entries.length).toBeLessThanOrEqual(limit);
          if (!page.hasOlder) break;
          beforeSeq = page.entries.at(-1)!.seq!;
        }
        expect(read, JSON.stringify(filters)).toEqual(expected);
      }
      for (const userId of USERS) {
        const limit = 1 + random.int(60);
        expect(await readUserAuditHistory(db, userId, limit)).toEqual(numbered.filter((e) => e.targetId === userId).reverse().slice(0, limit));
      }
    }
  });

  it('numbers entries anew from 1 once the log is cleared, and a record’s entries never straddle a failed transaction', async () => {
    const db = new OffboardDatabase(`audit-log-clear-${crypto.randomUUID()}`);
    opened.push(db);
    await db.open();
    const entry = (summary: string): AuditEntry => ({ at: '2026-01-01T00:00:00.000Z', actorId: 'A1', action: 'sign_in', targetId: 'A1', batchId: null, ruleId: null, summary });
    await db.transaction('rw', db.auditLog, () => appendAudit(db, [entry('one'), entry('two')]));
    await expect(
      db.transaction('rw', db.auditLog, async () => {
        await appendAudit(db, [entry('lost')]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await db.transaction('rw', db.auditLog, () => appendAudit(db, [entry('three')]));
    expect((await readAuditEntries(db)).map((e) => [e.seq, e.summary])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    await db.auditLog.clear();
    await db.transaction('rw', db.auditLog, () => appendAudit(db, [entry('after')]));
    expect((await readAuditEntries(db)).map((e) => [e.seq, e.summary])).toEqual([[1, 'after']]);
    expect(await readAuditEntriesPage(db, { action: null, actorId: null, ruleId: null, batchId: null, text: '', beforeSeq: null, limit: 10 })).toMatchObject({ total: 1, matching: 1, hasOlder: false });
  });
});
