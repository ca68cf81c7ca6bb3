import { existsSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from 'vscode-languageserver-protocol';
import { IndexBuild, IndexInfo, Search, type IndexSummary, type SearchHit } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  if (server) {
    await server.client.sendRequest('shutdown').catch(() => undefined);
    server.dispose();
  }
  ws?.dispose();
  server = ws = undefined;
});

const ENV = { NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' };

function workspace(): TempWorkspace {
  const w = tempWorkspace('nootropic-index-');
  w.write('src/config.ts', 'export function parseConfigFile(path: string) {\n  return JSON.parse(readFileSync(path, "utf8"));\n}\n');
  w.write('src/ui/button.tsx', 'export function renderButton(label: string) {\n  return <button>{label}</button>;\n}\n');
  w.write('lib/math.py', 'def compute_discount(price, rate):\n    return price * (1 - rate)\n');
  w.write('docs/guide.md', '# Getting started\nRun the installer.\n');
  return w;
}

async function start(root: string): Promise<InProcessServer> {
  const s = startInProcessServer(ENV);
  await s.initialize(root, { settings: { index: { watch: false } } });
  return s;
}

const build = async (s: InProcessServer, force = false) => IndexBuild.result.parse(await s.client.sendRequest(IndexBuild.method, { force })) as IndexSummary;
const search = async (s: InProcessServer, query: string, limit = 5) => (Search.result.parse(await s.client.sendRequest(Search.method, { query, limit })).hits as SearchHit[]);

describe('workspace index over LSP (in-process)', () => {
  it('indexes a workspace and finds functions by natural-language queries, with relative paths and 1-based lines', async () => {
    ws = workspace();
    server = await start(ws.root);
    const summary = await build(server);
    expect(summary).toMatchObject({ files: 4, embedder: 'none', mode: 'lexical', skipped: 0 });
    expect(summary.chunks).toBeGreaterThanOrEqual(4);
    const hits = await search(server, 'parse the configuration file');
    expect(hits[0]).toMatchObject({ path: 'src/config.ts', startLine: 1, endLine: 3, symbol: 'parseConfigFile', kind: 'function' });
    expect(hits[0]!.text).toContain('JSON.parse');
    expect((await search(server, 'discount price'))[0]).toMatchObject({ path: 'lib/math.py', symbol: 'compute_discount' });
    expect((await search(server, 'getting started installer'))[0]).toMatchObject({ path: 'docs/guide.md', kind: 'section' });
    const info = IndexInfo.result.parse(await server.client.sendRequest(IndexInfo.method, {}));
    expect(info).toMatchObject({ state: 'ready', files: 4, embedder: 'none', mode: 'lexical' });
    expect(server.notifications('nootropic/index/status').some((n) => (n as { state: string }).state === 'ready')).toBe(true);
  });

  it('re-indexes a saved file, removes a deleted one, and serves workspace/symbol from the index', async () => {
    ws = workspace();
    server = await start(ws.root);
    await build(server);
    // What an editor does: the document is open, the user edits and saves it.
    const uri = pathToFileURL(path.join(ws.root, 'src/config.ts')).href;
    const text = 'export function loadSettingsYaml(p: string) {\n  return p;\n}\n';
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
    ws.write('src/config.ts', text);
    await server.client.sendNotification('textDocument/didSave', { textDocument: { uri } });
    await expect.poll(async () => (await search(server!, 'load settings yaml'))[0]?.symbol, { timeout: 5_000 }).toBe('loadSettingsYaml');
    expect((await search(server, 'parse the configuration file')).some((h) => h.symbol === 'parseConfigFile')).toBe(false);
    unlinkSync(path.join(ws.root, 'lib/math.py'));
    const again = await build(server);
    expect(again.files).toBe(3);
    expect((await search(server, 'discount price')).some((h) => h.path === 'lib/math.py')).toBe(false);
    const symbols = (await server.client.sendRequest('workspace/symbol', { query: 'render' })) as { name: string; location: { uri: string } }[];
    expect(symbols[0]).toMatchObject({ name: 'renderButton' });
    expect(symbols[0]!.location.uri).toBe(pathToFileURL(path.join(ws.root, 'src/ui/button.tsx')).href);
  });

  it('survives a restart: the second server loads the persisted index and re-reads nothing', async () => {
    ws = workspace();
    server = await start(ws.root);
    const first = await build(server);
    await server.client.sendRequest('shutdown');
    server.dispose();
    server = await start(ws.root);
    const second = await build(server);
    expect(second).toMatchObject({ files: first.files, chunks: first.chunks, changedFiles: 0 });
    expect((await search(server, 'render a button'))[0]?.symbol).toBe('renderButton');
  });

  it('detects a corrupt index, says so, rebuilds it, and keeps serving', async () => {
    ws = workspace();
    server = await start(ws.root);
    await build(server);
    await server.client.sendRequest('shutdown');
    server.dispose();
    const lance = path.join(ws.root, '.nootropic-cache', 'index', 'lancedb', 'chunks.lance');
    for (const f of readdirSync(path.join(lance, '_versions'))) writeFileSync(path.join(lance, '_versions', f), 'garbage');
    server = await start(ws.root);
    const rebuilt = await build(server);
    expect(rebuilt.recovered).toMatch(/could not be read.*rebuilt/);
    expect(rebuilt.files).toBe(4);
    expect((await search(server, 'render a button'))[0]?.symbol).toBe('renderButton');
    expect(readdirSync(path.join(ws.root, '.nootropic-cache', 'index')).some((n) => n.startsWith('lancedb.corrupt-'))).toBe(true);
  });

  it('handles bad input: binary, oversized and invalid UTF-8 files, and a workspace deleted mid-way', async () => {
    ws = workspace();
    writeFileSync(path.join(ws.root, 'blob.ts'), Buffer.from([0x63, 0x6f, 0x00, 0x01, 0x02]));
    writeFileSync(path.join(ws.root, 'bundle.min.js'), 'var a=1;'.repeat(300_000));
    writeFileSync(path.join(ws.root, 'latin1.ts'), Buffer.concat([Buffer.from('export function caf'), Buffer.from([0xe9]), Buffer.from('Menu() { return 1; }\n')]));
    server = startInProcessServer(ENV);
    await server.initialize(ws.root, { settings: { index: { watch: false, maxFileBytes: 1_000_000 } } });
    const s = await build(server);
    expect(s.skippedBy).toMatchObject({ binary: 1, tooLarge: 1 });
    expect((await search(server, 'caf menu'))[0]?.path).toBe('latin1.ts');
    rmSync(ws.root, { recursive: true, force: true });
    await expect(server.client.sendRequest(IndexBuild.method, {})).rejects.toMatchObject({ code: ErrorCodes.InternalError, message: expect.stringMatching(/indexing failed.*still searchable/) });
    const info = IndexInfo.result.parse(await server.client.sendRequest(IndexInfo.method, {}));
    expect(info.state).toBe('error');
    expect(info.chunks).toBeGreaterThan(0);
    expect(existsSync(ws.root)).toBe(false);
  });

  it('answers search without a workspace with a clear error', async () => {
    server = startInProcessServer(ENV);
    await server.initialize(null);
    await expect(server.client.sendRequest(Search.method, { query: 'x' })).rejects.toMatchObject({ code: -32001, message: expect.stringMatching(/no workspace folder/) });
  });
});
