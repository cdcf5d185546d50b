import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The domain core is shared by the worker, the UI, the tests and the Node sync server, so it may import
// only itself: no Dexie, Svelte, Comlink, PapaParse or browser code. (Its tsconfig has no DOM library.)
const CORE = join(import.meta.dirname, '../../src/core');

function coreFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? coreFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('domain core boundary', () => {
  it('imports nothing but other core modules', () => {
    const files = coreFiles(CORE);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      const specifiers = [...source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
        (m) => m[1] ?? m[2],
      );
      for (const specifier of specifiers) {
        // Relative, and still inside the core once resolved: src/core/csv may import ../roster-types.ts.
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\/[\w./-]+$/);
        expect(resolve(dirname(file), specifier!).startsWith(CORE + sep), `${file} imports ${specifier}, outside the core`).toBe(true);
      }
    }
  });
});
