/**
 * Saved selection rules (DOMAIN.md "Rules and plans"): a named filter over the roster, run to list the
 * users it matches today and to plan a change for them.
 */
import { completeFilter, isFilterEmpty, type RosterFilter } from './roster-filter.ts';

export interface SelectionRule {
  id: string;
  name: string;
  /** The name folded for the uniqueness check: "Dormant" and "dormant" are one rule. */
  nameKey: string;
  filter: RosterFilter;
  createdAt: string;
  updatedAt: string;
}

export const MAX_RULE_NAME_LENGTH = 80;
/** An id list longer than any roster this app holds is a wrong file, not a selection. */
export const MAX_ID_LIST_LENGTH = 1_000_000;

export function ruleNameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Why a rule cannot be saved as given; the page puts each into words (src/app/describe-error.ts). */
export type RuleProblem =
  | { code: 'no_name' }
  | { code: 'name_too_long'; max: number }
  | { code: 'no_criterion' }
  | { code: 'id_list_too_long'; max: number }
  | { code: 'date_not_a_day'; field: 'last_login' | 'created' }
  | { code: 'last_login_needs_date' };

/** Why a rule cannot be saved as given, or null. */
export function ruleProblem(name: string, filter: Partial<RosterFilter>): RuleProblem | null {
  const trimmed = name.trim();
  if (trimmed === '') return { code: 'no_name' };
  if (trimmed.length > MAX_RULE_NAME_LENGTH) return { code: 'name_too_long', max: MAX_RULE_NAME_LENGTH };
  const complete = completeFilter(filter);
  if (isFilterEmpty(complete)) return { code: 'no_criterion' };
  if (complete.idList && complete.idList.length > MAX_ID_LIST_LENGTH) return { code: 'id_list_too_long', max: MAX_ID_LIST_LENGTH };
  for (const [field, day] of [['last_login', complete.lastLogin?.before], ['created', complete.createdBefore]] as const) {
    if (day && !/^\d{4}-\d{2}-\d{2}$/.test(day)) return { code: 'date_not_a_day', field };
  }
  if (complete.lastLogin && complete.lastLogin.before === null && !complete.lastLogin.orNever) return { code: 'last_login_needs_date' };
  return null;
}

export interface FilterNames {
  communityName(id: string): string;
  methodologyName(id: string): string;
  userName(id: string): string;
  fieldLabel(name: string): string;
}

/** A filter in words, for the list of rules: "Active · Department is Finance · last sign-in before 2025-11-01 or never". */
export function describeFilter(filter: Partial<RosterFilter>, names: FilterNames): string {
  const f = completeFilter(filter);
  const parts: string[] = [];
  if (f.status !== 'all') parts.push(f.status === 'active' ? 'Active' : 'Inactive');
  if (f.text.trim()) parts.push(`name or email has “${f.text.trim()}”`);
  if (f.customField) parts.push(`${names.fieldLabel(f.customField.name)} is ${f.customField.value === '' ? 'empty' : f.customField.value}`);
  if (f.communityId) parts.push(`member of ${names.communityName(f.communityId)}`);
  if (f.managerId) parts.push(`in ${names.userName(f.managerId)}'s team`);
  if (f.lastLogin) {
    const { before, orNever } = f.lastLogin;
    parts.push(before === null ? 'never signed in' : `last sign-in before ${before}${orNever ? ' or never' : ''}`);
  }
  if (f.createdBefore) parts.push(`created before ${f.createdBefore}`);
  if (f.methodologyId) parts.push(`holds a ${names.methodologyName(f.methodologyId)} license`);
  if (f.emailDomain) parts.push(`email at ${f.emailDomain.replace(/^@/, '')}`);
  if (f.idList) parts.push(`${f.idList.length.toLocaleString('en-US')} listed ids or emails`);
  return parts.length > 0 ? parts.join(' · ') : 'Everyone';
}
