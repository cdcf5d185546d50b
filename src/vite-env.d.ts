/// <reference types="svelte" />
/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

interface ImportMetaEnv {
  /**
   * The sync servers' origins the Content-Security-Policy allows besides the app's own, comma-separated
   * (OFFBOARD_SYNC_ORIGINS at build time, checked; see src/server/content-security-policy-plugin.ts).
   * Empty: the app's own origin only. Undefined where no policy applies (Vitest). Read it with parseSyncOrigins.
   */
  readonly OFFBOARD_SYNC_ORIGINS: string | undefined;
}
