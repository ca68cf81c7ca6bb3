import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tiers (../shared/TESTING.md): unit → server in-process → bundled server over stdio + CLI → real editors.
// The code-server tier runs separately (test/e2e/run.mjs) because it drives a browser.
// expect.poll waits up to 10 s (vitest's default is 1 s): on a loaded 2-core machine a status notification can take
// longer than a second to arrive, and a poll that gives up early is a flaky test, not a finding.
const expect = { poll: { timeout: 10_000, interval: 50 } };
// Per-user state (run-signing secret, workspace approvals) goes to a temporary folder, never the developer's home.
process.env.NOOTROPIC_STATE_DIR ??= path.join(os.tmpdir(), `nootropic-test-state-${process.pid}`);

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', expect, include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      // The server tier needs dist/plugin-host.js and dist/plugins/ (plugins run in worker threads).
      { test: { name: 'server', expect, include: ['test/server/**/*.test.ts'], globalSetup: ['test/support/build-once.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'stdio',
          expect,
          // One retry: a CLI test once hung past its 120 s limit on a loaded machine (fresh-clone CI run; not
          // reproduced in ~10 reruns). A test that really fails still fails twice, and the report shows the retry.
          retry: 1,
          include: ['test/stdio/**/*.test.ts', 'test/cli/**/*.test.ts'],
          globalSetup: ['test/support/build-once.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'editors',
          expect,
          include: ['test/editors/**/*.test.ts'],
          globalSetup: ['test/support/build-once.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
