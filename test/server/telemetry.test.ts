import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSend, Doctor, IndexBuild, TracesList } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { closedPort, startModelStandin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
let collector: http.Server | undefined;
afterEach(async () => {
  server?.dispose();
  ws?.dispose();
  await new Promise<void>((r) => (collector ? collector.close(() => r()) : r()));
  server = ws = collector = undefined;
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('telemetry (in-process)', () => {
  it('never writes an API key from the editor secret store into the cache or logs, and reports trust', async () => {
    ws = tempWorkspace();
    const key = 'editor-secret-key-value-42';
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    await server.initialize(ws.root, { secrets: { apiKey: key }, workspaceTrusted: false, settings: { server: { logLevel: 'debug' } } });
    const report = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 200 }));
    expect(report.workspace.trusted).toBe(false);
    expect(report.degraded.some((d) => d.includes('restricted mode'))).toBe(true);
    await server.client.sendRequest(TracesList.method, {});
    for (const f of filesUnder(path.join(ws.root, '.nootropic-cache'))) expect(readFileSync(f, 'utf8'), f).not.toContain(key);
    expect(server.logs.join('\n')).not.toContain(key);
  });

  it('records a span per request in the workspace trace store, readable over nootropic/traces/list', async () => {
    ws = tempWorkspace();
    const port = await closedPort();
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: `http://127.0.0.1:${port}` });
    await server.initialize(ws.root);
    await server.client.sendRequest(Doctor.method, { timeoutMs: 200 });
    await server.client.sendRequest(Doctor.method, { timeoutMs: 'bad' }).catch(() => undefined);
    const listed = TracesList.result.parse(await server.client.sendRequest(TracesList.method, { limit: 50 }));
    expect(listed.persisted).toBe(true);
    const doctorSpans = listed.spans.filter((s) => s.name === 'rpc nootropic/doctor');
    expect(doctorSpans).toHaveLength(2);
    expect(doctorSpans[0]!.attributes).toMatchObject({ 'rpc.system': 'jsonrpc', 'rpc.method': 'nootropic/doctor' });
    expect(doctorSpans[0]!.status.code).not.toBe(2); // not ERROR
    expect(doctorSpans[1]!.status.code).toBe(2);
    expect(doctorSpans[1]!.attributes['rpc.jsonrpc.error_code']).toBe(-32602);
    const file = path.join(ws.root, '.nootropic-cache', 'traces', 'spans.jsonl');
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(path.join(ws.root, '.nootropic-cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    // One trace only
    const one = TracesList.result.parse(await server.client.sendRequest(TracesList.method, { traceId: doctorSpans[0]!.traceId }));
    expect(one.spans.every((s) => s.traceId === doctorSpans[0]!.traceId)).toBe(true);
  });

  it('exports spans over OTLP/HTTP only when an endpoint is configured', async () => {
    const received: string[] = [];
    collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    await server.initialize(null, { settings: { telemetry: { otlpEndpoint: url } } });
    await server.client.sendRequest(Doctor.method, { timeoutMs: 200 });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(received[0]).toMatch(/^POST \/v1\/traces /);
    expect(received.join('\n')).toContain('nootropic/doctor');
  });

  it('serves request latency, error counts, token usage and index size on a loopback Prometheus endpoint', async () => {
    const standin = await startModelStandin({ replies: [{ text: 'It adds.' }] });
    try {
      ws = tempWorkspace();
      ws.write('src/math.ts', 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
      ws.write('src/sub.ts', 'export const sub = (a: number, b: number) => a - b;\n');
      const port = await closedPort();
      server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
      await server.initialize(ws.root, { settings: { telemetry: { prometheusPort: port } } });
      const built = IndexBuild.result.parse(await server.client.sendRequest(IndexBuild.method, {}));
      expect(built.chunks).toBeGreaterThan(0);
      ChatSend.result.parse(await server.client.sendRequest(ChatSend.method, { retrieveLimit: 0, messages: [{ role: 'user', content: 'what does add do?' }] }));
      await server.client.sendRequest('nootropic/no-such-method', {}).catch(() => undefined);
      await server.client.sendRequest(ChatSend.method, { messages: [] }).catch(() => undefined); // invalid params: an error
      const scrape = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        return res.text();
      };
      await expect.poll(scrape, { timeout: 10_000 }).toMatch(/nootropic_index_chunks/);
      const text = await scrape();
      const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      expect(value(/^nootropic_index_chunks(?:\{[^}]*\})? (\d+)/m)).toBe(built.chunks);
      expect(value(/^nootropic_index_files(?:\{[^}]*\})? (\d+)/m)).toBe(built.files);
      expect(text).toMatch(/^nootropic_rpc_duration_count\{[^}]*rpc_method="nootropic\/chat\/send"[^}]*outcome="ok"[^}]*\} 1$/m);
      expect(text).toMatch(/^nootropic_rpc_duration_bucket\{[^}]*rpc_method="nootropic\/index\/build"/m);
      expect(text).toMatch(/^nootropic_rpc_errors(?:_total)?\{[^}]*rpc_method="nootropic\/chat\/send"[^}]*\} 1$/m);
      expect(value(/^gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="output"[^}]*\} (\d+)/m)).toBeGreaterThan(0);
      expect(value(/^gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="input"[^}]*\} (\d+)/m)).toBeGreaterThan(0);
    } finally {
      await standin.close();
    }
  });

  it('never writes the API key from the environment into the cache, traces or logs', async () => {
    ws = tempWorkspace();
    const key = 'sk-nootropictest-0123456789abcdef';
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_API_KEY: key, NOOTROPIC_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    await server.initialize(ws.root, { settings: { server: { logLevel: 'debug' } } });
    // The key even arrives inside params: it must be masked wherever it is logged or traced.
    await server.client.sendRequest(Doctor.method, { timeoutMs: 200, apiKey: key }).catch(() => undefined);
    await server.client.sendRequest(Doctor.method, { timeoutMs: 200 });
    await server.client.sendRequest(TracesList.method, {});
    const files = filesUnder(path.join(ws.root, '.nootropic-cache'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toContain(key);
    expect(server.logs.join('\n')).not.toContain(key);
  });
});
