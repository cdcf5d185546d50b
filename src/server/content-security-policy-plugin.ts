/**
 * Puts the app's Content-Security-Policy (content-security-policy.ts) in index.html as a <meta>, and
 * sends it as a header from `vite preview` and `vite dev`: the roster worker and the service worker
 * take their policy from their own responses, not from the page. The sync servers allowed besides the
 * app's own origin come from OFFBOARD_SYNC_ORIGINS (origins separated by commas) at build time; the
 * same list reaches the app as `import.meta.env.OFFBOARD_SYNC_ORIGINS`, so that the sign-in can name
 * the servers it may reach (src/core/sync/is-sync-origin-allowed.ts). `npm start` builds and previews
 * in one shell, so both read the same value; set it the same way for each if they run apart.
 * Vitest's own servers get nothing: its pages run inline scripts and talk to servers on other ports.
 */
import type { Connect, Plugin } from 'vite';
import { parseSyncOrigins } from '../core/sync/parse-sync-origins.ts';
import { contentSecurityPolicy } from './content-security-policy.ts';

export const SYNC_ORIGINS_VARIABLE = 'OFFBOARD_SYNC_ORIGINS';

/** The allowed sync origins of `value`; a wrong entry stops the build rather than ship a policy that blocks it. */
function syncOriginsOf(value: string | undefined): string[] {
  const { origins, errors } = parseSyncOrigins(value);
  if (errors.length > 0) throw new Error(`${SYNC_ORIGINS_VARIABLE}: ${errors.join(' ')}`);
  return origins;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

function sendPolicy(policy: string): Connect.NextHandleFunction {
  return (_request, response, next) => {
    response.setHeader('Content-Security-Policy', policy);
    next();
  };
}

export function contentSecurityPolicyPlugin(environment: NodeJS.ProcessEnv = process.env): Plugin {
  const syncOrigins = syncOriginsOf(environment[SYNC_ORIGINS_VARIABLE]);
  const isVitest = Boolean(environment.VITEST);
  const buildPolicy = contentSecurityPolicy({ syncOrigins });
  const devPolicy = contentSecurityPolicy({ syncOrigins, isDevServer: true });
  return {
    name: 'offboard-content-security-policy',
    config() {
      // Left undefined under Vitest: no policy applies there, and the sign-in then never blames one.
      if (isVitest) return;
      return { define: { [`import.meta.env.${SYNC_ORIGINS_VARIABLE}`]: JSON.stringify(syncOrigins.join(',')) } };
    },
    transformIndexHtml(html, context) {
      if (isVitest) return html;
      const meta = `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(context.server ? devPolicy : buildPolicy)}" />`;
      // A <meta> policy covers only what comes after it: right after the charset, before any script or link.
      const charset = /<meta\s+charset=[^>]*>/i.exec(html);
      if (charset) return `${html.slice(0, charset.index + charset[0].length)}\n    ${meta}${html.slice(charset.index + charset[0].length)}`;
      return html.replace(/<head[^>]*>/i, (head) => `${head}\n    ${meta}`);
    },
    configureServer(server) {
      if (isVitest) return;
      server.middlewares.use(sendPolicy(devPolicy));
    },
    configurePreviewServer(server) {
      server.middlewares.use(sendPolicy(buildPolicy));
    },
  };
}
