/**
 * The app's Content-Security-Policy: scripts, workers and the manifest from the app's own origin only,
 * connections to itself and to the sync servers the deployment allowed, nothing else. The build puts it
 * in index.html as a <meta>; `vite preview` and `vite dev` also send it as a header on every response
 * (content-security-policy-plugin.ts), because a dedicated worker and the service worker take their
 * policy from their own script's response, never from the page's <meta>. A host serving dist/ should
 * send the same header.
 */

export interface ContentSecurityPolicyOptions {
  /** Sync servers' origins besides the app's own (`https://sync.example.com`), already checked (parse-sync-origins.ts). */
  syncOrigins: readonly string[];
  /**
   * The policy for Vite's dev server, whose hot reload talks over a WebSocket: `ws:` and `wss:`
   * connections are allowed. Vite dev adds its styles as <style> elements, which `'unsafe-inline'` in
   * style-src already allows. Never for a build.
   */
  isDevServer?: boolean;
}

/** The policy as one header value, directives separated by `; `. */
export function contentSecurityPolicy({ syncOrigins, isDevServer = false }: ContentSecurityPolicyOptions): string {
  const connect = ["'self'", ...syncOrigins, ...(isDevServer ? ['ws:', 'wss:'] : [])];
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    // Svelte sets `style` attributes (the `style:` directives: the license pools' bars, the users
    // table's grid and its virtual list's spacer) and Vite dev adds <style> elements: 'unsafe-inline'
    // for styles only, never for scripts.
    ['style-src', "'self'", "'unsafe-inline'"],
    // data: for assets Vite inlines (small images referenced from CSS or code), blob: for images made on the page.
    ['img-src', "'self'", 'data:', 'blob:'],
    ['connect-src', ...new Set(connect)],
    ['worker-src', "'self'"],
    ['manifest-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
  ];
  return directives.map((directive) => directive.join(' ')).join('; ');
}
