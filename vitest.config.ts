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
    // `npm test` runs with --coverage, so a drop below these numbers fails it (SPEC annexe 9.5).
    // Only in-process code counts: the end-to-end files run the bot as a child process.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reportsDirectory: 'coverage',
      reporter: ['text-summary', 'json-summary', 'lcovonly'],
      thresholds: {
        // All of src/, the sandbox included: it is what `npm start` runs with no accounts (annexe 9.5: overall
        // >= 75 %). Measured 89.6 % lines / 79.4 % branches: the Discord adapters run mostly in the end-to-end
        // child processes, which do not count.
        lines: 80,
        functions: 75,
        branches: 75,
        'src/domain/**': { lines: 90, branches: 90 },
        // All of src/app, the deploy flow included (annexe 9.5: core >= 90 % lines and branches).
        'src/app/**': { lines: 90, branches: 90 },
      },
    },
  },
});
