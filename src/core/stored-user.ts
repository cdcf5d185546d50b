/**
 * A user as the device stores and the worker holds them: the domain record plus what is derived from the
 * records around them (their record summary, their custom field tags). Derived in one place, from the
 * user's bundle, whenever the bundle is written: never counted by hand.
 */
import { customFieldTags } from './custom-field-tags.ts';
import type { RetainedHistory, User } from './roster-types.ts';
import { emptyUserRecordSummary, summarizeUserRecords, type UserRecordSummary } from './summarize-user-records.ts';
import { BUNDLE_RECORD_KINDS, type UserBundle } from './sync/user-bundle.ts';

/** `fieldTags` indexes custom field values (filter "offboard = wave-3", A13). */
export interface StoredUser extends User, UserRecordSummary {
  fieldTags: string[];
}

/** The domain record of a stored user (drops the derived fields). */
export function toUser(stored: StoredUser): User {
  const { fieldTags: _tags, communityIds: _communities, licenses: _licenses, counts: _counts, ...user } = stored;
  return user;
}

export function toStoredUser(user: User, summary: UserRecordSummary = emptyUserRecordSummary()): StoredUser {
  return { ...toUser(user as StoredUser), fieldTags: customFieldTags(user.customFields ?? {}), ...summary };
}

/** The user of a live bundle as stored, everything derived worked out from the bundle's records. */
export function storedUserOf(bundle: UserBundle, globalCommunityId: string | null): StoredUser {
  const summary = summarizeUserRecords({ ...bundle, retainedHistory: bundle.retainedHistory ? [bundle.retainedHistory] : [] }, globalCommunityId).get(bundle.id);
  return toStoredUser(bundle.user!, summary);
}

/**
 * `storedUserOf` of many live bundles of distinct users at once: one pass over all their records instead
 * of a summary worked out (a map, a set, a copy of the bundle) per user. A record that names another
 * user than its bundle's counts for nobody, as it does one bundle at a time.
 */
export function storedUsersOf(bundles: readonly UserBundle[], globalCommunityId: string | null): StoredUser[] {
  const lists = Object.fromEntries(BUNDLE_RECORD_KINDS.map((kind) => [kind, [] as { userId: string }[]])) as Record<string, { userId: string }[]>;
  const retainedHistory: RetainedHistory[] = [];
  for (const bundle of bundles) {
    for (const kind of BUNDLE_RECORD_KINDS) {
      const list = lists[kind]!;
      for (const record of (bundle[kind] ?? []) as readonly { userId: string }[]) if (record.userId === bundle.id) list.push(record);
    }
    if (bundle.retainedHistory && bundle.retainedHistory.userId === bundle.id) retainedHistory.push(bundle.retainedHistory);
  }
  const summaries = summarizeUserRecords({ ...lists, retainedHistory }, globalCommunityId);
  return bundles.map((bundle) => toStoredUser(bundle.user!, summaries.get(bundle.id)));
}
