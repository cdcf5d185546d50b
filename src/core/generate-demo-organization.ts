/**
 * The demo organization: a realistic, internally consistent roster of any size, the same for the same
 * seed. It is produced in chunks so that a 1,000,000-user organization can be written to IndexedDB
 * without ever holding every record at once.
 *
 * Shape: a manager tree at least 6 levels deep (a ternary hierarchy of managers, individual
 * contributors under its leaves), three methodologies (one on an ELA), twenty communities (one global),
 * and per user: licenses, memberships, requests, assignments, completions, certificates, tokens and
 * retained history. Inactive users look as a past deactivation would have left them (A3–A11, F7–F9).
 */
import { createRandom, mixSeed, type Random } from './seeded-random.ts';
import { foldText } from './fold-text.ts';
import {
  PER_USER_RECORD_KINDS,
  RETAINED_HISTORY_KINDS,
  type AssignmentStatus,
  type Community,
  type Methodology,
  type OrganizationRecords,
  type RetainedHistoryKind,
  type RosterChunk,
} from './roster-types.ts';

export const DEFAULT_DEMO_SIZE = 2_000;
export const DEFAULT_DEMO_SEED = 20_261_101;

/** The demo's "now": fixed so that dates, and so rules on dates, are reproducible. */
export const DEMO_NOW = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;

export interface DemoOptions {
  size?: number;
  seed?: number;
}

export type DemoHeader = OrganizationRecords;
export type { RosterChunk };

export interface DemoOrganization {
  size: number;
  seed: number;
  header: DemoHeader;
  /** Yields the users in id order, `chunkSize` at a time, with everything that belongs to them. */
  chunks(chunkSize: number): Generator<RosterChunk>;
}

const FIRST_NAMES = [
  'Ada', 'Aiko', 'Alejandro', 'Amara', 'Anders', 'Aoife', 'Arjun', 'Beatriz', 'Bilal', 'Camille',
  'Chen', 'Chiara', 'Dana', 'Dmitri', 'Efua', 'Elif', 'Émile', 'Fatima', 'Felipe', 'Freya',
  'Gabriel', 'Hana', 'Hugo', 'Ines', 'Ingrid', 'Jamal', 'Javier', 'Jin', 'José', 'Kai',
  'Kamala', 'Kofi', 'Lars', 'Leila', 'Liam', 'Łukasz', 'Mai', 'Marco', 'Maya', 'Mei',
  'Mohammed', 'Nadia', 'Niamh', 'Noah', 'Olu', 'Omar', 'Priya', 'Rafael', 'Rania', 'Ravi',
  'Sakura', 'Santiago', 'Sofia', 'Søren', 'Tariq', 'Thandiwe', 'Tomás', 'Yara', 'Yusuf', 'Zoë',
] as const;

const LAST_NAMES = [
  'Abara', 'Andersen', 'Bauer', 'Becker', 'Brennan', 'Castillo', 'Chowdhury', 'Costa', 'Dubois', 'Dvořák',
  'Eriksson', 'Fernández', 'Fischer', 'Gallagher', 'García', 'Haddad', 'Hansen', 'Hoffmann', 'Ibrahim', 'Ito',
  'Jansen', 'Kaur', 'Kim', 'Kowalski', 'Laine', 'Lefèvre', 'Lindqvist', 'Mbeki', 'Moreau', 'Müller',
  'Murphy', 'Nakamura', 'Nguyen', 'Novak', "O'Brien", 'Okafor', 'Olsen', 'Park', 'Patel', 'Petrov',
  'Quinn', 'Rossi', 'Sato', 'Schmidt', 'Silva', 'Singh', 'Suzuki', 'Tanaka', 'Torres', 'Van der Berg',
  'Varga', 'Wagner', 'Walsh', 'Wang', 'Weber', 'Williams', 'Yamamoto', 'Yilmaz', 'Zhang', 'Zielińska',
] as const;

const REGIONS = ['EMEA', 'Americas', 'APAC'] as const;
const DEPARTMENTS = ['Sales', 'Customer Success', 'Marketing', 'Sales Engineering', 'Finance', 'Operations'] as const;

const COMMUNITY_NAMES = [
  'All Company', 'EMEA Sales', 'Americas Sales', 'APAC Sales', 'Customer Success Guild', 'Sales Engineering',
  'New Hires 2026', 'Leadership Circle', 'Product Champions', 'Partner Enablement', 'Marketing Hub',
  'Finance Partners', 'Operations Forum', 'Enterprise Accounts', 'SMB Accounts', 'Negotiation Lab',
  'Coaching Corner', 'Certification Prep', 'Field Enablement', 'Renewals Desk',
] as const;

const CONTENT_COUNT = 40;
const COURSE_COUNT = 30;
/** The ternary manager hierarchy has at least 364 managers: levels 0–5, so ICs sit at level 6. */
const MIN_MANAGERS = 1 + 3 + 9 + 27 + 81 + 243;
const MANAGER_BRANCHING = 3;
/** Users 0, 2 and 5 hold fixed roles; they are always active. */
const SIGNED_IN_ADMIN_INDEX = 2;
const READ_ONLY_ADMIN_INDEX = 5;

/** `U0000042`: zero-padded so that ids sort in creation order as strings too. */
export function demoUserId(index: number): string {
  return `U${String(index + 1).padStart(7, '0')}`;
}

export function demoCommunityId(index: number): string {
  return `C-${index + 1}`;
}

function managerCountFor(size: number): number {
  return Math.min(size, Math.max(MIN_MANAGERS, Math.ceil(size / 8)));
}

/** Manager of user `index`: a ternary heap among managers, ICs spread over the heap's leaves. */
function managerIndexOf(index: number, managerCount: number, random: Random): number | null {
  if (index === 0) return null;
  if (index < managerCount) return Math.floor((index - 1) / MANAGER_BRANCHING);
  const firstLeaf = Math.ceil((managerCount - 1) / MANAGER_BRANCHING);
  return firstLeaf + random.int(managerCount - firstLeaf);
}

function isoDaysBefore(now: number, days: number): string {
  return new Date(now - Math.round(days * DAY_MS)).toISOString();
}

/** Lower-case ASCII for e-mail local parts: "Zoë" → "zoe", "O'Brien" → "obrien". */
function emailPart(name: string): string {
  return foldText(name).replace(/[^a-z0-9]/g, '');
}

function buildHeader(size: number, seed: number): DemoHeader {
  const random = createRandom(mixSeed(seed, 0x5eed));
  const managerCount = managerCountFor(size);
  const fixedRoles = new Set([0, SIGNED_IN_ADMIN_INDEX, READ_ONLY_ADMIN_INDEX]);

  const communities: Community[] = COMMUNITY_NAMES.map((name, c) => {
    const adminCount = c === 0 ? 2 : 1 + random.int(3);
    const adminIds = new Set<string>();
    // Community admins are managers (always active); the signed-in admin is never one, so the demo
    // shows the F3 blocker on others rather than on the actor.
    const pool = Math.max(1, managerCount - 1);
    for (let attempt = 0; adminIds.size < Math.min(adminCount, size) && attempt < 50; attempt++) {
      const index = 1 + random.int(pool);
      if (index < size && !fixedRoles.has(index)) adminIds.add(demoUserId(index));
    }
    return { id: demoCommunityId(c), name, global: c === 0, adminIds: [...adminIds] };
  });

  const methodologies: Methodology[] = [
    { id: 'M-COM', name: 'Command of the Message', model: 'seat', seats: Math.ceil(size * 0.45) },
    { id: 'M-MSP', name: 'Mantra Sales Process', model: 'seat', seats: Math.ceil(size * 0.25) },
    { id: 'M-VFE', name: 'Value Framework', model: 'ela', seats: Math.ceil(size * 0.5) },
  ];

  return {
    organization: {
      id: 'org-northwind',
      name: 'Northwind Traders',
      plan: 'plus',
      seatLimit: Math.ceil(size * 1.02),
      policyPreset: 'ascender',
      policyOverrides: {},
      batchLimit: 100,
    },
    admins: [
      { userId: demoUserId(SIGNED_IN_ADMIN_INDEX), permissions: ['manage_users', 'reports', 'delete_users'] },
      { userId: demoUserId(READ_ONLY_ADMIN_INDEX), permissions: ['reports'] },
    ],
    signedInAdminId: demoUserId(SIGNED_IN_ADMIN_INDEX),
    methodologies,
    communities,
    customFields: [
      { name: 'region', label: 'Region', allowedValues: [...REGIONS] },
      { name: 'department', label: 'Department', allowedValues: [...DEPARTMENTS] },
      { name: 'offboard', label: 'Offboard', allowedValues: [] },
    ],
  };
}

/** Seeds the stream removed assignments draw from. */
const REMOVED_ASSIGNMENTS_STREAM = 0x2a55;
/** Seeds the stream the certificates and memberships a past deactivation kept aside draw from. */
const KEPT_RECORDS_STREAM = 0x4b3e;

function emptyChunk(): RosterChunk {
  return Object.fromEntries(PER_USER_RECORD_KINDS.map((kind) => [kind, []])) as unknown as RosterChunk;
}

const ASSIGNMENT_STATUSES: readonly AssignmentStatus[] = ['not_started', 'in_progress', 'completed', 'overdue'];

/**
 * Builds the demo organization for `size` users. Nothing is generated until `chunks()` is iterated;
 * iterating twice gives the same records.
 */
export function generateDemoOrganization(options: DemoOptions = {}): DemoOrganization {
  const size = Math.max(1, Math.floor(options.size ?? DEFAULT_DEMO_SIZE));
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const header = buildHeader(size, seed);
  const managerCount = managerCountFor(size);
  const communityAdminIds = new Set(header.communities.flatMap((c) => c.adminIds));
  const adminOfCommunities = new Map<string, string[]>();
  for (const community of header.communities) {
    for (const id of community.adminIds) {
      adminOfCommunities.set(id, [...(adminOfCommunities.get(id) ?? []), community.id]);
    }
  }
  const globalCommunityId = header.communities.find((c) => c.global)!.id;
  const elaIds = new Set(header.methodologies.filter((m) => m.model === 'ela').map((m) => m.id));
  const licenseOdds = new Map([['M-COM', 0.4], ['M-MSP', 0.2], ['M-VFE', 0.45]]);

  function* chunks(chunkSize: number): Generator<RosterChunk> {
    const emailCounts = new Map<string, number>();
    let chunk = emptyChunk();
    for (let index = 0; index < size; index++) {
      const random = createRandom(mixSeed(seed, index + 1));
      const id = demoUserId(index);
      const managerIndex = managerIndexOf(index, managerCount, random);
      const firstName = random.pick(FIRST_NAMES);
      const lastName = random.pick(LAST_NAMES);
      const emailBase = `${emailPart(firstName)}.${emailPart(lastName)}`;
      const seen = (emailCounts.get(emailBase) ?? 0) + 1;
      emailCounts.set(emailBase, seen);
      const email = `${emailBase}${seen === 1 ? '' : seen}@northwind.example`;

      // Only individual contributors can have been deactivated already: a deactivated manager's
      // reports would have moved up (A8), and admins of communities cannot be deactivated (F3).
      const isInactive = index >= managerCount && !communityAdminIds.has(id) && random.chance(0.06);
      const createdDaysAgo = 30 + random.next() * 2_000;
      const deactivatedDaysAgo = random.next() * Math.min(300, createdDaysAgo - 1);
      const neverLoggedIn = random.chance(0.04);
      const lastLoginDaysAgo = isInactive ? deactivatedDaysAgo + random.next() * 30 : random.next() * 420;
      const deactivatedAt = isInactive ? isoDaysBefore(DEMO_NOW, deactivatedDaysAgo) : null;

      chunk.users.push({
        id,
        email,
        firstName,
        lastName,
        status: isInactive ? 'inactive' : 'active',
        managerId: managerIndex === null ? null : demoUserId(managerIndex),
        customFields: { region: random.pick(REGIONS), department: random.pick(DEPARTMENTS) },
        lastLoginAt: neverLoggedIn ? null : isoDaysBefore(DEMO_NOW, Math.min(lastLoginDaysAgo, createdDaysAgo)),
        createdAt: isoDaysBefore(DEMO_NOW, createdDaysAgo),
        deactivatedAt,
        deactivatedBy: isInactive ? header.signedInAdminId : null,
      });

      for (const methodology of header.methodologies) {
        if (!random.chance(licenseOdds.get(methodology.id) ?? 0)) continue;
        const consumed = random.chance(0.7);
        // A10: reserved licenses of a deactivated user went back to the pool.
        if (isInactive && !consumed) continue;
        const wasElaReleased = isInactive && elaIds.has(methodology.id);
        if (wasElaReleased) {
          // A11: consumed ELA licenses were released, and remembered for reactivation (R5).
          chunk.licenses.push({ userId: id, methodologyId: methodology.id, state: 'consumed', releasedFromElaAt: deactivatedAt });
        } else {
          chunk.licenses.push({ userId: id, methodologyId: methodology.id, state: consumed ? 'consumed' : 'reserved' });
        }
      }

      // F9/R3/R4: what a past deactivation kept aside draws from a stream of its own, as removed
      // assignments do below, so every other record stays as it was before these existed.
      const keptRandom = isInactive ? createRandom(mixSeed(seed ^ KEPT_RECORDS_STREAM, index + 1)) : null;
      if (keptRandom) {
        // They were a member of the global community, as every active user is, until the deactivation.
        const joinedDaysAgo = deactivatedDaysAgo + keptRandom.next() * (createdDaysAgo - deactivatedDaysAgo);
        chunk.removedMemberships.push({ userId: id, communityId: globalCommunityId, joinedAt: isoDaysBefore(DEMO_NOW, joinedDaysAgo) });
      }

      const joined = new Set<string>();
      if (!isInactive) {
        joined.add(globalCommunityId);
        for (const communityId of adminOfCommunities.get(id) ?? []) joined.add(communityId);
        const extra = random.int(3);
        for (let k = 0; k < extra; k++) joined.add(demoCommunityId(1 + random.int(COMMUNITY_NAMES.length - 1)));
        for (const communityId of joined) {
          chunk.memberships.push({ userId: id, communityId, joinedAt: isoDaysBefore(DEMO_NOW, random.next() * createdDaysAgo) });
        }
        if (random.chance(0.03)) {
          const wanted = demoCommunityId(1 + random.int(COMMUNITY_NAMES.length - 1));
          if (!joined.has(wanted)) {
            chunk.membershipRequests.push({ userId: id, communityId: wanted, requestedAt: isoDaysBefore(DEMO_NOW, random.next() * 20) });
          }
        }
      }

      // A3 (ascender preset): a deactivated user's assignments were removed, and kept aside for R2. They
      // draw from a stream of their own so that every other record stays as it was before they existed.
      const assignmentRandom = isInactive ? createRandom(mixSeed(seed ^ REMOVED_ASSIGNMENTS_STREAM, index + 1)) : random;
      const assignmentCount = assignmentRandom.int(isInactive ? 4 : 3);
      for (let k = 0; k < assignmentCount; k++) {
        (isInactive ? chunk.removedAssignments : chunk.assignments).push({
          id: `A-${index + 1}-${k + 1}`,
          userId: id,
          contentId: `CNT-${1 + assignmentRandom.int(CONTENT_COUNT)}`,
          dueAt: assignmentRandom.chance(0.8) ? isoDaysBefore(DEMO_NOW, 60 - assignmentRandom.next() * 120) : null,
          status: assignmentRandom.pick(ASSIGNMENT_STATUSES),
        });
      }

      const completionCount = random.int(3);
      const completionCommunities = joined.size > 0 ? [...joined] : [globalCommunityId];
      const completed = new Set<string>();
      for (let k = 0; k < completionCount; k++) {
        const courseId = `CRS-${1 + random.int(COURSE_COUNT)}`;
        const communityId = random.pick(completionCommunities);
        if (completed.has(`${courseId} ${communityId}`)) continue;
        completed.add(`${courseId} ${communityId}`);
        const completedAt = isoDaysBefore(DEMO_NOW, random.next() * createdDaysAgo);
        chunk.completions.push({ userId: id, courseId, communityId, completedAt });
        // F9: a deactivated user's SCORM certificates were removed, and kept aside to come back (R4);
        // completion records stay.
        if (keptRandom ? keptRandom.chance(0.6) : random.chance(0.6)) {
          (keptRandom ? chunk.removedCertificates : chunk.certificates).push({ id: `CERT-${index + 1}-${k + 1}`, userId: id, courseId, communityId, issuedAt: completedAt });
        }
      }

      // A7/F7: a deactivated user holds no tokens.
      if (!isInactive) {
        const created = isoDaysBefore(DEMO_NOW, random.next() * 90);
        if (random.chance(0.9)) chunk.tokens.push({ id: `T-${index + 1}-auth`, userId: id, kind: 'auth', createdAt: created });
        if (random.chance(0.2)) chunk.tokens.push({ id: `T-${index + 1}-auto`, userId: id, kind: 'auto_login', createdAt: created });
        if (random.chance(0.4)) chunk.tokens.push({ id: `T-${index + 1}-device`, userId: id, kind: 'device', createdAt: created });
        if (random.chance(0.15)) chunk.tokens.push({ id: `T-${index + 1}-oauth`, userId: id, kind: 'oauth', createdAt: created });
      }

      const counts = {} as Record<RetainedHistoryKind, number>;
      for (const kind of RETAINED_HISTORY_KINDS) counts[kind] = random.int(kind === 'contentViews' ? 200 : 12);
      chunk.retainedHistory.push({ userId: id, counts, lastActivityAt: isoDaysBefore(DEMO_NOW, lastLoginDaysAgo) });

      if (chunk.users.length >= chunkSize) {
        yield chunk;
        chunk = emptyChunk();
      }
    }
    if (chunk.users.length > 0) yield chunk;
  }

  return { size, seed, header, chunks };
}
