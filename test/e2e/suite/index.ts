/**
 * The extension's own mocha suite, run inside code-server's real extension host (what @vscode/test-electron
 * would do on a desktop). test/e2e/run.mjs compiles this to dist-test/e2e/suite.js and passes it as
 * extensionTestsPath; VS Code calls `run()` and reports its outcome to the runner through codeAutomationExit.
 *
 * Output contract with run.mjs (each line is one console.log, forwarded through codeAutomationLog):
 *   `[suite] PASS <full title> (<ms> ms)` / `[suite] FAIL <full title>: <first line of the error>`
 *   followed by the error's stack, and a closing `N passed, N failed`;
 *   `[suite] metric <name> <value> <unit>`: a figure run.mjs prints in its summary (activation time, memory).
 */
import Mocha from 'mocha';
import { registerChatTests, registerPanelTests } from './chat.test';
import { registerExtensionTests } from './extension.test';

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_RUN_END, EVENT_SUITE_BEGIN } = Mocha.Runner.constants;

/** One line per test, readable by people and by run.mjs. */
class LineReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.title) console.log(`[suite] suite: ${suite.fullTitle()}`);
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      passed++;
      console.log(`[suite] PASS ${test.titlePath().join(' › ')} (${test.duration ?? 0} ms)`);
    });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      failed++;
      // One line: assert's messages put the values on later lines ("… strictly equal:\n\n1 !== 4").
      const message = String(err?.message ?? err).replace(/\s+/g, ' ').trim().slice(0, 400);
      console.log(`[suite] FAIL ${test.titlePath().join(' › ')}: ${message}`);
      console.log(String(err?.stack ?? err));
    });
    runner.once(EVENT_RUN_END, () => {
      // The extension host after every test (chat turns, panels, agent runs): what a working session holds.
      const m = process.memoryUsage();
      console.log(`[suite] metric exthost.rssEndMB ${Math.round(m.rss / 1048576)} MiB`);
      console.log(`[suite] metric exthost.heapEndMB ${Math.round(m.heapUsed / 1048576)} MiB`);
      console.log(`${passed} passed, ${failed} failed`);
    });
  }
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: LineReporter });
  mocha.suite.emit('pre-require', globalThis, 'nootropic-e2e', mocha);
  registerExtensionTests();
  registerChatTests();
  registerPanelTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
  });
}
