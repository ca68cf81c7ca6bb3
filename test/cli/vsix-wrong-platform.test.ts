// A .vsix installed on a platform it was not built for (or one LanceDB has no binary for) lacks
// dist/node_modules/@lancedb/lancedb-<this platform>/. The server must still start and serve what needs no native
// code (syntax checks), and say what is missing — in doctor (a FAIL, exit 1) — instead of crashing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoctorReport } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { closedPort } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { vsixLikeBundle } from '../support/vsix-like';

let bundle: ReturnType<typeof vsixLikeBundle>;
let ws: TempWorkspace;
beforeAll(() => {
  bundle = vsixLikeBundle('nootropic-wrong-platform-', ['node_modules']);
  ws = tempWorkspace('nootropic-wrong-platform-ws-');
  ws.write('src/math.ts', 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
  ws.write('src/bad.py', 'import os\ndef f(:\n    pass\n');
});
afterAll(() => {
  bundle.dispose();
  ws.dispose();
});

describe('the bundle without its LanceDB binary (a .vsix for another platform)', { timeout: 120_000 }, () => {
  it('doctor: the server runs and reports the missing native module as a FAIL, naming the platform package', async () => {
    const port = await closedPort();
    const r = await runCli(['--root', ws.root, '--base-url', `http://127.0.0.1:${port}`, 'doctor', '--json'], { timeoutMs: 90_000, cliPath: bundle.cli });
    expect(r.code, r.stderr).toBe(1);
    const report = DoctorReport.parse(JSON.parse(r.stdout));
    expect(report.server.state).toBe('running');
    expect(report.tools.grammars.languages).toContain('python');
    const missing = report.degraded.filter((d) => d.includes(`LanceDB's native module for ${process.platform}-${process.arch} is missing`));
    expect(missing.length, report.degraded.join('\n')).toBeGreaterThan(0);
    expect(missing[0]).toMatch(/@lancedb\/lancedb-/);
    expect(missing[0]).toContain('Install the .vsix built for this platform');
  });

  it('syntax checks still work (no native code needed)', async () => {
    const r = await runCli(['check', 'src/bad.py'], { cwd: ws.root, timeoutMs: 90_000, cliPath: bundle.cli });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^src\/bad\.py:2:\d+: Syntax error/m);
  });
});
