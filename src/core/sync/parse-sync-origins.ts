/**
 * The sync servers a deployment lets the app connect to, as the `OFFBOARD_SYNC_ORIGINS` setting gives
 * them at build time: origins separated by commas or spaces. The build puts them in the app's
 * Content-Security-Policy (`connect-src`) and hands the same list to the app, so that the sign-in can tell
 * a server the policy would block from one that is down.
 */
import { parseUrl } from './parse-url.ts';

export interface ParsedSyncOrigins {
  /** Each origin once, serialized as browsers do (`https://sync.example.com`, no default port), in the order given. */
  origins: string[];
  /** One sentence per entry that is not an http(s) origin; such entries are left out of `origins`. */
  errors: string[];
}

/** Reads a list of sync origins; an empty or missing setting is an empty list (the app's own origin only). */
export function parseSyncOrigins(text: string | undefined): ParsedSyncOrigins {
  const origins: string[] = [];
  const errors: string[] = [];
  for (const entry of (text ?? '').split(/[\s,]+/)) {
    if (entry === '') continue;
    const url = parseUrl(entry);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      errors.push(`"${entry}" is not an origin: write it as https://sync.example.com.`);
    } else if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
      errors.push(`"${entry}" is more than an origin: write ${url.origin}, without a path.`);
    } else if (!origins.includes(url.origin)) {
      origins.push(url.origin);
    }
  }
  return { origins, errors };
}
