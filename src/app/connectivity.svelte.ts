/**
 * Whether the browser believes it has a network. `navigator.onLine` only knows about a network
 * interface, not whether the platform's server answers, so this is a hint for the admin; sync finds out
 * for real when it tries.
 */
export class Connectivity {
  isOnline = $state(typeof navigator === 'undefined' ? true : navigator.onLine);

  /** Follows the browser's online/offline events; returns the function that stops following them. */
  start(target: Window = window): () => void {
    const update = (event: Event) => {
      this.isOnline = event.type === 'online';
    };
    // The value may have changed between construction and start.
    this.isOnline = target.navigator.onLine;
    target.addEventListener('online', update);
    target.addEventListener('offline', update);
    return () => {
      target.removeEventListener('online', update);
      target.removeEventListener('offline', update);
    };
  }
}

export const connectivity = new Connectivity();
