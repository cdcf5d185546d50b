/**
 * The service worker's news for the admin: the app shell is cached (Offboard now opens with no network),
 * or a new version is installed and waits. The config registers with `registerType: 'prompt'`, so the
 * new version only takes over when the admin chooses to reload, never in the middle of an edit.
 */
import { registerSW } from 'virtual:pwa-register';

export type RegisterServiceWorker = typeof registerSW;

/** The offline-ready notice is news, not a question: it goes away by itself. */
export const OFFLINE_NOTICE_MS = 8_000;
/**
 * The new-version banner asks once, for a while, then steps aside: the question stays open as a small
 * "Reload" in the status bar, so the banner never sits over a working screen for good.
 */
export const UPDATE_PROMPT_MS = 60_000;

export class PwaStatus {
  isOfflineReady = $state(false);
  /** A new version is installed and waits for a reload; it stays true until then. */
  needsRefresh = $state(false);
  /** Whether the new-version banner is up (after which the status bar keeps the question). */
  isUpdatePromptShown = $state(false);
  /** Why registration failed, if it did; the app still works online, but not offline. */
  registerError = $state<unknown>(null);

  #updateServiceWorker: ((reloadPage?: boolean) => Promise<void>) | null = null;

  /** `register` is replaceable so tests can drive the callbacks without a service worker. */
  constructor(private readonly register: RegisterServiceWorker = registerSW) {}

  /** Registers the service worker. Calling it again does nothing: a second registration would double the callbacks. */
  start(): void {
    if (this.#updateServiceWorker) return;
    this.#updateServiceWorker = this.register({
      onOfflineReady: () => {
        this.isOfflineReady = true;
        setTimeout(() => (this.isOfflineReady = false), OFFLINE_NOTICE_MS);
      },
      onNeedRefresh: () => {
        this.needsRefresh = true;
        this.isUpdatePromptShown = true;
        setTimeout(() => (this.isUpdatePromptShown = false), UPDATE_PROMPT_MS);
      },
      onRegisterError: (error: unknown) => {
        this.registerError = error;
      },
    });
  }

  /** Activates the waiting service worker and reloads the page with the new version. */
  async reload(): Promise<void> {
    await this.#updateServiceWorker?.(true);
  }

  /**
   * Hides the notices; a waiting version stays waiting (the status bar still offers it) and takes over
   * at the next full start.
   */
  dismiss(): void {
    this.isOfflineReady = false;
    this.isUpdatePromptShown = false;
  }
}

export const pwaStatus = new PwaStatus();
