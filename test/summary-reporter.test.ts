import { describe, expect, it } from 'vitest';
import { summaryLine } from './summary-reporter.ts';

type Module = Parameters<typeof summaryLine>[0][number];

function moduleOf(state: 'passed' | 'failed', tests: readonly ('passed' | 'failed' | 'skipped')[]): Module {
  const children = { allTests: () => tests.map((result) => ({ result: () => ({ state: result }) })) };
  return { state: () => state, children } as unknown as Module;
}

describe('summaryLine', () => {
  it('counts every test of every module', () => {
    expect(summaryLine([moduleOf('passed', ['passed', 'passed']), moduleOf('failed', ['passed', 'failed', 'skipped'])])).toBe(
      'tests: 3 passed, 1 failed, 1 skipped',
    );
  });

  it('counts a module that failed with no failed test (a beforeAll threw, its tests skipped) as a failure', () => {
    expect(summaryLine([moduleOf('failed', ['skipped', 'skipped']), moduleOf('failed', [])])).toBe('tests: 0 passed, 2 failed, 2 skipped');
  });
});
