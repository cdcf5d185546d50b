/**
 * The audit stored as a record per change must give back every entry exactly as written, numbered one
 * after another, and keep for each set of filters exactly the entries the Audit screen's matcher keeps:
 * seeded random records (missing, null and odd values, accents and case, a field that is not a string
 * column), compared with `auditEntryMatcher` over the entries as plain objects.
 */
import { describe, expect, it } from 'vitest';
import { auditEntryMatcher, type AuditFilters } from '../../src/core/audit-filter.ts';
import { auditEntriesOf, auditEntryAt, auditRecordOf, auditRowsMatching, entryCountOf } from '../../src/core/audit-records.ts';
import type { AuditAction, AuditEntry } from '../../src/core/roster-types.ts';
import { createRandom, type Random } from '../../src/core/seeded-random.ts';

const SEQUENCES = 300;
const ACTIONS: AuditAction[] = ['deactivate', 'reactivate', 'delete', 'move_report', 'reassign_assignments', 'change_settings', 'import'];
const USERS = ['U0000001', 'U0000002', 'u0000002', 'U0000010', 'Ümit-7'];
const RULES = ['A8', 'A14', 'R2', 'F3'];
const SELECTION_RULES = ['Dormant since 2024', 'dormant', 'Größe', ''];
const WORDS = ['user', 'USER', 'moved', 'ü', 'Ü', 'dormant', '0000002', 'z', ' ', 'A8', 'deactivated u'];

function pick<T>(random: Random, values: readonly T[]): T {
  return values[random.int(values.length)]!;
}

function randomEntries(random: Random): AuditEntry[] {
  const count = 1 + random.int(random.chance(0.2) ? 300 : 12);
  // A change's entries mostly share their time, actor, batch and saved rule.
  const at = new Date(Date.UTC(2026, 0, 1) + random.int(1e10)).toISOString();
  const actorId = pick(random, USERS);
  const batchId = random.chance(0.3) ? null : `op-${random.int(4)}`;
  const selectionRule = random.chance(0.5) ? pick(random, SELECTION_RULES) : null;
  // Now and then every target looks like a timestamp: the column is then not one of strings.
  const timeTargets = random.chance(0.05);
  const entries: AuditEntry[] = [];
  for (let i = 0; i < count; i++) {
    const targetId = timeTargets ? new Date(Date.UTC(2025, 1, 1) + i * 1000).toISOString() : random.chance(0.2) ? null : pick(random, USERS);
    const action = pick(random, ACTIONS);
    const entry: AuditEntry = {
      at: random.chance(0.1) ? new Date(Date.UTC(2026, 5, 1) + random.int(1e9)).toISOString() : at,
      actorId: random.chance(0.05) ? pick(random, USERS) : actorId,
      action,
      targetId,
      batchId: random.chance(0.05) ? `op-${random.int(4)}` : batchId,
      ruleId: random.chance(0.3) ? null : pick(random, RULES),
      summary: `${action === 'deactivate' ? 'Deactivated' : 'Moved'} user ${targetId ?? 'nobody'}${random.chance(0.2) ? ' Über' : ''}.`,
    };
    // Written without the saved rule by some writers, with null or a name by others.
    const rule = random.chance(0.1) ? pick(random, SELECTION_RULES) : selectionRule;
    if (!random.chance(0.2)) entry.selectionRule = rule;
    entries.push(entry);
  }
  return entries;
}

function randomFilters(random: Random): AuditFilters {
  return {
    action: random.chance(0.4) ? pick(random, [...ACTIONS, 'sign_in' as const]) : null,
    actorId: random.chance(0.3) ? pick(random, [...USERS, 'U9']) : null,
    ruleId: random.chance(0.3) ? pick(random, [...RULES, 'X1']) : null,
    batchId: random.chance(0.3) ? `op-${random.int(5)}` : null,
    text: random.chance(0.5) ? pick(random, WORDS) : '',
  };
}

describe('the audit as a record per change', () => {
  it('gives back every entry as written, numbered from the record’s first', () => {
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const random = createRandom(seed);
      const entries = randomEntries(random);
      const first = 1 + random.int(100_000);
      const record = auditRecordOf(entries, first);
      expect(entryCountOf(record)).toBe(entries.length);
      expect(record.last).toBe(first + entries.length - 1);
      expect(auditEntriesOf(record)).toEqual(entries.map((entry, i) => ({ seq: first + i, ...entry })));
      // What the indexes find it by: each value once.
      expect(new Set(record.targetIds)).toEqual(new Set(entries.flatMap((e) => (e.targetId === null ? [] : [e.targetId]))));
      expect(record.targetIds.length).toBe(new Set(record.targetIds).size);
      expect(new Set(record.actions)).toEqual(new Set(entries.map((e) => e.action)));
      expect(new Set(record.batchIds)).toEqual(new Set(entries.flatMap((e) => (e.batchId === null ? [] : [e.batchId]))));
      expect(new Set(record.ruleIds)).toEqual(new Set(entries.flatMap((e) => (e.ruleId === null ? [] : [e.ruleId]))));
    }
  });

  it('keeps, newest first, exactly the entries the Audit screen’s filters keep', () => {
    let kept = 0;
    let fallbacks = 0;
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const random = createRandom(10_000 + seed);
      const entries = randomEntries(random);
      const record = auditRecordOf(entries, 1);
      if (record.entries.columns[record.entries.fields.indexOf('targetId')]?.type !== 'string') fallbacks++;
      for (let f = 0; f < 8; f++) {
        const filters = randomFilters(random);
        const matches = auditEntryMatcher(filters);
        const expected = entries.flatMap((entry, row) => (matches(entry) ? [row] : [])).reverse();
        const rows = auditRowsMatching(record, filters);
        expect(rows, JSON.stringify(filters)).toEqual(expected);
        for (const row of rows) expect(matches(auditEntryAt(record, row))).toBe(true);
        kept += rows.length;
      }
    }
    // The filters kept something, and records of both layouts were seen.
    expect(kept).toBeGreaterThan(1_000);
    expect(fallbacks).toBeGreaterThan(0);
  });

  it('holds at least one entry', () => {
    expect(() => auditRecordOf([], 1)).toThrow(/at least one/);
  });
});
