import { defineConfig } from 'vitest/config';

// Tiers (../shared/TESTING.md): unit → server in-process → bundled server over stdio + CLI → real editors.
// The code-server tier runs separately (test/e2e/run.mjs) because it drives a browser.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      // The server tier needs dist/plugin-host.js and dist/plugins/ (plugins run in worker threads).
      { test: { name: 'server', include: ['test/server/**/*.test.ts'], globalSetup: ['test/support/build-once.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'stdio',
          include: ['test/stdio/**/*.test.ts', 'test/cli/**/*.test.ts'],
          globalSetup: ['test/support/build-once.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'editors',
          include: ['test/editors/**/*.test.ts'],
          globalSetup: ['test/support/build-once.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
