/**
 * Whether the app's Content-Security-Policy lets it reach a sync server: its `connect-src` holds the
 * app's own origin ('self', where the reference server is mounted under /api) and the origins the
 * deployment allowed at build time (parse-sync-origins.ts). A server outside them fails with a bare
 * network error, indistinguishable from one that is down; asking first lets the sign-in say why.
 */
import { formatList } from '../plural.ts';
import { parseUrl } from './parse-url.ts';

/**
 * True when `url`'s origin is `appOrigin` or one of `allowedOrigins`, compared as serialized origins
 * (scheme, host, port). Exact origins only, as the policy lists them: this never allows a server the
 * policy would block. A `url` that is no absolute URL is not allowed.
 */
export function isSyncOriginAllowed(url: string, appOrigin: string, allowedOrigins: readonly string[]): boolean {
  const origin = parseUrl(url)?.origin;
  if (origin === undefined || origin === 'null') return false;
  return origin === parseUrl(appOrigin)?.origin || allowedOrigins.some((allowed) => parseUrl(allowed)?.origin === origin);
}

/**
 * What to tell an admin whose server `url` the policy blocks, or null when it is allowed: which servers
 * this app connects to, and the origin to ask for.
 */
export function blockedSyncOriginMessage(url: string, appOrigin: string, allowedOrigins: readonly string[]): string | null {
  if (isSyncOriginAllowed(url, appOrigin, allowedOrigins)) return null;
  const own = parseUrl(appOrigin)?.origin ?? appOrigin;
  const others = allowedOrigins.map((allowed) => parseUrl(allowed)?.origin ?? allowed).filter((allowed) => allowed !== own);
  const reachable = formatList([`its own server (${own})`, ...others]);
  const origin = parseUrl(url)?.origin;
  if (origin === undefined || origin === 'null') return `“${url.trim()}” is not a server address. This app only connects to ${reachable}.`;
  return `This app only connects to ${reachable}; ask whoever deployed it to add ${origin}.`;
}
