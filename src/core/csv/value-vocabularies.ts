/**
 * The values Offboard enumerates (a user's status, an assignment's status, a license's state, a
 * methodology's model, a community's `global` flag, a bulk action, a custom field with allowed values)
 * and the words other platforms write for them. A cell is compared with case, spacing, `_` and `-`
 * ignored: `Not Started`, `not_started` and `NOT-STARTED` are one word. A value still unknown after that
 * is the admin's to map (the import preview's value mapping step), once per distinct value, and the
 * answer travels with the file's column mapping.
 */
import type { CustomFieldDefinition } from '../roster-types.ts';
import type { CsvKind } from './csv-formats.ts';

/** The kinds of file a column belongs to: the canonical kinds, plus a bulk-action file's `action`. */
type VocabularyKind = CsvKind | 'custom_fields' | 'user_list';

export interface Vocabulary {
  /** The values the field accepts, as Offboard writes them. */
  allowed: readonly string[];
  /** The allowed value a cell means, or null when the word is unknown. A blank cell is the caller's. */
  canonical(cell: string): string | null;
}

/** A cell as compared: trimmed, lower case, runs of spaces, `_` and `-` as one space. */
export function normalizeValueWord(cell: string): string {
  return cell.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

function vocabulary(allowed: readonly string[], synonyms: Readonly<Record<string, readonly string[]>>): Vocabulary {
  const byWord = new Map<string, string>();
  for (const value of allowed) byWord.set(normalizeValueWord(value), value);
  for (const [value, words] of Object.entries(synonyms)) for (const word of words) byWord.set(normalizeValueWord(word), value);
  return { allowed, canonical: (cell) => byWord.get(normalizeValueWord(cell)) ?? null };
}

const YES = ['true', 'yes', 'y', '1', 'on', 'x', 'enabled'];
const NO = ['false', 'no', 'n', '0', 'off', 'disabled'];

/**
 * Words seen in other platforms' exports (Ascender, Fuse, common LMS and HR systems). Only words whose
 * meaning is not in doubt: `expired` for a license, say, is left to the admin.
 */
const USER_STATUS = vocabulary(['active', 'inactive'], {
  active: ['enabled', 'yes', 'y', 'true', '1', 'on', 'activated', 'current'],
  inactive: ['disabled', 'no', 'n', 'false', '0', 'off', 'deactivated', 'suspended', 'not active', 'archived', 'blocked', 'locked'],
});

const ASSIGNMENT_STATUS = vocabulary(['not_started', 'in_progress', 'completed', 'overdue'], {
  not_started: ['open', 'assigned', 'not started', 'new', 'to do', 'todo', 'pending', 'enrolled', 'not attempted'],
  in_progress: ['in progress', 'started', 'ongoing', 'incomplete', 'attempted', 'in process'],
  completed: ['done', 'complete', 'finished', 'passed'],
  overdue: ['late', 'past due'],
});

const LICENSE_STATE = vocabulary(['reserved', 'consumed'], {
  reserved: ['assigned', 'allocated', 'granted', 'pending', 'unused', 'not used'],
  consumed: ['used', 'in use', 'activated', 'redeemed'],
});

const METHODOLOGY_MODEL = vocabulary(['seat', 'ela'], {
  seat: ['seats', 'per seat', 'seat based', 'named', 'named user', 'fixed'],
  ela: ['enterprise', 'enterprise license', 'enterprise license agreement', 'enterprise licence agreement', 'unlimited'],
});

const BOOLEAN = vocabulary(['true', 'false'], { true: YES, false: NO });

const BULK_ACTION = vocabulary(['deactivate', 'reactivate', 'delete'], {
  deactivate: ['inactive', 'deactivated', 'disable', 'disabled', 'suspend', 'suspended', 'offboard'],
  reactivate: ['activate', 'active', 'reactivated', 'enable', 'enabled', 'restore'],
  delete: ['deleted', 'remove', 'removed', 'purge', 'erase'],
});

const FIXED: Readonly<Partial<Record<VocabularyKind, Readonly<Record<string, Vocabulary>>>>> = {
  users: { status: USER_STATUS },
  assignments: { status: ASSIGNMENT_STATUS },
  licenses: { state: LICENSE_STATE },
  methodologies: { model: METHODOLOGY_MODEL },
  communities: { global: BOOLEAN },
  user_list: { action: BULK_ACTION },
};

const CUSTOM_FIELD_PREFIX = 'custom.';

/**
 * The vocabulary of one target of a file of `kind`, or null for a free-text field. A custom field with
 * allowed values is enumerated too; its own values are its only known words (case and spacing ignored).
 */
export function vocabularyOf(kind: VocabularyKind, target: string, customFields: readonly CustomFieldDefinition[] = []): Vocabulary | null {
  const fixed = FIXED[kind]?.[target];
  if (fixed) return fixed;
  if ((kind === 'users' || kind === 'custom_fields') && target.startsWith(CUSTOM_FIELD_PREFIX)) {
    const definition = customFields.find((f) => CUSTOM_FIELD_PREFIX + f.name === target);
    if (definition && definition.allowedValues.length > 0) return vocabulary(definition.allowedValues, {});
  }
  return null;
}

/** The fixed vocabulary of a canonical column (no custom fields), for reading a row on its own. */
export function fixedVocabularyOf(kind: VocabularyKind, column: string): Vocabulary | null {
  return FIXED[kind]?.[column] ?? null;
}
