// The hardening and observability "done when", as a user runs it (`nootropic run` spawned against the
// bundled server, the stand-in model server scripted like an edit model):
//  - a model edit aimed outside the workspace (`..`, an absolute path, a symlink out) is refused, files outside
//    stay byte-identical;
//  - an API key from the environment appears nowhere under .nootropic-cache after run, index, ask and export;
//  - a run's traces are in the local span store (the trace viewer's source) and reach an OTLP/HTTP collector.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentRunResult, TracesList } from '../../shared/protocol';
import { discountRepo, RIGHT_FIX, searchReplace, WRONG_FIX } from '../support/agent-fixtures';
import { startModelStandin, type Standin } from '../support/model-standin';
import { CLI_BUNDLE, cleanEnv, type TempWorkspace } from '../support/paths';

let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  await standin?.close();
  ws?.dispose();
  standin = ws = undefined;
  for (const c of cleanups.splice(0)) await c();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const modelFlags = (s: Standin) => ['--provider', 'ollama', '--base-url', s.url, '--model', 'qwen2.5-coder:7b'];

function steps(root: string, runId: string): Array<{ kind: string; status: string; rationale?: string; detail?: { reason?: string } }> {
  return readFileSync(path.join(root, '.nootropic-cache', 'runs', runId, 'steps.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('confinement: model edits aimed outside the workspace', () => {
  it('refuses `..`, absolute and symlinked targets with a reason in the run; the files outside are byte-identical', async () => {
    ws = discountRepo({ spec: 'name: shop\ngoals: [discounts]\ntests: node test.js\nbudgets:\n  iterations: 3\n' });
    // A sibling folder outside the workspace: one file reached by `..`, one by absolute path, one via a symlink.
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nootropic-outside-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const victims = {
      dotdot: path.join(path.dirname(ws.root), 'outside.txt'),
      absolute: path.join(outside, 'absolute.txt'),
      linked: path.join(outside, 'linked.txt'),
    };
    const original = 'SECRET PLANS\nline two\n';
    for (const f of Object.values(victims)) writeFileSync(f, original);
    cleanups.push(() => rmSync(victims.dotdot, { force: true }));
    symlinkSync(outside, path.join(ws.root, 'escape'));
    const before = Object.fromEntries(Object.entries(victims).map(([k, f]) => [k, { bytes: readFileSync(f), mtime: statSync(f).mtimeMs }]));

    const rel = path.relative(ws.root, victims.dotdot); // ../outside.txt
    expect(rel).toBe('../outside.txt');
    standin = await startModelStandin({
      replies: [
        { text: searchReplace(rel, 'SECRET PLANS', 'pwned', 'Fix it over there.') },
        { text: searchReplace(victims.absolute, 'SECRET PLANS', 'pwned', 'Use the absolute path.') },
        { text: searchReplace('escape/linked.txt', 'SECRET PLANS', 'pwned', 'Go through the link.') },
      ],
    });
    const r = await runCli(['run', 'Fix discount() so that the tests pass', '--root', ws.root, '--json', ...modelFlags(standin)]);
    expect(r.code, r.stderr).toBe(1);
    const result = AgentRunResult.parse(JSON.parse(r.stdout));
    expect(result.edits).toEqual([]);
    expect(standin.calls('/api/chat'), JSON.stringify(steps(ws.root, result.runId).map((x) => [x.kind, x.status, x.rationale]))).toHaveLength(3);

    const edits = steps(ws.root, result.runId).filter((s) => s.kind === 'edit');
    expect(edits.map((s) => s.status)).toEqual(['refused', 'refused', 'refused']);
    const reasons = edits.map((s) => s.detail?.reason ?? '');
    const all = reasons.join('\n');
    expect(reasons[0], all).toMatch(/\.\.\/outside\.txt.*leaves the workspace/);
    expect(reasons[1], all).toMatch(/absolute\.txt.*(leaves the workspace|absolute)/);
    expect(reasons[2], all).toMatch(/escape\/linked\.txt.*(leaves the workspace|symlink)/);
    // The refusal went back to the model as a finding: the second prompt says why the first edit was refused.
    const second = (standin.calls('/api/chat')[1]!.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(second.map((m) => m.content).join('\n')).toMatch(/NOT applied: .*leaves the workspace/);

    for (const [k, f] of Object.entries(victims)) {
      expect(readFileSync(f).equals(before[k]!.bytes), `${k} changed`).toBe(true);
      expect(statSync(f).mtimeMs).toBe(before[k]!.mtime);
    }
    expect(readdirSync(outside).sort()).toEqual(['absolute.txt', 'linked.txt']);
    expect(readFileSync(path.join(ws.root, 'discount.js'), 'utf8')).toContain('return price - percent;');
  }, 120_000);
});

describe('secrets: an API key from the environment', () => {
  it('reaches the model endpoint as Bearer but appears nowhere under .nootropic-cache after run, index, ask and feedback export', async () => {
    // No known key prefix: only the registration of NOOTROPIC_API_KEY can mask it.
    const key = 'nkq7-Zr4uXw9TfLb2MpVe6YcHs3';
    ws = discountRepo();
    // The model repeats the key in its prose and in a second answer; the workspace holds it in a config file.
    ws.write('settings.js', `// deployment settings\nmodule.exports = { endpoint: 'https://api.example.test', apiKey: '${key}' };\n`);
    const echo = `I saw the key ${key} in settings.js; I will not use it.`;
    standin = await startModelStandin({
      replies: [
        { text: searchReplace('discount.js', '  return price - percent;', '  return price - price * percent;', echo) },
        { text: RIGHT_FIX.replace('percent is a percentage', `percent is a percentage (key ${key})`) },
        { text: `settings.js holds ${key}.` },
      ],
    });
    const env = { NOOTROPIC_API_KEY: key, NOOTROPIC_LOG_LEVEL: 'debug' };
    const flags = ['--provider', 'openai', '--base-url', `${standin.url}/v1`, '--model', 'qwen2.5-coder:7b'];

    const idx = await runCli(['index', '--json', '--root', ws.root], env);
    expect(idx.code, idx.stderr).toBe(0);
    const run = await runCli(['run', 'Fix discount() so that the tests pass', '--root', ws.root, '--json', '--verbose', ...flags], env);
    expect(run.code, run.stderr).toBe(0);
    expect(AgentRunResult.parse(JSON.parse(run.stdout)).status).toBe('succeeded');
    const ask = await runCli(['ask', 'what is in settings.js?', '--json', '--root', ws.root, ...flags], env);
    expect(ask.code, ask.stderr).toBe(0);
    const exported = await runCli(['feedback', 'export', '--root', ws.root, '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const traces = await runCli(['traces', '--json', '--root', ws.root], env);
    expect(traces.code).toBe(0);

    // The key did go where it belongs: the endpoint, as a Bearer token, and the model saw the workspace file.
    const chats = standin.calls('/v1/chat/completions');
    expect(chats).toHaveLength(3);
    for (const c of chats) expect(c.headers.authorization).toBe(`Bearer ${key}`);
    // Nothing the CLI printed carries it (the server's debug log included, via --verbose) except the answer the
    // person asked for, which quotes their own file.
    for (const out of [idx, run, ask, exported, traces]) expect(out.stderr).not.toContain(key);
    for (const out of [idx, run, exported, traces]) expect(out.stdout).not.toContain(key);
    // Every byte under .nootropic-cache: run logs, journal, memory, traces, LanceDB/lexical index, registry.
    const cache = path.join(ws.root, '.nootropic-cache');
    const files = filesUnder(cache);
    expect(files.some((f) => f.includes(`${path.sep}runs${path.sep}`))).toBe(true);
    expect(files.some((f) => f.includes(`${path.sep}traces${path.sep}`))).toBe(true);
    expect(files.length).toBeGreaterThan(5);
    const needle = Buffer.from(key);
    const hits = files.filter((f) => readFileSync(f).includes(needle));
    expect(hits.map((f) => path.relative(cache, f))).toEqual([]);
  }, 180_000);
});

interface Collected {
  path: string;
  contentType: string;
  body: Buffer;
}

/** A stand-in OTLP/HTTP collector on loopback: records every export. */
async function startCollector(): Promise<{ url: string; received: Collected[]; close(): Promise<void> }> {
  const received: Collected[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

function otlpSpans(received: Collected[]): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const r of received) {
    const body = JSON.parse(r.body.toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
    for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
  }
  return out;
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

describe('traces of a run', () => {
  it('are in the local span store for the trace viewer and export over OTLP/HTTP when configured', async () => {
    const collector = await startCollector();
    cleanups.push(() => collector.close());
    ws = discountRepo();
    ws.write('.nootropic/config.yaml', `telemetry:\n  otlpEndpoint: ${collector.url}\n`);
    standin = await startModelStandin({ replies: [{ text: WRONG_FIX }, { text: RIGHT_FIX }] });
    const r = await runCli(['run', 'Fix discount() so that the tests pass', '--root', ws.root, '--json', ...modelFlags(standin)]);
    expect(r.code, r.stderr).toBe(0);
    const result = AgentRunResult.parse(JSON.parse(r.stdout));

    // OTLP/HTTP: JSON to /v1/traces on the configured collector, flushed before the server exited.
    expect(collector.received.length).toBeGreaterThan(0);
    expect(collector.received.every((c) => c.path === '/v1/traces')).toBe(true);
    const spans = otlpSpans(collector.received);
    const run = spans.find((s) => s.name === 'invoke_agent nootropic');
    expect(run, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(attr(run!, 'gen_ai.operation.name')).toBe('invoke_agent');
    expect(attr(run!, 'nootropic.run_id')).toBe(result.runId);
    const trace = spans.filter((s) => s.traceId === run!.traceId);
    const chats = trace.filter((s) => s.name === 'chat qwen2.5-coder:7b');
    expect(chats).toHaveLength(2);
    for (const c of chats) {
      expect(attr(c, 'gen_ai.operation.name')).toBe('chat');
      expect(attr(c, 'gen_ai.request.model')).toBe('qwen2.5-coder:7b');
      expect(attr(c, 'gen_ai.provider.name')).toBe('ollama');
      expect(Number(attr(c, 'gen_ai.usage.input_tokens'))).toBeGreaterThan(0);
    }
    const coders = trace.filter((s) => s.name === 'invoke_agent coder');
    expect(coders).toHaveLength(2);
    // Each model call sits under its coder step, each step under the run.
    for (const c of chats) expect(coders.map((x) => x.spanId)).toContain(c.parentSpanId);
    for (const c of coders) expect(c.parentSpanId).toBe(run!.spanId);
    const tools = trace.filter((s) => s.name === 'execute_tool tests');
    expect(tools).toHaveLength(2);
    expect(tools.map((t) => attr(t, 'process.exit.code'))).toEqual([expect.anything(), 0]);
    expect(attr(tools[0]!, 'gen_ai.tool.name')).toBe('tests');

    // The local span store holds the same trace (what `nootropic/traces/list` serves the trace viewer) ...
    const local = await runCli(['traces', '--json', '--trace', run!.traceId, '--root', ws.root]);
    expect(local.code, local.stderr).toBe(0);
    const stored = TracesList.result.parse(JSON.parse(local.stdout));
    expect(stored.persisted).toBe(true);
    expect(stored.spans.map((s) => s.spanId).sort()).toEqual(trace.map((s) => s.spanId).sort());
    // ... and the run's steps point at its spans (`nootropic/runs/get`: the viewer opens a step's span).
    const got = await runCli(['runs', result.runId, '--json', '--root', ws.root]);
    const model = (JSON.parse(got.stdout) as { steps: Array<{ kind: string; spanIds?: string[] }> }).steps.filter((s) => s.kind === 'model');
    expect(model).toHaveLength(2);
    for (const s of model) expect(coders.map((c) => c.spanId)).toContain(s.spanIds?.[0]);
  }, 120_000);
});

describe('restricted mode (--restricted: an untrusted workspace)', () => {
  it('runs no agent writes, no commands and no model call, for a direct instruction and for the task graph', async () => {
    // The spec's own tests command would leave a marker: it must never run.
    ws = discountRepo({ spec: `name: shop\ngoals: [discounts]\ntests: node -e "require('fs').writeFileSync('ran.txt', 'x')"\ntasks:\n  - id: fix\n    title: Fix discount()\n    files: [discount.js]\n` });
    standin = await startModelStandin({ replies: [{ text: RIGHT_FIX.replace('price - price * percent', 'price - percent') }] });
    const before = readFileSync(path.join(ws.root, 'discount.js'));
    for (const args of [['run', 'Fix discount()'], ['run', '--all'], ['run', '--task', 'fix']]) {
      const r = await runCli([...args, '--root', ws.root, '--restricted', '--json', ...modelFlags(standin)]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/restricted mode: this workspace is not trusted, so agents make no edits and run no commands/);
    }
    expect(standin.calls('/api/chat')).toHaveLength(0);
    expect(readFileSync(path.join(ws.root, 'discount.js')).equals(before)).toBe(true);
    expect(readdirSync(ws.root).filter((f) => f !== '.nootropic-cache').sort()).toEqual(['discount.js', 'project-spec.yaml', 'test.js']); // no ran.txt
    // No run was recorded, so there is nothing to resume or undo.
    expect(readdirSync(ws.root).includes('.nootropic-cache') ? readdirSync(path.join(ws.root, '.nootropic-cache')) : []).not.toContain('runs');
  }, 120_000);
});
