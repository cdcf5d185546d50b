/** Case- and accent-insensitive form for search: "Zoë Müller" and "zoe muller" match. */
const ASCII = /^[\x00-\x7f]*$/;

export function foldText(text: string): string {
  // Most names and every email are plain ASCII: skip Unicode normalization for them (a 1,000,000-user
  // roster folds three strings per user when it is indexed).
  if (ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/Ø/g, 'o')
    .toLowerCase();
}
