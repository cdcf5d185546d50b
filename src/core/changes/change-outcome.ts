/**
 * What every change function takes and gives: it reads the user bundles (and organization records) it
 * needs and returns the bundles it writes, the organization lists it replaces, the users it refuses or
 * leaves as they were, and the facts for the audit. No I/O: the device commits the outcome in one
 * IndexedDB transaction (src/db/roster-store.ts), the server in one commit (src/core/sync/server-roster.ts).
 */
import type { AuditEntry, Community, CustomFieldDefinition, Methodology, Organization, Admin } from '../roster-types.ts';
import type { RejectionCode } from '../sync/sync-protocol.ts';
import type { UserBundle } from '../sync/user-bundle.ts';

/** The organization-wide records a change may read. */
export interface OrganizationView {
  organization: Organization;
  admins: readonly Admin[];
  methodologies: readonly Methodology[];
  communities: readonly Community[];
  customFields: readonly CustomFieldDefinition[];
}

/** Organization lists a change replaced, each whole (they are small). */
export interface OrganizationLists {
  communities?: Community[];
  methodologies?: Methodology[];
  customFields?: CustomFieldDefinition[];
}

export interface ChangeContext {
  organization: OrganizationView;
  /** A live user's bundle as it is now; undefined for a user not on the roster (or deleted). */
  bundleOf(userId: string): UserBundle | undefined;
  /** Roster-wide questions the bundles read cannot answer: whether a user is on the roster at all… */
  hasUser(userId: string): boolean;
  /** …and who holds an email, ignoring case (emails are unique). */
  userIdWithEmail(email: string): string | undefined;
  actorId: string;
  /** When the change was made: every record it stamps carries this time. */
  now: string;
}

/** Why a change was not made for one user (or for all of it, userId null). */
export interface Refusal {
  userId: string | null;
  code: RejectionCode;
  /** The DOMAIN.md rule, where one applies. */
  rule: string | null;
  /** What else it names: the email already taken, the manager not on the roster. */
  subject?: string;
  /** For logs and the server's answer; the device's page puts the code into words of its own. */
  message: string;
}

/** The facts of one audit entry; the device adds who, when and the batch. */
export type AuditFact = Pick<AuditEntry, 'action' | 'targetId' | 'ruleId' | 'summary'>;

export interface ChangeOutcome {
  /** Bundles after the change, by user id: live bundles, or tombstones for deleted users. */
  changed: Map<string, UserBundle>;
  /** Users the change created (they had no bundle before). */
  createdIds: string[];
  organization: OrganizationLists | null;
  refusals: Refusal[];
  /** Users left as they were because they already were so (X3). */
  unchanged: string[];
  audit: AuditFact[];
}

export function emptyOutcome(): ChangeOutcome {
  return { changed: new Map(), createdIds: [], organization: null, refusals: [], unchanged: [], audit: [] };
}

export function globalCommunityIdOf(organization: Pick<OrganizationView, 'communities'>): string | null {
  return organization.communities.find((c) => c.global)?.id ?? null;
}

/** A11/R5: methodologies on an enterprise license agreement. */
export function elaMethodologyIdsOf(organization: Pick<OrganizationView, 'methodologies'>): Set<string> {
  return new Set(organization.methodologies.filter((m) => m.model === 'ela').map((m) => m.id));
}
