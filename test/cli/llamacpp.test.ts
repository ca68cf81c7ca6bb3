// `nootropic ask` and `nootropic doctor` with the embedded llama.cpp provider, through the bundled CLI and server:
// a generated tiny GGUF run by node-llama-cpp in the server process. Also the build as the .vsix ships it
// (the bundle without node_modules): node-llama-cpp is absent and doctor says how to get it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatSendResult, DoctorReport } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { vsixLikeBundle } from '../support/vsix-like';
import { writeTinyGguf } from '../support/tiny-gguf';

let dir: string;
let gguf: string;
let ws: TempWorkspace;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-gguf-cli-'));
  gguf = writeTinyGguf(path.join(dir, 'tiny.gguf'));
  ws = tempWorkspace('nootropic-gguf-cli-ws-');
  ws.write('src/math.ts', '// math helpers\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n');
  // One thread on two-core CI machines, CPU only, short answers.
  ws.write('.nootropic/config.yaml', 'models:\n  maxOutputTokens: 16\n  llamacpp:\n    threads: 1\n    gpu: "off"\nindex:\n  watch: false\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  ws.dispose();
});

describe('nootropic ask through the embedded llama.cpp provider', { timeout: 120_000 }, () => {
  it('answers --json from a GGUF file, with citations, the model path and token counts', async () => {
    const r = await runCli(['--root', ws.root, '--provider', 'llamacpp', '--model', gguf, 'ask', '--json', 'what does src/math.ts do?'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = ChatSendResult.parse(JSON.parse(r.stdout));
    expect(out.model).toBe(gguf);
    expect(out.endpoint).toMatchObject({ provider: 'llamacpp', baseUrl: 'file:' });
    expect(out.citations).toEqual([{ path: 'src/math.ts', startLine: 1, endLine: 4 }]);
    expect(out.usage?.outputTokens).toBeGreaterThan(0);
    expect(out.usage?.outputTokens).toBeLessThanOrEqual(16);
    expect(out.usage?.promptTokens).toBeGreaterThan(20); // the file went into the prompt
    expect(['stop', 'length']).toContain(out.finishReason);
  });

  it('a missing GGUF: ask fails naming the file and what the setting means', async () => {
    const missing = path.join(dir, 'missing.gguf');
    const r = await runCli(['--root', ws.root, '--provider', 'llamacpp', '--model', missing, 'ask', 'hi'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`GGUF file not found: ${missing}`);
    expect(r.stdout).toBe('');
  });
});

describe('the bundle without node-llama-cpp (as in the .vsix)', { timeout: 120_000 }, () => {
  // LanceDB's native package (which the bundle carries in dist/node_modules) is linked in, node-llama-cpp is not.
  let bundle: ReturnType<typeof vsixLikeBundle>;
  let pkg: string;
  beforeAll(() => {
    bundle = vsixLikeBundle('nootropic-vsix-like-');
    pkg = bundle.root;
  });
  afterAll(() => bundle.dispose());

  it('doctor reports the llamacpp model as unusable and says how to install node-llama-cpp; ask says the same', async () => {
    const cli = bundle.cli;
    const d = await runCli(['--root', ws.root, '--provider', 'llamacpp', '--model', gguf, 'doctor', '--json'], { timeoutMs: 60_000, cliPath: cli });
    const report = DoctorReport.parse(JSON.parse(d.stdout));
    expect(report.models[0]).toMatchObject({ provider: 'llamacpp', reachable: false, error: expect.stringContaining('node-llama-cpp, which is not installed') });
    expect(report.models[0]!.error).toContain(`npm install --no-save --ignore-scripts node-llama-cpp@3.21.1\` in ${pkg}`);
    expect(report.degraded.join('\n')).toContain('model chat (llamacpp file:)');
    const a = await runCli(['--root', ws.root, '--provider', 'llamacpp', '--model', gguf, 'ask', 'hi'], { timeoutMs: 60_000, cliPath: cli });
    expect(a.code).not.toBe(0);
    expect(a.stderr).toContain('node-llama-cpp, which is not installed');
  });
});
