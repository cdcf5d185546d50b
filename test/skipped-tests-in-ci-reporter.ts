/**
 * In CI every browser test must run: a skipped one (`skip`, `todo`, `skipIf`, a stray `only`) would let a
 * broken service worker or database path through unnoticed. Outside CI skipping stays allowed while working.
 */
import type { Reporter, TestModule } from 'vitest/node';

function isCi(): boolean {
  const value = process.env.CI?.toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

export default class SkippedTestsInCiReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (!isCi()) return;
    const skipped = testModules.flatMap((testModule) =>
      [...testModule.children.allTests('skipped')].map((test) => `${testModule.relativeModuleId} > ${test.fullName}`),
    );
    if (skipped.length === 0) return;
    process.stderr.write(`\nCI=${process.env.CI}: ${skipped.length} test(s) were skipped, which CI does not allow:\n${skipped.map((name) => `  - ${name}\n`).join('')}`);
    process.exitCode = 1;
  }
}
