/**
 * Runs axe-core in a page and reports what would stop a person from using it: violations of impact
 * `serious` or `critical`, one readable string each, so `expect(violations).toEqual([])` prints them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import type * as Axe from 'axe-core';

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

function readAxeSource(): string {
  axeSource ??= readFileSync(join(dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');
  return axeSource;
}

const BLOCKING_IMPACTS: ReadonlyArray<Axe.ImpactValue> = ['serious', 'critical'];

/** Serious and critical axe violations of the page's current document, formatted for a failure message. */
export async function findSeriousAccessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: an inline <script> would be blocked by the app's Content-Security-Policy.
  await page.evaluate(readAxeSource());
  const violations = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: typeof Axe };
    const results = await axe.run(document);
    return results.violations;
  });
  return violations.filter((violation) => violation.impact && BLOCKING_IMPACTS.includes(violation.impact)).map(formatViolation);
}

function formatViolation(violation: Axe.Result): string {
  const nodes = violation.nodes.map((node) => {
    // "Fix any of the following:" then one fix per line; on one line, the fixes need a separator.
    const [heading = '', ...fixes] = (node.failureSummary ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
    return `  - ${node.target.join(' ')}: ${heading} ${fixes.join('; ')}`.trimEnd();
  });
  return [`[${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})`, ...nodes].join('\n');
}
