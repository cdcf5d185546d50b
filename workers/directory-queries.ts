/**
 * The screens' questions about the roster, answered from the worker's in-memory roster: the filtered
 * list and its rows, a user's detail, the filters' choices, user search, the summary of who is signed in.
 * Read-only; the roster changes only through RosterCache.apply.
 */
import { filterRoster, searchNarrows, searchWordsOf, unmatchedIdListEntries, type RosterFilter } from '../src/core/roster-filter.ts';
import type { User } from '../src/core/roster-types.ts';
import { matchUserEntry, userEntryFilter, type UserEntryMatch } from '../src/core/match-user-entry.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { FilterNames } from '../src/core/selection-rule.ts';
import { buildUserDetail, buildUserRow, fullName, type UserDetail, type UserRef, type UserRow } from '../src/core/user-views.ts';
import type { OffboardDatabase } from '../src/db/offboard-database.ts';
import type { RosterStore } from '../src/db/roster-store.ts';
import { readUserAuditHistory } from '../src/db/audit-log.ts';
import { codedError } from '../src/core/coded-error.ts';
import type { AdminSummary, QueryResult, RosterFacets, RosterSummary } from './roster-api.ts';
import type { RosterCache, RosterState } from './roster-cache.ts';

export function requireIndex(state: RosterState): RosterIndex {
  if (!state.index) throw codedError('roster_not_open', 'The roster is not open yet.');
  return state.index;
}

export function summaryOf(state: RosterState): RosterSummary {
  const adminSummary = (id: string): AdminSummary => {
    const user = state.index?.userById(id);
    return { id, name: user ? fullName(user) : id, permissions: state.admins.find((a) => a.userId === id)?.permissions ?? [] };
  };
  return {
    organization: state.organization,
    userCount: state.index?.size ?? 0,
    activeCount: state.index?.activeCount ?? 0,
    signedInAdminId: state.signedInAdminId,
    signedInAdmin: state.admins.some((a) => a.userId === state.signedInAdminId) ? adminSummary(state.signedInAdminId!) : null,
    admins: state.admins.map((a) => adminSummary(a.userId)),
  };
}

/** How a saved rule's filter reads, with names instead of ids. */
export function filterNamesOf(index: RosterIndex): FilterNames {
  return {
    communityName: (id) => index.communityById.get(id)?.name ?? id,
    methodologyName: (id) => index.methodologyById.get(id)?.name ?? id,
    userName: (id) => index.nameOf(id) ?? id,
    fieldLabel: (name) => index.customFields.find((f) => f.name === name)?.label ?? name,
  };
}

export class DirectoryQueries {
  private lastQuery: { queryId: number; matches: Uint32Array; filter: RosterFilter | null; index: RosterIndex | null } = { queryId: 0, matches: new Uint32Array(0), filter: null, index: null };

  constructor(
    private readonly cache: RosterCache,
    private readonly db: OffboardDatabase,
    private readonly store: RosterStore,
  ) {}

  /** The roster changed: the query on screen no longer answers for it (the page asks again). */
  forgetQuery(): void {
    this.lastQuery = { queryId: this.lastQuery.queryId + 1, matches: new Uint32Array(0), filter: null, index: null };
  }

  /**
   * Evaluates a filter; the result stays here and `rows` pages through it. A search typed further, the
   * rest of the filter and the roster as they were, is looked for among the previous matches only.
   */
  query(filter: RosterFilter): QueryResult {
    const index = requireIndex(this.cache.state);
    const last = this.lastQuery;
    const isNarrower = last.index === index && last.filter !== null && sameBesidesText(last.filter, filter) && searchNarrows(last.filter.text, filter.text);
    const matches = filterRoster(index, filter, isNarrower ? last.matches : undefined);
    this.lastQuery = { queryId: last.queryId + 1, matches, filter, index };
    return { queryId: this.lastQuery.queryId, count: matches.length, total: index.size };
  }

  /** Rows `start` (inclusive) to `end` (exclusive) of a query's result; null if a newer query replaced it. */
  rows(queryId: number, start: number, end: number): UserRow[] | null {
    const { index } = this.cache.state;
    if (queryId !== this.lastQuery.queryId || !index) return null;
    const { matches } = this.lastQuery;
    const rows: UserRow[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, matches.length); i++) rows.push(buildUserRow(index, index.userAt(matches[i]!)));
    return rows;
  }

  /** Ids of every user a query matched: what "select all N matching" acts on. */
  matchingIds(queryId: number): string[] | null {
    const { index } = this.cache.state;
    if (queryId !== this.lastQuery.queryId || !index) return null;
    return Array.from(this.lastQuery.matches, (position) => index.idAt(position));
  }

  /** Ids of the users a filter matches now, but those excluded. */
  idsMatching(filter: RosterFilter, excludedIds: readonly string[]): string[] {
    const index = requireIndex(this.cache.state);
    const excluded = new Set(excludedIds);
    const ids: string[] = [];
    for (const position of filterRoster(index, filter)) {
      const id = index.idAt(position);
      if (!excluded.has(id)) ids.push(id);
    }
    return ids;
  }

  async userDetail(id: string): Promise<UserDetail | null> {
    const index = requireIndex(this.cache.state);
    const user = index.userById(id);
    if (!user) return null;
    const db = this.db;
    const [bundles, admin, audit] = await Promise.all([
      this.store.readBundles([id]),
      db.admins.get(id),
      readUserAuditHistory(db, id, 50),
    ]);
    const bundle = bundles.get(id);
    if (!bundle) return null;
    return buildUserDetail(index, user, {
      admin: admin ?? null,
      membershipRequests: bundle.membershipRequests,
      assignments: bundle.assignments,
      previousAssignments: bundle.removedAssignments,
      completions: bundle.completions,
      certificates: bundle.certificates,
      tokens: bundle.tokens,
      retainedHistory: bundle.retainedHistory,
      audit,
    });
  }

  facets(): RosterFacets {
    const index = requireIndex(this.cache.state);
    return {
      communities: index.communities
        .map((c) => ({ id: c.id, name: c.name, isGlobal: c.global }))
        .sort((a, b) => Number(b.isGlobal) - Number(a.isGlobal) || a.name.localeCompare(b.name)),
      // By name, whatever order they were loaded or stored in: the choices read the same after a reload.
      customFields: index.customFields.map((f) => ({ name: f.name, label: f.label, values: index.valuesOfField(f.name) })).sort((a, b) => a.label.localeCompare(b.label)),
      methodologies: index.methodologies.map((m) => ({ id: m.id, name: m.name, model: m.model })).sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** Active users whose name or email contains the text: candidates to take over a role. */
  searchActiveUsers(text: string, limit = 20): UserRef[] {
    return this.searchUsers(text, limit, (index, position) => index.statusAt(position) === 'active');
  }

  /**
   * F3: the active user an exact full name or email means (case and accents ignored), or why there is
   * none: several share the name, the one meant is inactive or is `currentAdminId`, nobody matches.
   */
  matchActiveUser(text: string, currentAdminId: string | null = null): UserEntryMatch {
    const index = requireIndex(this.cache.state);
    const mayMean = userEntryFilter(text);
    const candidates: User[] = [];
    if (mayMean) {
      for (let position = 0; position < index.size; position++) {
        if (mayMean(index.searchTextAt(position))) candidates.push(index.userAt(position));
      }
    }
    return matchUserEntry(text, candidates, currentAdminId);
  }

  /** Managers (users with reports) whose name or email contains the text; for the manager filter. */
  searchManagers(text: string, limit = 20): UserRef[] {
    return this.searchUsers(text, limit, (index, position) => index.hasReports(position));
  }

  userRef(id: string): UserRef | null {
    const user = this.cache.state.index?.userById(id);
    return user ? { id: user.id, name: fullName(user) } : null;
  }

  /** F6: entries of an id list that match nobody on the roster (the first `limit`), and how many in all. */
  unmatchedIds(idList: string[], limit = 200): { entries: string[]; count: number } {
    const unmatched = unmatchedIdListEntries(requireIndex(this.cache.state), idList);
    return { entries: unmatched.slice(0, limit), count: unmatched.length };
  }

  private searchUsers(text: string, limit: number, isCandidate: (index: RosterIndex, position: number) => boolean): UserRef[] {
    const index = requireIndex(this.cache.state);
    // A picked suggestion reads "Name (email)": its parentheses are not part of any name or address.
    const matchesText = index.textMatcher(searchWordsOf(text.replace(/[()]/g, ' ')));
    const found: UserRef[] = [];
    for (let position = 0; position < index.size && found.length < limit; position++) {
      if (!isCandidate(index, position) || !matchesText(position)) continue;
      const user = index.userAt(position);
      found.push({ id: user.id, name: `${fullName(user)} (${user.email})` });
    }
    return found;
  }
}

/** Whether two filters ask the same besides the search text. */
function sameBesidesText(a: RosterFilter, b: RosterFilter): boolean {
  return JSON.stringify({ ...a, text: '' }) === JSON.stringify({ ...b, text: '' });
}
