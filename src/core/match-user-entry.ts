/**
 * F3: whom an admin means by what they typed into a "new admin" field: an exact email, an exact full
 * name, or a picked suggestion "Name (email)", case and accents ignored as everywhere in search
 * (`foldText`). A name that several active users share asks for the email; an inactive user, or the
 * admin whose role is being passed on, cannot take it over. Each outcome has its words, so a disabled
 * Transfer button always says why.
 */
import { foldText } from './fold-text.ts';
import { formatCount } from './format-count.ts';
import type { User } from './roster-types.ts';
import { fullName } from './user-views.ts';

export interface UserChoice {
  id: string;
  name: string;
  email: string;
}

export type UserEntryMatch =
  | { kind: 'empty' }
  | { kind: 'user'; user: UserChoice }
  | { kind: 'several'; count: number }
  | { kind: 'inactive'; user: UserChoice }
  | { kind: 'current_admin'; user: UserChoice }
  | { kind: 'none' };

/** A picked suggestion reads "Name (email)": the address in parentheses decides. */
const SUGGESTION = /\(([^()\s]+@[^()\s]+)\)\s*$/;

function normalize(text: string): string {
  return foldText(text).trim().replace(/\s+/g, ' ');
}

/** What the entry is matched on: an email, or a full name. */
function entryKey(text: string): { email: string } | { name: string } | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const suggested = SUGGESTION.exec(trimmed)?.[1];
  if (suggested) return { email: normalize(suggested) };
  return trimmed.includes('@') ? { email: normalize(trimmed) } : { name: normalize(trimmed) };
}

/**
 * Whether a user whose folded search text ("first last email", as `RosterIndex` keeps it) is
 * `searchText` may be the one the entry means: the worker narrows a roster of 1,000,000 to the few
 * candidates `matchUserEntry` then decides between, without folding any name again. Null for no entry.
 */
export function userEntryFilter(text: string): ((searchText: string) => boolean) | null {
  const key = entryKey(text);
  if (key === null) return null;
  if ('email' in key) {
    const ending = ` ${key.email}`;
    return (searchText) => searchText.endsWith(ending);
  }
  const start = `${key.name} `;
  // A name with doubled spaces (a missing last name) is rare: only then is the text normalized.
  return (searchText) => searchText.startsWith(start) || (searchText.includes('  ') && searchText.replace(/\s+/g, ' ').startsWith(start));
}

function choiceOf(user: User): UserChoice {
  return { id: user.id, name: fullName(user), email: user.email };
}

/** Whom `text` means among `candidates` (any users; those it cannot mean are ignored). */
export function matchUserEntry(text: string, candidates: Iterable<User>, currentAdminId: string | null = null): UserEntryMatch {
  const key = entryKey(text);
  if (key === null) return { kind: 'empty' };
  const isMeant = 'email' in key ? (user: User) => normalize(user.email) === key.email : (user: User) => normalize(fullName(user)) === key.name;
  const active: User[] = [];
  let inactive: User | null = null;
  for (const user of candidates) {
    if (!isMeant(user)) continue;
    if (user.status === 'active') active.push(user);
    else inactive ??= user;
  }
  if (active.length > 1) return { kind: 'several', count: active.length };
  const [only] = active;
  if (only) return only.id === currentAdminId ? { kind: 'current_admin', user: choiceOf(only) } : { kind: 'user', user: choiceOf(only) };
  return inactive ? { kind: 'inactive', user: choiceOf(inactive) } : { kind: 'none' };
}

/**
 * What the field says under the Transfer button: who will take over, or why nobody can yet.
 * `community` names the community ("Sales (C-4)").
 */
export function describeUserEntryMatch(match: UserEntryMatch, text: string, community: string): string {
  const typed = text.trim();
  switch (match.kind) {
    case 'empty':
      return 'Type the full name or the email of an active user.';
    case 'user':
      return `${match.user.name} (${match.user.email}) becomes the admin of ${community}.`;
    case 'several':
      return `${formatCount(match.count)} active users are named “${typed}”: type the email of the one you mean.`;
    case 'inactive':
      return `${match.user.name} (${match.user.email}) is inactive: choose an active user.`;
    case 'current_admin':
      return `${match.user.name} is the admin whose role is passed on: choose someone else.`;
    case 'none':
      return `No active user has the name or email “${typed}”. Type a full name or an email exactly, or pick a suggestion.`;
  }
}
