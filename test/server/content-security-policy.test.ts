import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/server/content-security-policy.ts';
import { contentSecurityPolicyPlugin } from '../../src/server/content-security-policy-plugin.ts';

/** The policy as directive → sources. */
function directivesOf(policy: string): Map<string, string[]> {
  return new Map(policy.split('; ').map((directive) => {
    const [name, ...sources] = directive.split(' ');
    return [name!, sources];
  }));
}

describe('contentSecurityPolicy', () => {
  it('allows scripts, workers and connections from the app’s own origin only when no sync server is listed', () => {
    expect(contentSecurityPolicy({ syncOrigins: [] })).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'",
    );
  });

  it('adds the sync origins to connect-src, and nowhere else', () => {
    const policy = directivesOf(contentSecurityPolicy({ syncOrigins: ['https://sync.example.com', 'http://127.0.0.1:8787'] }));
    expect(policy.get('connect-src')).toEqual(["'self'", 'https://sync.example.com', 'http://127.0.0.1:8787']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('worker-src')).toEqual(["'self'"]);
    expect(policy.get('default-src')).toEqual(["'self'"]);
  });

  it('lets the dev server’s hot reload open its WebSocket, and nothing more', () => {
    const build = directivesOf(contentSecurityPolicy({ syncOrigins: ['https://sync.example.com'] }));
    const dev = directivesOf(contentSecurityPolicy({ syncOrigins: ['https://sync.example.com'], isDevServer: true }));
    expect(dev.get('connect-src')).toEqual(["'self'", 'https://sync.example.com', 'ws:', 'wss:']);
    expect(new Map([...dev].filter(([name]) => name !== 'connect-src'))).toEqual(new Map([...build].filter(([name]) => name !== 'connect-src')));
  });

  it('never lets a script run inline or from eval', () => {
    for (const isDevServer of [false, true]) {
      const policy = contentSecurityPolicy({ syncOrigins: [], isDevServer });
      expect(directivesOf(policy).get('script-src')).toEqual(["'self'"]);
      expect(policy).not.toMatch(/unsafe-eval/);
    }
  });
});

describe('contentSecurityPolicyPlugin', () => {
  it('refuses a wrong OFFBOARD_SYNC_ORIGINS rather than build a policy that blocks the server', () => {
    expect(() => contentSecurityPolicyPlugin({ OFFBOARD_SYNC_ORIGINS: 'https://sync.example.com/api' })).toThrow(
      'OFFBOARD_SYNC_ORIGINS: "https://sync.example.com/api" is more than an origin: write https://sync.example.com, without a path.',
    );
  });

  it('hands the checked origins to the app as import.meta.env.OFFBOARD_SYNC_ORIGINS', () => {
    const plugin = contentSecurityPolicyPlugin({ OFFBOARD_SYNC_ORIGINS: 'https://Sync.Example.com, http://127.0.0.1:8787' });
    const config = (plugin.config as () => { define: Record<string, string> })();
    expect(config.define['import.meta.env.OFFBOARD_SYNC_ORIGINS']).toBe(JSON.stringify('https://sync.example.com,http://127.0.0.1:8787'));
  });
});
