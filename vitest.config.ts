import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Scenario and CLI tests write run folders and spawn processes; forks keep them isolated.
    pool: 'forks',
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
