import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PER_USER_RECORD_KINDS } from '../../src/core/roster-types.ts';

// The roster store (src/db/roster-store.ts, with src/db/blocks/) is the one module that knows how user
// bundles are laid out; the schema (offboard-database.ts) declares the tables. Everything else asks the
// store for bundles, so that the layout can change in one place.
const ROOT = join(import.meta.dirname, '../..');
const ALLOWED = new Set(['src/db/roster-store.ts', 'src/db/offboard-database.ts']);
const isAllowed = (file: string): boolean => ALLOWED.has(file) || file.startsWith('src/db/blocks/');
/** The tables of the layout: blocks of users, the change log, the directory; and the per-user tables of versions 1 to 6. */
const LAYOUT_TABLES = ['blockHeads', 'blockBodies', 'changeLog', 'blockDirectory', ...PER_USER_RECORD_KINDS];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(ts|svelte)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('storage seam', () => {
  it('no module but the roster store reads or writes the tables users and their records live in', () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'workers'))];
    expect(files.length).toBeGreaterThan(50);
    const kinds = LAYOUT_TABLES.join('|');
    const touches = new RegExp(`\\bdb\\.(${kinds})\\b|\\.table(?:<[^>]*>)?\\(\\s*['"](${kinds})['"]|\\.table\\(\\s*kind\\s*\\)`);
    const offending = files.map((file) => relative(ROOT, file)).filter((file) => !isAllowed(file) && touches.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offending).toEqual([]);
  });

  it('no module but its own reads or writes the audit’s and the outbox’s records (a record per change, columns inside)', () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'workers'))];
    // Naming the table in a transaction's scope is allowed; calling it is what knows its layout.
    const owners: Record<string, string> = { auditLog: 'src/db/audit-log.ts', outbox: 'src/db/outbox-records.ts' };
    for (const [table, owner] of Object.entries(owners)) {
      const touches = new RegExp(`\\bdb\\.${table}\\.[a-zA-Z]+\\(|\\.table(?:<[^>]*>)?\\(\\s*['"]${table}['"]\\)`);
      const offending = files.map((file) => relative(ROOT, file)).filter((file) => file !== owner && file !== 'src/db/offboard-database.ts' && touches.test(readFileSync(join(ROOT, file), 'utf8')));
      expect(offending, table).toEqual([]);
    }
  });
});
