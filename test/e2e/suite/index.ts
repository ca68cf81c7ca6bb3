/**
 * The extension's own mocha suite, run inside code-server's real extension host (what @vscode/test-electron
 * would do on a desktop). test/e2e/run.mjs compiles this to dist-test/e2e/suite.js and passes it as
 * extensionTestsPath; VS Code calls `run()`.
 */
import Mocha from 'mocha';
import { registerExtensionTests } from './extension.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'nootropic-e2e', mocha);
  registerExtensionTests();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // A line the runner script and CI read: totals for this phase.
      console.log(`${runner.stats?.passes ?? 0} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
  });
}
