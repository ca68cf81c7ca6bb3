// The CLI as users run it: `nootropic ask`, `nootropic models`, `nootropic doctor`, spawned against the bundled
// server, with the stand-in model server on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSendResult, DoctorReport, ModelsReport } from '../../shared/protocol';
import { closedPort, startModelStandin, type Standin } from '../support/model-standin';
import { CLI_BUNDLE, REPO_ROOT, cleanEnv, tempWorkspace, type TempWorkspace } from '../support/paths';

let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  await standin?.close();
  ws?.dispose();
  standin = ws = undefined;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Async on purpose: the stand-in lives in this process and must keep answering while the CLI runs. */
function runCli(args: string[], env: Record<string, string>, onStdout?: (chunk: string, kill: () => void) => void): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      onStdout?.(c, () => child.kill('SIGINT'));
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

function workspace(): TempWorkspace {
  ws = tempWorkspace();
  ws.write('src/math.ts', '// math helpers\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n');
  return ws;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('nootropic ask', () => {
  it('answers through the OpenAI-compatible protocol with citations from the workspace (--json)', async () => {
    standin = await startModelStandin({ replies: [{ text: 'add() returns the sum of a and b (src/math.ts:2-4).' }] });
    const w = workspace();
    const r = await runCli(['--root', w.root, '--provider', 'openai', '--base-url', `${standin.url}/v1`, '--model', 'qwen2.5-coder:7b', 'ask', '--json', 'what does src/math.ts do?'], {});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = ChatSendResult.parse(JSON.parse(r.stdout));
    expect(out).toMatchObject({ answer: 'add() returns the sum of a and b (src/math.ts:2-4).', model: 'qwen2.5-coder:7b', citations: [{ path: 'src/math.ts', startLine: 1, endLine: 4 }] });
    // The first request waits for the workspace index built at start (issue 13): its chunk is the citation.
    expect(out.context.index).toBe('ready');
    expect(standin.calls('/v1/chat/completions')).toHaveLength(1);
  });

  it('streams the answer to stdout through the Ollama protocol, with num_ctx set, and sources on stderr', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['It ', 'adds ', 'numbers.'] }] });
    const w = workspace();
    const r = await runCli(['--root', w.root, 'ask', 'explain', 'math.ts'], { NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('It adds numbers.\n');
    expect(r.stderr).toContain('src/math.ts:1-4');
    expect(r.stderr).toContain('model: qwen2.5-coder:7b');
    const body = standin.calls('/api/chat')[0]!.body as { options: { num_ctx: number }; model: string };
    expect(body.model).toBe('qwen2.5-coder:7b');
    expect(body.options.num_ctx).toBeGreaterThanOrEqual(2_048);
  });

  it('Ctrl-C while streaming cancels the request and the HTTP stream to the model', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['partial ', 'never'], stallAfter: 1 }] });
    const w = workspace();
    const r = await runCli(['--root', w.root, 'ask', 'hi'], { NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url }, (chunk, kill) => {
      if (chunk.includes('partial')) kill();
    });
    expect(r.stdout).toBe('partial ');
    expect(r.stderr).toContain('cancelled');
    expect(r.code).toBe(130);
    await standin.waitForAbort('/api/chat');
  });

  it('refuses a non-loopback endpoint without opt-in: no connection attempted, and says how to opt in', async () => {
    const w = workspace();
    const connectLog = path.join(w.root, 'connects.log');
    const r = await runCli(['--root', w.root, 'ask', 'hi'], {
      NOOTROPIC_PROVIDER: 'openai',
      NOOTROPIC_BASE_URL: 'https://203.0.113.10/v1',
      NODE_OPTIONS: `--require ${path.join(REPO_ROOT, 'test/support/connect-recorder.cjs')}`,
      NOOTROPIC_TEST_CONNECT_LOG: connectLog,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOOTROPIC_ALLOW_CLOUD=1');
    expect(r.stderr).toContain('nootropic.models.allowCloud');
    // Nothing dialled the refused host; anything else dialled (a local Ollama probed for discovery) is loopback.
    const dialled = (existsSync(connectLog) ? readFileSync(connectLog, 'utf8') : '').split('\n').filter(Boolean);
    expect(dialled.filter((t) => t.includes('203.0.113.10'))).toEqual([]);
    expect(dialled.filter((t) => !/^(127\.0\.0\.1|localhost|\[?::1\]?):/.test(t))).toEqual([]);
    // Control: the recorder does see connections (to a loopback port with nothing on it).
    const port = await closedPort();
    await runCli(['--root', w.root, 'ask', 'hi'], {
      NOOTROPIC_PROVIDER: 'ollama',
      NOOTROPIC_BASE_URL: `http://127.0.0.1:${port}`,
      NODE_OPTIONS: `--require ${path.join(REPO_ROOT, 'test/support/connect-recorder.cjs')}`,
      NOOTROPIC_TEST_CONNECT_LOG: connectLog,
    });
    expect(readFileSync(connectLog, 'utf8')).toContain(`127.0.0.1:${port}`);
  });

  it('a dead endpoint: a clear error (no retry loop), and doctor shows it', async () => {
    const port = await closedPort();
    const w = workspace();
    const env = { NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: `http://127.0.0.1:${port}` };
    const r = await runCli(['--root', w.root, 'ask', 'hi'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`connection refused at http://127.0.0.1:${port}`);
    const d = await runCli(['--root', w.root, 'doctor', '--json', '--timeout', '500'], env);
    const report = DoctorReport.parse(JSON.parse(d.stdout));
    expect(report.models[0]).toMatchObject({ reachable: false, error: expect.stringContaining('connection refused') });
    expect(report.degraded.join('\n')).toContain(`model chat (ollama http://127.0.0.1:${port})`);
  });

  it('an endpoint that accepts but never answers: abandoned after models.timeoutMs, and doctor says so', async () => {
    standin = await startModelStandin({ stall: true });
    const w = workspace();
    w.write('.nootropic/config.yaml', 'models:\n  timeoutMs: 700\n  maxRetries: 0\n');
    const env = { NOOTROPIC_PROVIDER: 'openai', NOOTROPIC_BASE_URL: `${standin.url}/v1` };
    const r = await runCli(['--root', w.root, 'ask', 'hi'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('within 700 ms');
    expect(r.stderr).toContain('nootropic.models.timeoutMs');
    const d = await runCli(['--root', w.root, 'doctor', '--json', '--timeout', '300'], env);
    const report = DoctorReport.parse(JSON.parse(d.stdout));
    expect(report.models[0]).toMatchObject({ reachable: false, error: expect.stringContaining('no answer') });
    expect(standin.abortedRequests).toBeGreaterThan(0);
  });

  it('the API key reaches the endpoint but never the logs, the output or the cache', async () => {
    const key = 'sk-nootropic-test-5ecret-a1b2c3d4e5';
    standin = await startModelStandin({ replies: [{ text: 'ok' }, { status: 401 }] });
    const w = workspace();
    const env = { NOOTROPIC_PROVIDER: 'openai', NOOTROPIC_BASE_URL: `${standin.url}/v1`, NOOTROPIC_API_KEY: key, NOOTROPIC_LOG_LEVEL: 'debug' };
    const ok = await runCli(['--root', w.root, '--verbose', 'ask', '--json', 'src/math.ts?'], env);
    const denied = await runCli(['--root', w.root, '--verbose', 'ask', 'again'], env);
    const doctor = await runCli(['--root', w.root, '--verbose', 'doctor', '--json', '--timeout', '500'], env);
    expect(ok.code).toBe(0);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('NOOTROPIC_API_KEY');
    expect(standin.calls('/v1/chat/completions')[0]!.headers.authorization).toBe(`Bearer ${key}`);
    for (const run of [ok, denied, doctor]) {
      expect(run.stderr.length).toBeGreaterThan(0); // --verbose: the server's log is there to search
      expect(run.stderr).not.toContain(key);
      expect(run.stdout).not.toContain(key);
    }
    for (const f of filesUnder(w.root)) expect(readFileSync(f, 'utf8')).not.toContain(key);
  });
});

describe('nootropic models', () => {
  it('lists configured and discovered models, hardware and the recommendation (--json and text)', async () => {
    standin = await startModelStandin({ models: ['qwen2.5-coder:7b', 'llama3.1:8b'] });
    const w = workspace();
    const env = { NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url };
    const j = await runCli(['--root', w.root, 'models', '--json', '--timeout', '1000'], env);
    expect(j.code).toBe(0);
    const report = ModelsReport.parse(JSON.parse(j.stdout));
    expect(report.configured[0]).toMatchObject({ label: 'chat', model: 'qwen2.5-coder:7b', reachable: true, contextLength: 32_768 });
    expect(report.discovered.find((d) => d.baseUrl === standin!.url)?.models.map((m) => m.name)).toEqual(['qwen2.5-coder:7b', 'llama3.1:8b']);
    const t = await runCli(['--root', w.root, 'models', '--timeout', '1000'], env);
    expect(t.stdout).toContain('recommended local model');
    expect(t.stdout).toMatch(/memory\s+\d/);
  });
});
