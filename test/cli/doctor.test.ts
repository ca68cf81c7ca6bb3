import { afterEach, describe, expect, it } from 'vitest';
import { DoctorReport } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { closedPort, startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace } from '../support/paths';

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

describe('nootropic doctor (CLI subprocess → nootropic-lsp --stdio)', () => {
  it('--json pointed at a closed port reports that endpoint unreachable and exits 1 (the configured model is unusable)', async () => {
    const port = await closedPort();
    const ws = tempWorkspace();
    try {
      const r = await runCli(['doctor', '--json', '--root', ws.root, '--base-url', `http://127.0.0.1:${port}`]);
      expect(r.code, r.stderr).toBe(1);
      const report = DoctorReport.parse(JSON.parse(r.stdout));
      expect(report.models[0]).toMatchObject({ baseUrl: `http://127.0.0.1:${port}`, reachable: false, error: expect.stringMatching(/refused/) });
      expect(report.workspace.root).toBe(ws.root);
      expect(report.server.transport).toBe('stdio');
      expect(report.tools.semgrep).toHaveProperty('available');
      expect(report.tools.ollama).toHaveProperty('available');
      expect(report.tools.embedder).toHaveProperty('available');
    } finally {
      ws.dispose();
    }
  });

  it('reports a reachable stand-in endpoint, with env below CLI flags', async () => {
    standin = await startModelStandin({ models: ['m1'] });
    const r = await runCli(['doctor', '--json', '--model', 'm1'], { env: { NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'env-model' } });
    expect(r.code, r.stderr).toBe(0);
    const report = DoctorReport.parse(JSON.parse(r.stdout));
    expect(report.models[0]).toMatchObject({ model: 'm1', reachable: true });
  });

  it('prints a readable table without --json', async () => {
    const port = await closedPort();
    const r = await runCli(['doctor', '--base-url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nootropic doctor: FAIL model chat \(ollama http:\/\/127\.0\.0\.1:\d+\): .*refused/m);
    expect(r.stdout).toMatch(/^nootropic \d+\.\d+\.\d+/);
    expect(r.stdout).toMatch(/FAIL\s+chat\s+ollama http:\/\/127\.0\.0\.1:\d+ .*unreachable: connection refused/);
    expect(r.stdout).toMatch(/grammars\s+typescript/);
  });
});

describe('nootropic CLI conventions', () => {
  it('exits 2 on usage errors, 0 for --help and --version', async () => {
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli(['doctor', '--provider', 'carrier-pigeon'])).code).toBe(2);
    expect((await runCli(['doctor', '--timeout', 'soon'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/doctor/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
