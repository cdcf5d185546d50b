/**
 * One chunk of an import (A13), carried out on user bundles and organization lists: users created or
 * updated (only the file's columns replace values; status never changes by import, plans do that),
 * custom field values set by a change via upload, communities and methodologies replaced, and per-user
 * records added or replaced. The device checked every row before writing (check-import.ts); the server
 * checks again what only it can know now (emails taken, managers gone meanwhile) and refuses those users.
 */
import { mergeUserFields } from '../csv/check-import.ts';
import type { Community, CustomFieldDefinition, Methodology, User } from '../roster-types.ts';
import type { UserBundle } from '../sync/user-bundle.ts';
import { emptyBundle } from '../sync/user-bundle.ts';
import { emptyOutcome, type ChangeContext, type ChangeOutcome, type OrganizationLists } from './change-outcome.ts';
import type { ImportArgs } from './operation.ts';

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportChunkOutcome extends ChangeOutcome {
  counts: ImportCounts;
}

type PerUserKind = 'memberships' | 'licenses' | 'assignments' | 'completions' | 'certificates';

/** How each per-user kind's records are told apart within one user. */
const KEY_OF: { [K in PerUserKind]: (record: UserBundle[K][number]) => string } = {
  memberships: (m) => m.communityId,
  licenses: (l) => l.methodologyId,
  assignments: (a) => a.id,
  completions: (c) => `${c.courseId} ${c.communityId}`,
  certificates: (c) => c.id,
};

export function importChunkChange(context: ChangeContext, args: ImportArgs): ImportChunkOutcome {
  const outcome: ImportChunkOutcome = { ...emptyOutcome(), counts: { created: 0, updated: 0, unchanged: 0 } };
  const customFields = withNewFields(context.organization.customFields, args.newCustomFields);
  if (customFields) outcome.organization = { customFields };
  switch (args.recordKind) {
    case 'users':
      importUsers(context, args.rows, args.presentColumns, outcome);
      outcome.audit.push({ action: 'import', targetId: null, ruleId: null, summary: `Imported users from ${args.fileName} (to row ${args.lastRow}): ${outcome.counts.created} created, ${outcome.counts.updated} updated.` });
      break;
    case 'custom_fields':
      for (const change of args.changes) {
        const bundle = context.bundleOf(change.userId);
        if (!bundle?.user) {
          outcome.refusals.push({ userId: change.userId, code: 'unknown_user', rule: 'A13', message: `User ${change.userId} is no longer on the roster.` });
          continue;
        }
        const changedValues = Object.entries(change.values).filter(([name, value]) => bundle.user!.customFields[name] !== value);
        if (changedValues.length === 0) {
          outcome.counts.unchanged++;
          outcome.unchanged.push(change.userId);
          continue;
        }
        outcome.changed.set(change.userId, { ...bundle, user: { ...bundle.user, customFields: { ...bundle.user.customFields, ...Object.fromEntries(changedValues) } } });
        outcome.counts.updated++;
      }
      outcome.audit.push({ action: 'set_custom_field', targetId: null, ruleId: 'A13', summary: `Change via upload ${args.fileName} (to row ${args.lastRow}): custom fields set on ${outcome.counts.updated} users.` });
      break;
    case 'communities':
    case 'methodologies': {
      const list = upsertById<Community | Methodology>(args.recordKind === 'communities' ? context.organization.communities : context.organization.methodologies, args.records, outcome.counts);
      outcome.organization = { ...outcome.organization, [args.recordKind]: list } as OrganizationLists;
      outcome.audit.push({ action: 'import', targetId: null, ruleId: null, summary: `Imported ${args.recordKind} from ${args.fileName}: ${outcome.counts.created} created, ${outcome.counts.updated} updated.` });
      break;
    }
    case 'memberships':
      importPerUser(context, 'memberships', args.records.map((m) => ({ ...m, joinedAt: context.now })), outcome, (was, now) => was ?? now); // a membership already there keeps the day it was joined
      break;
    case 'licenses':
      importPerUser(context, 'licenses', args.records, outcome, (was, now) => ({ ...was, ...now }));
      break;
    case 'assignments':
      importPerUser(context, 'assignments', args.records, outcome, (_was, now) => now);
      break;
    case 'completions':
      importPerUser(context, 'completions', args.records, outcome, (_was, now) => now);
      break;
    case 'certificates':
      importPerUser(context, 'certificates', args.records, outcome, (_was, now) => now);
      break;
  }
  if (args.recordKind !== 'users' && args.recordKind !== 'custom_fields' && args.recordKind !== 'communities' && args.recordKind !== 'methodologies') {
    outcome.audit.push({ action: 'import', targetId: null, ruleId: null, summary: `Imported ${args.recordKind} from ${args.fileName} (to row ${args.lastRow}): ${outcome.counts.created} added, ${outcome.counts.updated} updated.` });
  }
  return outcome;
}

function importUsers(context: ChangeContext, rows: readonly User[], presentColumns: readonly string[], outcome: ImportChunkOutcome): void {
  const presentFields = Object.fromEntries(presentColumns.map((column) => [column, '']));
  const incoming = new Set(rows.map((u) => u.id));
  const claimed = new Map<string, string>();
  for (const row of rows) {
    const existing = context.bundleOf(row.id);
    const user: User = existing?.user
      ? mergeUserFields(existing.user, row, presentFields)
      : {
          ...row,
          createdAt: row.createdAt || context.now,
          deactivatedAt: row.status === 'inactive' ? context.now : null,
          deactivatedBy: row.status === 'inactive' ? context.actorId : null,
        };
    const email = user.email.toLowerCase();
    const owner = context.userIdWithEmail(email);
    if ((owner !== undefined && owner !== user.id && !incoming.has(owner)) || (claimed.has(email) && claimed.get(email) !== user.id)) {
      outcome.refusals.push({ userId: user.id, code: 'duplicate_email', rule: null, subject: user.email, message: `Another user already has the email ${user.email}.` });
      continue;
    }
    if (user.managerId !== null && !incoming.has(user.managerId) && !context.hasUser(user.managerId)) {
      outcome.refusals.push({ userId: user.id, code: 'unknown_manager', rule: null, subject: user.managerId, message: `The manager ${user.managerId} is not on the roster.` });
      continue;
    }
    claimed.set(email, user.id);
    if (!existing?.user) {
      outcome.changed.set(user.id, emptyBundle(user.id, 0, user));
      outcome.createdIds.push(user.id);
      outcome.counts.created++;
    } else if (sameRecord(existing.user, user)) {
      outcome.unchanged.push(user.id);
      outcome.counts.unchanged++;
    } else {
      outcome.changed.set(user.id, { ...existing, user });
      outcome.counts.updated++;
    }
  }
}

function importPerUser<K extends PerUserKind>(
  context: ChangeContext,
  kind: K,
  records: readonly UserBundle[K][number][],
  outcome: ImportChunkOutcome,
  merge: (was: UserBundle[K][number] | undefined, now: UserBundle[K][number]) => UserBundle[K][number],
): void {
  const keyOf = KEY_OF[kind] as (record: UserBundle[K][number]) => string;
  const refused = new Set<string>();
  for (const record of records) {
    const userId = record.userId;
    const bundle = outcome.changed.get(userId) ?? context.bundleOf(userId);
    if (!bundle?.user) {
      if (!refused.has(userId)) outcome.refusals.push({ userId, code: 'unknown_user', rule: null, message: `User ${userId} is not on the roster.` });
      refused.add(userId);
      continue;
    }
    const list = bundle[kind] as UserBundle[K][number][];
    const key = keyOf(record);
    const at = list.findIndex((r) => keyOf(r) === key);
    const was = at >= 0 ? list[at] : undefined;
    const next = merge(was, record);
    if (was && sameRecord(was, next)) {
      outcome.counts.unchanged++;
      continue;
    }
    if (was) outcome.counts.updated++;
    else outcome.counts.created++;
    const updated = at >= 0 ? list.map((r, i) => (i === at ? next : r)) : [...list, next];
    outcome.changed.set(userId, { ...bundle, [kind]: updated });
  }
}

function upsertById<T extends { id: string }>(current: readonly T[], records: readonly T[], counts: ImportCounts): T[] {
  const list = [...current];
  for (const record of records) {
    const at = list.findIndex((r) => r.id === record.id);
    if (at < 0) {
      list.push(record);
      counts.created++;
    } else if (sameRecord(list[at], record)) {
      counts.unchanged++;
    } else {
      list[at] = record;
      counts.updated++;
    }
  }
  return list;
}

/** Custom fields with the new ones not yet defined added; null when all of them are. */
function withNewFields(defined: readonly CustomFieldDefinition[], added: readonly CustomFieldDefinition[]): CustomFieldDefinition[] | null {
  const names = new Set(defined.map((f) => f.name));
  const missing = added.filter((f) => !names.has(f.name));
  return missing.length === 0 ? null : [...defined, ...missing];
}

/** Same fields, same values, whatever the key order (records from a file and from storage differ in it). */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => sameRecord((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
