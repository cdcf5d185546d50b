/**
 * What the worker holds in memory about the roster, and the one function that changes it. Every write
 * (a plan's batches, an import, a pull, a rollback, a transfer, a restore, settings, sign-in, saved rules,
 * report snapshots, another tab's write) describes what it wrote as a RosterChange; `apply` patches the
 * in-memory roster synchronously, with no await between reading it and writing it, and tells those who
 * follow it: the plan session and the query (which drop what the change made stale) and the other tabs.
 * Writes themselves run one at a time (`WriteQueue`), a sync's steps included, so changes are applied in
 * the order they were committed.
 */
import type { OrganizationLists } from '../src/core/changes/change-outcome.ts';
import { reportCoverageOf } from '../src/core/report-coverage.ts';
import type { RosterIndex } from '../src/core/roster-index.ts';
import type { Admin, Organization, ReportSnapshot } from '../src/core/roster-types.ts';
import type { StoredUser } from '../src/core/stored-user.ts';

export interface RosterState {
  index: RosterIndex | null;
  organization: Organization | null;
  admins: Admin[];
  signedInAdminId: string | null;
  /** A5/A17: when each user was last covered by a report snapshot. */
  reportCoverage: ReadonlyMap<string, string>;
}

export const EMPTY_ROSTER: RosterState = { index: null, organization: null, admins: [], signedInAdminId: null, reportCoverage: new Map() };

export interface RosterChange {
  /** Users as stored now, and users gone. */
  users?: { changed: readonly StoredUser[]; deletedIds: readonly string[] };
  organization?: Organization;
  lists?: OrganizationLists;
  admins?: Admin[];
  /** Who is signed in on this device (undefined: unchanged). */
  signedInAdminId?: string | null;
  /** Report snapshots taken (A5/A17). */
  reportSnapshots?: ReportSnapshot[];
  /** Saved selection rules changed: they live in the database, nothing here to patch. */
  rules?: boolean;
  /** The outbox changed: a change waits to be sent, or a sync settled some. */
  outbox?: boolean;
  /** Made by an admin on this device: a reason to sync soon. */
  isLocalChange?: boolean;
  /** Everything replaced (opened, loaded, cleared, signed in to another roster): the new state whole. */
  replaced?: RosterState;
  /** Not a write of this tab, so not announced: another tab's (announced by it), or what was read anew. */
  origin?: 'other_tab' | 'read';
}

/** Whether a change can make a plan built before it wrong. */
export function affectsPlans(change: RosterChange): boolean {
  return (
    change.replaced !== undefined ||
    change.users !== undefined ||
    change.organization !== undefined ||
    change.lists !== undefined ||
    change.admins !== undefined ||
    change.signedInAdminId !== undefined ||
    change.reportSnapshots !== undefined
  );
}

/** Whether a change can change which users a filter matches or how a row reads. */
export function affectsQueries(change: RosterChange): boolean {
  return change.replaced !== undefined || change.users !== undefined || change.lists !== undefined;
}

export class RosterCache {
  private current: RosterState = EMPTY_ROSTER;
  private readonly followers: ((change: RosterChange, state: RosterState) => void)[] = [];

  get state(): RosterState {
    return this.current;
  }

  /** Called after every change is applied, in the order followers were added. */
  follow(follower: (change: RosterChange, state: RosterState) => void): void {
    this.followers.push(follower);
  }

  apply(change: RosterChange): void {
    if (change.replaced) {
      this.current = change.replaced;
    } else {
      const was = this.current;
      let index = was.index;
      if (index && (change.users || change.lists)) {
        index = index.withChange({ changed: change.users?.changed ?? [], deletedIds: change.users?.deletedIds ?? [], lists: change.lists });
      }
      let reportCoverage = was.reportCoverage;
      if (change.reportSnapshots && change.reportSnapshots.length > 0) reportCoverage = reportCoverageOf(change.reportSnapshots, new Map(was.reportCoverage));
      this.current = {
        index,
        organization: change.organization ?? was.organization,
        admins: change.admins ?? was.admins,
        signedInAdminId: change.signedInAdminId !== undefined ? change.signedInAdminId : was.signedInAdminId,
        reportCoverage,
      };
    }
    for (const follower of this.followers) follower(change, this.current);
  }
}

/** Runs writes one at a time, in the order they were asked for; a failed one does not stop the next. */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(write: () => Promise<T>): Promise<T> {
    const result = this.tail.then(write, write);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
