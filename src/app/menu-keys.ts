/**
 * The keys of a menu opened by a menu button (WAI-ARIA menu pattern): arrows, Home and End move between
 * the items, Escape closes it and gives focus back to its button, Tab closes it and lets focus move on.
 */
export function handleMenuKey(event: KeyboardEvent, items: readonly HTMLElement[], close: (refocus: boolean) => void): void {
  const at = items.indexOf(document.activeElement as HTMLElement);
  const focus = (index: number) => {
    event.preventDefault();
    items[index]?.focus();
  };
  switch (event.key) {
    case 'Escape':
      event.preventDefault();
      close(true);
      break;
    case 'ArrowDown':
      focus((at + 1) % items.length);
      break;
    case 'ArrowUp':
      focus((at - 1 + items.length) % items.length);
      break;
    case 'Home':
      focus(0);
      break;
    case 'End':
      focus(items.length - 1);
      break;
    case 'Tab':
      close(false);
      break;
  }
}
