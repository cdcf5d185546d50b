/** Saved selection rules: stored whole, one record each; a save under an existing name replaces it. */
import { completeFilter, type RosterFilter } from '../core/roster-filter.ts';
import { ruleNameKey, ruleProblem, type SelectionRule } from '../core/selection-rule.ts';
import { codedError } from '../core/coded-error.ts';
import type { OffboardDatabase } from './offboard-database.ts';

export interface SavedRule {
  rule: SelectionRule;
  /** An earlier rule of the same name was replaced. */
  replaced: boolean;
}

export async function saveSelectionRule(db: OffboardDatabase, request: { name: string; filter: RosterFilter; now: string; newId: string }): Promise<SavedRule> {
  const problem = ruleProblem(request.name, request.filter);
  if (problem) throw codedError('rule_refused', `The rule cannot be saved: ${problem.code}.`, { problem });
  const nameKey = ruleNameKey(request.name);
  return db.transaction('rw', db.selectionRules, async () => {
    const existing = await db.selectionRules.where('nameKey').equals(nameKey).first();
    const rule: SelectionRule = {
      id: existing?.id ?? request.newId,
      name: request.name.trim().replace(/\s+/g, ' '),
      nameKey,
      filter: completeFilter(request.filter),
      createdAt: existing?.createdAt ?? request.now,
      updatedAt: request.now,
    };
    await db.selectionRules.put(rule);
    return { rule, replaced: existing !== undefined };
  });
}

export async function listSelectionRules(db: OffboardDatabase): Promise<SelectionRule[]> {
  const rules = await db.selectionRules.toArray();
  return rules.map((r) => ({ ...r, filter: completeFilter(r.filter) })).sort((a, b) => a.name.localeCompare(b.name));
}

export async function deleteSelectionRule(db: OffboardDatabase, id: string): Promise<void> {
  await db.selectionRules.delete(id);
}
