/**
 * The workspace index in its worker thread (dist/index-worker.js) and file watching, through the server
 * in-process: a client that watches files for the server gets the registration and its notifications re-index;
 * a client that cannot gets the server's own watcher; a worker that dies is reported and restarted; a build can
 * be cancelled; shutdown ends the worker.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { FileChangeType, type RegistrationParams } from 'vscode-languageserver-protocol';
import { Doctor, IndexBuild, IndexInfo, Search, type IndexState, type SearchHit } from '../../shared/protocol';
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
  const w = tempWorkspace('nootropic-index-worker-');
  w.write('src/config.ts', 'export function parseConfigFile(path: string) {\n  return JSON.parse(readFileSync(path, "utf8"));\n}\n');
  w.write('lib/math.py', 'def compute_discount(price, rate):\n    return price * (1 - rate)\n');
  return w;
}

const search = async (s: InProcessServer, query: string, limit = 5) => Search.result.parse(await s.client.sendRequest(Search.method, { query, limit })).hits as SearchHit[];
const info = async (s: InProcessServer) => IndexInfo.result.parse(await s.client.sendRequest(IndexInfo.method, {})) as IndexState;
/** The worker thread of the server's index (not reachable by a client: a crash is simulated by ending it). */
const workerOf = (s: InProcessServer) => (s.ctx.index as unknown as { index?: { worker?: Worker } }).index?.worker;

/** This process's threads with a lowered priority (nice > 0; Linux). */
function nicedThreads(): number {
  let n = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      if (nice > 0) n++;
    } catch {
      /* the thread ended */
    }
  }
  return n;
}

describe('index worker and file watching (in-process)', () => {
  it('registers workspace/didChangeWatchedFiles with a client that supports it, and re-indexes on its notifications', async () => {
    ws = workspace();
    const nicedBefore = process.platform === 'linux' ? nicedThreads() : 0;
    server = startInProcessServer(ENV);
    const registrations: RegistrationParams[] = [];
    server.client.onRequest('client/registerCapability', (p: RegistrationParams) => {
      registrations.push(p);
      return null;
    });
    await server.initialize(ws.root, {}, { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } });
    await expect.poll(() => registrations.flatMap((r) => r.registrations.map((x) => x.method))).toContain('workspace/didChangeWatchedFiles');
    await expect.poll(async () => (await info(server!)).state, { timeout: 20_000 }).toBe('ready');
    expect(workerOf(server)).toBeDefined();
    // Indexing yields the CPU to the thread that answers the editor (its own thread and those it started).
    if (process.platform === 'linux') expect(nicedThreads()).toBeGreaterThan(nicedBefore);
    // The client's watcher saw a new file (not opened in the editor, not saved through it).
    const added = ws.write('src/tax.ts', 'export function computeSalesTax(amount: number) {\n  return amount * 0.2;\n}\n');
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(added).href, type: FileChangeType.Created }] });
    await expect.poll(async () => (await search(server!, 'compute sales tax'))[0]?.symbol).toBe('computeSalesTax');
    rmSync(path.join(ws.root, 'lib/math.py'));
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(ws.root, 'lib/math.py')).href, type: FileChangeType.Deleted }] });
    await expect.poll(async () => (await search(server!, 'discount price')).some((h) => h.path === 'lib/math.py')).toBe(false);
    // Changes under node_modules are dropped by the index's ignore rules, whatever the client reports.
    const dep = ws.write('node_modules/dep/index.ts', 'export function computeSalesTaxVendored() { return 1; }\n');
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(dep).href, type: FileChangeType.Created }] });
    const again = ws.write('src/tax.ts', 'export function computeSalesTax(amount: number) {\n  return amount * 0.25;\n}\nexport function roundCents(x: number) {\n  return Math.round(x * 100) / 100;\n}\n');
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(again).href, type: FileChangeType.Changed }] });
    await expect.poll(async () => (await search(server!, 'round cents'))[0]?.symbol).toBe('roundCents');
    expect((await search(server, 'compute sales tax vendored', 20)).some((h) => h.path.startsWith('node_modules'))).toBe(false);
  });

  it('without the capability, its own watcher (in the worker) picks up a new file and never indexes node_modules or .git', async () => {
    ws = workspace();
    ws.write('node_modules/dep/index.js', 'function leftPadVendored() {}\n');
    ws.write('.git/config', '[core]\n');
    server = startInProcessServer(ENV);
    const registrations: unknown[] = [];
    server.client.onRequest('client/registerCapability', (p: unknown) => (registrations.push(p), null));
    await server.initialize(ws.root, {});
    await expect.poll(async () => (await info(server!)).state, { timeout: 20_000 }).toBe('ready');
    ws.write('src/tax.ts', 'export function computeSalesTax(amount: number) {\n  return amount * 0.2;\n}\n');
    ws.write('node_modules/dep/tax.js', 'function computeSalesTaxVendored() {}\n');
    ws.write('.git/tax.ts', 'export function computeSalesTaxInGit() {}\n');
    await expect.poll(async () => (await search(server!, 'compute sales tax'))[0]?.symbol, { timeout: 15_000 }).toBe('computeSalesTax');
    const hits = await search(server, 'compute sales tax vendored git left pad', 20);
    expect(hits.filter((h) => h.path.startsWith('node_modules/') || h.path.startsWith('.git/'))).toEqual([]);
    expect(registrations).toEqual([]);
  });

  it('reports a worker that dies, restarts it, and keeps serving; doctor says it happened', async () => {
    ws = workspace();
    server = startInProcessServer(ENV);
    await server.initialize(ws.root, { settings: { index: { watch: false } } });
    await expect.poll(async () => (await info(server!)).state, { timeout: 20_000 }).toBe('ready');
    const first = workerOf(server)!;
    await first.terminate();
    const states = () => server!.notifications('nootropic/index/status') as IndexState[];
    await expect.poll(() => states().some((s) => s.state === 'error' && /index worker exited.*restarting/.test(s.message ?? ''))).toBe(true);
    await expect.poll(async () => (await info(server!)).state, { timeout: 20_000 }).toBe('ready');
    expect(workerOf(server)).not.toBe(first);
    expect((await search(server, 'parse the configuration file'))[0]?.symbol).toBe('parseConfigFile');
    expect((await info(server)).message).toMatch(/restarted after it crashed/);
    const report = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 2_000 }));
    expect(report.degraded.some((d) => /index worker crashed 1 time\(s\) and was restarted/.test(d))).toBe(true);
    expect(server.logs.some((l) => l.includes('index worker crashed; restarting it'))).toBe(true);
  });

  it('cancels a running build through $/cancelRequest, and shutdown ends the worker', async () => {
    ws = workspace();
    for (let i = 0; i < 400; i++) ws.write(`gen/m${i}.ts`, `export function generated${i}(x: number) {\n  return x + ${i};\n}\n`);
    server = startInProcessServer(ENV);
    await server.initialize(ws.root, { settings: { index: { watch: false } } });
    await expect.poll(async () => (await info(server!)).state, { timeout: 30_000 }).toBe('ready');
    const source = new CancellationTokenSource();
    const forced = server.client.sendRequest(IndexBuild.method, { force: true }, source.token);
    await expect.poll(async () => (await info(server!)).state).toBe('indexing');
    source.cancel();
    await expect(forced).rejects.toThrow(/cancel/i);
    // The index still answers after the cancelled build (a later build completes it).
    IndexBuild.result.parse(await server.client.sendRequest(IndexBuild.method, {}));
    expect((await search(server, 'parse the configuration file'))[0]?.symbol).toBe('parseConfigFile');
    const worker = workerOf(server)!;
    const exited = new Promise<number>((r) => worker.once('exit', r));
    await server.client.sendRequest('shutdown');
    await exited;
    expect(worker.threadId).toBe(-1);
  });
});
