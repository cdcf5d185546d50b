/**
 * Per user, how many records of each kind they hold: all a plan needs to count its effects (A7, F9, R2,
 * R4), without keeping every token, assignment and certificate of 1,000,000 users in memory.
 */
import type { Assignment, Certificate, CompletionRecord, Membership, RetainedHistory, Token, TokenKind } from './roster-types.ts';

export interface UserRecordCounts {
  requests: number;
  assignments: number;
  /** A3/R2: assignments an earlier deactivation removed, offered again on reactivation. */
  removedAssignments: number;
  completions: number;
  certificates: number;
  /** F9/R4: certificates a deactivation kept aside, to come back as they were. */
  removedCertificates: number;
  /** F9/R3: memberships a deactivation kept aside (the global community's), to come back as they were. */
  removedMemberships: number;
  /** R4: completions without a certificate, in the global community (the certificate reappears)… */
  uncertifiedGlobalCompletions: number;
  /** …and elsewhere (it can be regenerated: "Get certificate"). */
  uncertifiedOtherCompletions: number;
  tokens: Record<TokenKind, number>;
  hasRetainedHistory: boolean;
  /** A5: the latest activity that changes what reports hold about the user. */
  lastActivityAt: string | null;
}

export function emptyUserRecordCounts(): UserRecordCounts {
  return {
    requests: 0,
    assignments: 0,
    removedAssignments: 0,
    completions: 0,
    certificates: 0,
    removedCertificates: 0,
    removedMemberships: 0,
    uncertifiedGlobalCompletions: 0,
    uncertifiedOtherCompletions: 0,
    tokens: { auth: 0, auto_login: 0, device: 0, oauth: 0 },
    hasRetainedHistory: false,
    lastActivityAt: null,
  };
}

export interface CountedRecords {
  membershipRequests?: readonly { userId: string }[];
  assignments?: readonly Assignment[];
  removedAssignments?: readonly Assignment[];
  completions?: readonly CompletionRecord[];
  certificates?: readonly Certificate[];
  removedCertificates?: readonly Certificate[];
  removedMemberships?: readonly Membership[];
  tokens?: readonly Token[];
  retainedHistory?: readonly RetainedHistory[];
}

/**
 * Adds `records` to `counts` (created per user as needed). Call it once per chunk of a load: a user's
 * completions and certificates must arrive in the same call, as they do in every chunk of this app.
 */
export function addUserRecordCounts(counts: Map<string, UserRecordCounts>, records: CountedRecords, globalCommunityId: string | null): void {
  const of = (userId: string): UserRecordCounts => {
    let entry = counts.get(userId);
    if (!entry) counts.set(userId, (entry = emptyUserRecordCounts()));
    return entry;
  };
  for (const r of records.membershipRequests ?? []) of(r.userId).requests++;
  for (const a of records.assignments ?? []) of(a.userId).assignments++;
  for (const a of records.removedAssignments ?? []) of(a.userId).removedAssignments++;
  for (const c of records.removedCertificates ?? []) of(c.userId).removedCertificates++;
  for (const m of records.removedMemberships ?? []) of(m.userId).removedMemberships++;
  for (const t of records.tokens ?? []) of(t.userId).tokens[t.kind]++;
  for (const h of records.retainedHistory ?? []) {
    const entry = of(h.userId);
    entry.hasRetainedHistory = true;
    entry.lastActivityAt = h.lastActivityAt;
  }
  const certified = new Set<string>();
  for (const c of records.certificates ?? []) {
    of(c.userId).certificates++;
    certified.add(`${c.userId} ${c.courseId} ${c.communityId}`);
  }
  for (const c of records.completions ?? []) {
    const entry = of(c.userId);
    entry.completions++;
    if (certified.has(`${c.userId} ${c.courseId} ${c.communityId}`)) continue;
    if (c.communityId === globalCommunityId) entry.uncertifiedGlobalCompletions++;
    else entry.uncertifiedOtherCompletions++;
  }
}
