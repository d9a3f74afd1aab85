import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './test/summary-reporter.ts';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/.tmp/**'],
    reporters: ['default', new SummaryLineReporter()],
    // Builds, child processes and real HTTP round-trips: generous, never asserted on.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
