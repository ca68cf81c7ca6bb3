import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Doctor, IndexBuild, IndexInfo, Search, type IndexSummary, type SearchHit } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { closedPort, startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { writeTinyBert } from '../support/tiny-bert';

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
let standin: Standin | undefined;
afterEach(async () => {
  if (server) {
    await server.client.sendRequest('shutdown').catch(() => undefined);
    server.dispose();
  }
  ws?.dispose();
  await standin?.close();
  server = ws = standin = undefined;
});

function workspace(): TempWorkspace {
  const w = tempWorkspace('nootropic-embed-');
  w.write('src/cart.ts', 'export function applyDiscount(total: number, percent: number) {\n  return total - (total * percent) / 100;\n}\n');
  w.write('src/auth.ts', 'export function verifyPassword(password: string, hash: string) {\n  return compare(password, hash);\n}\n');
  return w;
}

async function start(root: string, embeddings: Record<string, unknown>, env: Record<string, string> = {}, models: Record<string, unknown> = {}): Promise<InProcessServer> {
  const s = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', ...env });
  await s.initialize(root, { settings: { index: { watch: false }, embeddings, models } });
  return s;
}

const build = async (s: InProcessServer) => IndexBuild.result.parse(await s.client.sendRequest(IndexBuild.method, {})) as IndexSummary;
const search = async (s: InProcessServer, query: string) => Search.result.parse(await s.client.sendRequest(Search.method, { query, limit: 3 }));

describe('embeddings and hybrid search', () => {
  it('loads a local model folder with transformers.js (a generated tiny BERT) and searches in hybrid mode', async () => {
    ws = workspace();
    const model = writeTinyBert(path.join(ws.root, '..', `${path.basename(ws.root)}-model`), ['apply', 'discount', 'total', 'percent', 'verify', 'password', 'hash', 'compare', 'return', 'function', 'export']);
    server = await start(ws.root, { provider: 'transformers', model });
    const summary = await build(server);
    expect(summary).toMatchObject({ mode: 'hybrid', embedder: expect.stringMatching(/^transformers:.*@16$/), files: 2 });
    const r = await search(server, 'verify the password hash');
    expect(r.mode).toBe('hybrid');
    expect((r.hits as SearchHit[])[0]).toMatchObject({ path: 'src/auth.ts', symbol: 'verifyPassword' });
    const doctor = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 200 }));
    expect(doctor.tools.embedder).toMatchObject({ available: true, detail: expect.stringMatching(/transformers:/) });
  });

  it('uses an Ollama embedder over the real client, and rebuilds when the embedder changes', async () => {
    ws = workspace();
    standin = await startModelStandin({ models: ['nomic-embed-text'], embeddingDims: 32 });
    server = await start(ws.root, { provider: 'ollama', model: 'nomic-embed-text', baseUrl: standin.url });
    expect(await build(server)).toMatchObject({ mode: 'hybrid', embedder: 'ollama:nomic-embed-text@32' });
    expect(standin.requests.some((r) => r.path === '/api/embed')).toBe(true);
    expect(((await search(server, 'apply a discount to the total')).hits as SearchHit[])[0]?.symbol).toBe('applyDiscount');
    await server.client.sendRequest('shutdown');
    server.dispose();
    server = await start(ws.root, { provider: 'openai', model: 'text-embed', baseUrl: `${standin.url}/v1` });
    const rebuilt = await build(server);
    expect(rebuilt).toMatchObject({ mode: 'hybrid', embedder: 'openai:text-embed@32', changedFiles: 2 });
    expect(rebuilt.recovered).toMatch(/built with ollama:nomic-embed-text@32.*rebuilding for openai:text-embed@32/);
  });

  it('falls back to lexical-only mode when the embedder is unreachable, and says so in index status and doctor', async () => {
    ws = workspace();
    const port = await closedPort();
    server = await start(ws.root, { provider: 'ollama', model: 'nomic-embed-text', baseUrl: `http://127.0.0.1:${port}` });
    expect(await build(server)).toMatchObject({ mode: 'lexical', embedder: 'none' });
    const info = IndexInfo.result.parse(await server.client.sendRequest(IndexInfo.method, {}));
    expect(info.message).toMatch(/embedder ollama nomic-embed-text unavailable.*lexical-only/);
    const doctor = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 200 }));
    expect(doctor.tools.embedder).toMatchObject({ available: false, error: expect.stringMatching(/unavailable/) });
    expect(((await search(server, 'verify password')).hits as SearchHit[])[0]?.symbol).toBe('verifyPassword');
  });

  it('embeds through nootropic.models.roles.embed (the model router) when it is set', async () => {
    ws = workspace();
    standin = await startModelStandin({ models: ['nomic-embed-text'], embeddingDims: 32 });
    server = await start(ws.root, { provider: 'none' }, {}, { roles: { embed: [{ provider: 'ollama', baseUrl: standin.url, model: 'nomic-embed-text' }] } });
    expect(await build(server)).toMatchObject({ mode: 'hybrid', embedder: 'ollama:nomic-embed-text@32' });
    expect(standin.requests.filter((r) => r.path === '/api/embed').length).toBeGreaterThan(0);
    expect(((await search(server, 'apply a discount to the total')).hits as SearchHit[])[0]?.symbol).toBe('applyDiscount');
  });

  it('the endpoint policy refuses a non-loopback embedding endpoint before any connection (no allowCloud)', async () => {
    ws = workspace();
    server = await start(ws.root, { provider: 'openai', model: 'text-embed', baseUrl: 'http://192.0.2.7:8080/v1' });
    expect(await build(server)).toMatchObject({ mode: 'lexical', embedder: 'none' });
    const info = IndexInfo.result.parse(await server.client.sendRequest(IndexInfo.method, {}));
    expect(info.message).toMatch(/embedder openai text-embed unavailable: .*192\.0\.2\.7.*lexical-only/);
    expect(info.message).toMatch(/allowCloud/);
  });
});
