/**
 * What the users screen shows of a user: a row of the list, and the detail panel with everything
 * DOMAIN.md holds for them. Built in the worker from the in-memory roster (and, for the detail, the
 * per-user records read from the database), so the page only ever receives what it renders.
 */
import type { RosterIndex } from './roster-index.ts';
import type {
  Admin,
  Assignment,
  AuditEntry,
  Certificate,
  CompletionRecord,
  LicenseState,
  MembershipRequest,
  RetainedHistory,
  Token,
  TokenKind,
  User,
  UserStatus,
} from './roster-types.ts';

export interface UserRef {
  id: string;
  name: string;
}

export interface UserRow {
  id: string;
  name: string;
  email: string;
  status: UserStatus;
  manager: UserRef | null;
  licenses: { methodologyId: string; methodologyName: string; state: LicenseState }[];
  communities: { id: string; name: string }[];
  customFields: Record<string, string>;
}

export interface UserDetail {
  user: User;
  name: string;
  /** Nearest first. */
  managerChain: UserRef[];
  directReports: UserRef[];
  reportsBelowCount: number;
  admin: Admin | null;
  licenses: { methodologyId: string; methodologyName: string; model: 'seat' | 'ela'; state: LicenseState; releasedFromElaAt: string | null }[];
  communities: { id: string; name: string; isGlobal: boolean; isAdmin: boolean }[];
  membershipRequests: { communityId: string; communityName: string; requestedAt: string }[];
  assignments: Assignment[];
  /** A3/R2: assignments a deactivation removed, which can be re-assigned as they were. */
  previousAssignments: Assignment[];
  completions: (CompletionRecord & { communityName: string })[];
  certificates: (Certificate & { communityName: string })[];
  tokenCounts: Record<TokenKind, number>;
  retainedHistory: RetainedHistory | null;
  audit: AuditEntry[];
}

export interface UserRelatedRecords {
  admin: Admin | null;
  membershipRequests: MembershipRequest[];
  assignments: Assignment[];
  previousAssignments: Assignment[];
  completions: CompletionRecord[];
  certificates: Certificate[];
  tokens: Token[];
  retainedHistory: RetainedHistory | null;
  audit: AuditEntry[];
}

export function fullName(user: Pick<User, 'firstName' | 'lastName'>): string {
  return `${user.firstName} ${user.lastName}`.trim();
}

function refOf(user: User): UserRef {
  return { id: user.id, name: fullName(user) };
}

export function buildUserRow(index: RosterIndex, user: User): UserRow {
  const managerName = user.managerId ? index.nameOf(user.managerId) : undefined;
  return {
    id: user.id,
    name: fullName(user),
    email: user.email,
    status: user.status,
    manager: user.managerId && managerName !== undefined ? { id: user.managerId, name: managerName } : null,
    licenses: index.licensesOf(user.id).map((l) => ({
      methodologyId: l.methodologyId,
      methodologyName: index.methodologyById.get(l.methodologyId)?.name ?? l.methodologyId,
      state: l.state,
    })),
    communities: index.communityIdsOf(user.id).map((id) => ({ id, name: index.communityById.get(id)?.name ?? id })),
    customFields: user.customFields,
  };
}

export function buildUserDetail(index: RosterIndex, user: User, related: UserRelatedRecords): UserDetail {
  const { communityById } = index;
  const communityName = (id: string): string => communityById.get(id)?.name ?? id;
  const tokenCounts: Record<TokenKind, number> = { auth: 0, auto_login: 0, device: 0, oauth: 0 };
  for (const token of related.tokens) tokenCounts[token.kind]++;
  const memberOf = new Set(index.communityIdsOf(user.id));
  const adminOf = index.communities.filter((c) => c.adminIds.includes(user.id)).map((c) => c.id);
  const communityIds = [...new Set([...memberOf, ...adminOf])];
  return {
    user,
    name: fullName(user),
    managerChain: index.managerChainOf(user.id).map(refOf),
    directReports: index.reportsOf(user.id).map(refOf),
    reportsBelowCount: index.subtreeMask(user.id).size,
    admin: related.admin,
    licenses: index.licensesOf(user.id).map((l) => {
      const methodology = index.methodologyById.get(l.methodologyId);
      return {
        methodologyId: l.methodologyId,
        methodologyName: methodology?.name ?? l.methodologyId,
        model: methodology?.model ?? 'seat',
        state: l.state,
        releasedFromElaAt: l.releasedFromElaAt ?? null,
      };
    }),
    communities: communityIds.map((id) => ({
      id,
      name: communityName(id),
      isGlobal: communityById.get(id)?.global ?? false,
      isAdmin: adminOf.includes(id),
    })),
    membershipRequests: related.membershipRequests.map((r) => ({
      communityId: r.communityId,
      communityName: communityName(r.communityId),
      requestedAt: r.requestedAt,
    })),
    assignments: related.assignments,
    previousAssignments: related.previousAssignments,
    completions: related.completions.map((c) => ({ ...c, communityName: communityName(c.communityId) })),
    certificates: related.certificates.map((c) => ({ ...c, communityName: communityName(c.communityId) })),
    tokenCounts,
    retainedHistory: related.retainedHistory,
    audit: related.audit,
  };
}
