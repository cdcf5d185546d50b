/**
 * Which screen is shown, kept in the URL's hash so that the browser's back button, a reload and a home
 * screen shortcut all land where the admin was. The service worker serves one page for every hash.
 */
export type Screen = 'users' | 'import' | 'rules' | 'audit' | 'sync' | 'settings';

const SCREENS: readonly Screen[] = ['users', 'import', 'rules', 'audit', 'sync', 'settings'];

export function screenOf(hash: string): Screen {
  const name = hash.replace(/^#\/?/, '');
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'users';
}

export function hrefOf(screen: Screen): string {
  return `#/${screen}`;
}

class CurrentRoute {
  screen = $state<Screen>(typeof location === 'undefined' ? 'users' : screenOf(location.hash));

  /** Follows the hash; returns the function that stops following it. */
  start(): () => void {
    const follow = (): void => {
      this.screen = screenOf(location.hash);
    };
    follow();
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }

  go(screen: Screen): void {
    location.hash = hrefOf(screen);
    this.screen = screen;
  }
}

export const currentRoute = new CurrentRoute();
