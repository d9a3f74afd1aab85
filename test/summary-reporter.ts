import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends a run with one plain line, `tests: N passed, N failed`, that CI logs and other tools can
 * read without knowing vitest's own format.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    process.stdout.write(`\n${summaryLine(testModules)}\n`);
  }
}

/**
 * The counts over every test of every module. A module that failed with no failed test (it did
 * not load, or a `beforeAll` threw and its tests were skipped) counts as one failure: the line
 * never says "0 failed" of a run that failed.
 */
export function summaryLine(testModules: readonly Pick<TestModule, 'state' | 'children'>[]): string {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const testModule of testModules) {
    let failedHere = 0;
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') passed++;
      else if (state === 'failed') failedHere++;
      else skipped++;
    }
    if (testModule.state() === 'failed' && failedHere === 0) failedHere = 1;
    failed += failedHere;
  }
  return `tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}
