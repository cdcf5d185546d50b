import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Components stay thin: they show state and call src/app; the database and the worker are reached
// through src/app alone. A type from there is fine (`import type`, or `import { type X }` only).
const ROOT = join(import.meta.dirname, '../..');
const COMPONENTS = join(ROOT, 'src/components');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : /\.(ts|svelte)$/.test(entry.name) ? [join(dir, entry.name)] : []));
}

/** The import statements of a file whose module is under src/db or workers/ and that bring in a value. */
function valueImportsOfStorageOrWorker(source: string): string[] {
  const statements = [...source.matchAll(/import\s+([\s\S]*?)\s+from\s+['"]([^'"]+)['"]/g)];
  return statements
    .filter(([, , specifier]) => /(^|\/)(src\/db|db|workers)\//.test(specifier!) || /\.\.\/\.\.\/workers\//.test(specifier!) || /\.\.\/db\//.test(specifier!))
    .filter(([, clause]) => {
      if (/^type\s/.test(clause!)) return false;
      const named = /^\{([\s\S]*)\}$/.exec(clause!.trim());
      return !named || !named[1]!.split(',').every((part) => part.trim() === '' || /^type\s/.test(part.trim()));
    })
    .map(([statement]) => statement!);
}

describe('component boundary', () => {
  it('components import nothing from src/db or workers/ but types', () => {
    const found = files(COMPONENTS);
    expect(found.length).toBeGreaterThan(10);
    const offending = found.flatMap((file) => valueImportsOfStorageOrWorker(readFileSync(file, 'utf8')).map((statement) => `${relative(ROOT, file)}: ${statement}`));
    expect(offending).toEqual([]);
  });

  it('tells a value import from a type-only one', () => {
    expect(valueImportsOfStorageOrWorker(`import type { A } from '../../workers/roster-api.ts';`)).toEqual([]);
    expect(valueImportsOfStorageOrWorker(`import { type A, type B } from '../db/roster-store.ts';`)).toEqual([]);
    expect(valueImportsOfStorageOrWorker(`import { RosterStore } from '../db/roster-store.ts';`)).toHaveLength(1);
    expect(valueImportsOfStorageOrWorker(`import { type A, run } from '../../workers/roster-engine.ts';`)).toHaveLength(1);
  });
});
