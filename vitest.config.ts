import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: the end-to-end files mostly wait (runs, cron minutes), so they overlap well.
    maxWorkers: 2,
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.cache/vitest-report.json' }]]
      : ['default'],
  },
});
