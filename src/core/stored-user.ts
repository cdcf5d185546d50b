/**
 * A user as the device stores and the worker holds them: the domain record plus what is derived from the
 * records around them (their record summary, their custom field tags). Derived in one place, from the
 * user's bundle, whenever the bundle is written: never counted by hand.
 */
import { customFieldTags } from './custom-field-tags.ts';
import type { User } from './roster-types.ts';
import { emptyUserRecordSummary, summarizeUserRecords, type UserRecordSummary } from './summarize-user-records.ts';
import type { UserBundle } from './sync/user-bundle.ts';

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
