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

  /**
   * Follows the hash; returns the function that stops following it. `onNavigated` hears a change of
   * screen the admin made through the URL (a link, the back button), not one `go` made.
   */
  start(onNavigated?: (screen: Screen) => void): () => void {
    const follow = (): void => {
      const screen = screenOf(location.hash);
      if (screen === this.screen) return;
      this.screen = screen;
      onNavigated?.(screen);
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
