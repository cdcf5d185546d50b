/**
 * The service worker's news for the admin: the app shell is cached (Offboard now opens with no network),
 * or a new version is installed and waits. The config registers with `registerType: 'prompt'`, so the
 * new version only takes over when the admin chooses to reload, never in the middle of an edit.
 */
import { registerSW } from 'virtual:pwa-register';

export type RegisterServiceWorker = typeof registerSW;

/** The offline-ready notice is news, not a question: it goes away by itself so it never hides work. */
export const OFFLINE_NOTICE_MS = 8_000;

export class PwaStatus {
  isOfflineReady = $state(false);
  needsRefresh = $state(false);
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

  /** Hides the notices; a waiting version stays waiting and takes over at the next full start. */
  dismiss(): void {
    this.isOfflineReady = false;
    this.needsRefresh = false;
  }
}

export const pwaStatus = new PwaStatus();
