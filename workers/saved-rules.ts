/**
 * Saved selection rules: listed with how many users each matches now, saved and deleted in the write
 * queue, each write announced (other tabs list them anew).
 */
import type { RosterFilter } from '../src/core/roster-filter.ts';
import { describeFilter } from '../src/core/selection-rule.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import { deleteSelectionRule, listSelectionRules, saveSelectionRule } from '../src/db/selection-rules.ts';
import { filterNamesOf, requireIndex, type DirectoryQueries } from './directory-queries.ts';
import type { RuleSummary } from './roster-api.ts';
import type { RosterCache, WriteQueue } from './roster-cache.ts';

export class SavedRules {
  constructor(
    private readonly db: OffboardDatabase,
    private readonly cache: RosterCache,
    private readonly writes: WriteQueue,
    private readonly directory: DirectoryQueries,
  ) {}

  /** Saved selection rules, each with how many users it matches now. */
  async list(): Promise<RuleSummary[]> {
    const index = requireIndex(this.cache.state);
    const rules = await listSelectionRules(this.db);
    const names = filterNamesOf(index);
    return rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      filter: rule.filter,
      description: describeFilter(rule.filter, names),
      matching: this.directory.idsMatching(rule.filter, []).length,
      updatedAt: rule.updatedAt,
    }));
  }

  /** Saves the filter as a named rule; a rule of the same name (ignoring case) is replaced. */
  save(name: string, filter: RosterFilter): Promise<{ id: string; name: string; replaced: boolean }> {
    requireIndex(this.cache.state);
    return this.writes.run(async () => {
      const { rule, replaced } = await saveSelectionRule(this.db, { name, filter, now: new Date().toISOString(), newId: crypto.randomUUID() });
      this.cache.apply({ rules: true });
      return { id: rule.id, name: rule.name, replaced };
    });
  }

  delete(id: string): Promise<void> {
    return this.writes.run(async () => {
      await deleteSelectionRule(this.db, id);
      this.cache.apply({ rules: true });
    });
  }
}
