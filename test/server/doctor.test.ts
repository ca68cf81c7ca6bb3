import { afterEach, describe, expect, it } from 'vitest';
import { LSPErrorCodes } from 'vscode-languageserver-protocol';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { Doctor } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { closedPort, startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  server?.dispose();
  await standin?.close();
  standin = undefined;
  ws?.dispose();
  ws = undefined;
});

const doctor = async (s: InProcessServer, params: object = {}) => Doctor.result.parse(await s.client.sendRequest(Doctor.method, params));

describe('nootropic/doctor (in-process)', () => {
  it('reports a closed port as unreachable, truthfully, without failing the request', async () => {
    const port = await closedPort();
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: `http://127.0.0.1:${port}` });
    await server.initialize(null);
    const r = await doctor(server);
    expect(r.models).toHaveLength(1);
    expect(r.models[0]).toMatchObject({ provider: 'ollama', baseUrl: `http://127.0.0.1:${port}`, reachable: false });
    expect(r.models[0]!.error).toMatch(/connection refused/);
    expect(r.degraded.some((d) => d.startsWith('model chat'))).toBe(true);
    expect(r.tools.grammars.languages).toEqual(expect.arrayContaining(['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java']));
  });

  it('reports a live Ollama-protocol endpoint as reachable, and a missing model as a problem', async () => {
    standin = await startModelStandin({ models: ['llama3:8b'] });
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'llama3:8b' });
    await server.initialize(null);
    const ok = await doctor(server);
    expect(ok.models[0]).toMatchObject({ reachable: true });
    expect(ok.models[0]!.error).toBeUndefined();
    expect(standin.requests.some((r) => r.path === '/api/tags')).toBe(true);

    server.dispose();
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'qwen:1b' });
    await server.initialize(null);
    const missing = await doctor(server);
    expect(missing.models[0]).toMatchObject({ reachable: true, error: expect.stringMatching(/ollama pull qwen:1b/) });
  });

  it('probes an OpenAI-compatible endpoint at /models under its base URL', async () => {
    standin = await startModelStandin({ models: ['local-model'] });
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent' });
    await server.initialize(null, { cliOverrides: { models: { provider: 'openai', baseUrl: `${standin.url}/v1`, model: 'local-model' } } });
    const r = await doctor(server);
    expect(r.models[0]).toMatchObject({ provider: 'openai', reachable: true });
    expect(standin.requests.map((q) => q.path)).toContain('/v1/models');
  });

  it('refuses a non-loopback endpoint without cloud opt-in, before any connection', async () => {
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_PROVIDER: 'openai', NOOTROPIC_BASE_URL: 'https://nootropic-cloud.invalid/v1' });
    await server.initialize(null);
    const r = await doctor(server);
    expect(r.models[0]).toMatchObject({ reachable: false, error: expect.stringMatching(/cloud use is off.*NOOTROPIC_ALLOW_CLOUD=1/) });
  });

  it('honours $/cancelRequest all the way down to the HTTP request', async () => {
    standin = await startModelStandin({ stall: true });
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: standin.url });
    await server.initialize(null);
    const source = new CancellationTokenSource();
    const pending = server.client.sendRequest(Doctor.method, { timeoutMs: 30_000 }, source.token);
    await expect.poll(() => standin!.requests.length).toBeGreaterThan(0);
    source.cancel();
    await expect(pending).rejects.toMatchObject({ code: LSPErrorCodes.RequestCancelled });
    await expect.poll(() => standin!.abortedRequests).toBeGreaterThan(0);
  });

  it('says an endpoint that never answers ran out of time, within the probe timeout', async () => {
    standin = await startModelStandin({ stall: true });
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: standin.url });
    await server.initialize(null);
    const r = await doctor(server, { timeoutMs: 400 });
    expect(r.models[0]).toMatchObject({ reachable: false, error: `no answer from ${standin.url}/api/tags within 400 ms` });
  });

  it('shows each config layer, and a broken workspace YAML as an error with its location', async () => {
    ws = tempWorkspace();
    ws.write('.nootropic/config.yaml', 'models:\n  model: [oops\n');
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent' });
    await server.initialize(ws.root);
    const r = await doctor(server);
    expect(r.workspace.root).toBe(ws.root);
    const layer = r.config.sources.find((s) => s.layer === 'workspace')!;
    expect(layer.status).toBe('error');
    expect(layer.error).toMatch(/config\.yaml:\d+:\d+/);
    expect(r.degraded.some((d) => d.includes('config.yaml'))).toBe(true);
    await expect.poll(() => server.notifications('nootropic/server/status').some((s) => (s as { state: string }).state === 'degraded')).toBe(true);
  });

  it('probes in the background at startup so the status notification shows an unreachable model', async () => {
    const port = await closedPort();
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: `http://127.0.0.1:${port}` });
    await server.initialize(null);
    const degradedWithModel = () =>
      server.notifications('nootropic/server/status').some((s) => {
        const st = s as { state: string; degraded: string[] };
        return st.state === 'degraded' && st.degraded.some((d) => d.includes(`127.0.0.1:${port}`) && d.includes('connection refused'));
      });
    await expect.poll(degradedWithModel, { timeout: 10_000 }).toBe(true);
    expect(server.logs.some((l) => l.includes('"msg":"health probe"'))).toBe(true);
  });

  it('layers workspace YAML < env < CLI overrides', async () => {
    ws = tempWorkspace();
    ws.write('.nootropic/config.yaml', 'models:\n  model: from-yaml\n  baseUrl: http://127.0.0.1:9/\n');
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_MODEL: 'from-env' });
    await server.initialize(ws.root, { settings: { models: { model: 'from-editor' } } });
    expect((await doctor(server, { timeoutMs: 300 })).models[0]).toMatchObject({ model: 'from-env', baseUrl: 'http://127.0.0.1:9' });
    server.dispose();
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_MODEL: 'from-env' });
    await server.initialize(ws.root, { cliOverrides: { models: { model: 'from-cli' } } });
    expect((await doctor(server, { timeoutMs: 300 })).models[0]).toMatchObject({ model: 'from-cli' });
  });
});
