/**
 * Custom field values as `name=value` tags: one multi-entry index then answers "users whose
 * `offboard` is `wave-3`" (A13/A15) for any field, including fields defined after the schema was.
 */

export function customFieldTag(name: string, value: string): string {
  return `${name}=${value}`;
}

/** Sorted: the same tags whatever order the fields were written in (the in-memory roster keeps no order). */
export function customFieldTags(fields: Record<string, string>): string[] {
  const tags: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value !== '') tags.push(customFieldTag(name, value));
  }
  return tags.sort();
}
