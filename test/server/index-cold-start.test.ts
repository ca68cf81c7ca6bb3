// The index from a cold start: a request made right after the server starts waits for the persisted index and
// gets its citations (OpenAI-compatible and Ollama protocols, against the stand-in over real HTTP); doctor
// reports the index on disk right after start; a writer killed mid-write is found and repaired on the next
// open; duplicated rows (two writers at once) are repaired; unchanged empty/binary files are not "changed".
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSend, Doctor, IndexBuild, Search, type IndexSummary } from '../../shared/protocol';
import { ChunkStore } from '../../server/src/rag/chunk-store';
import { acquireIndexLock, IndexLockBusy } from '../../server/src/rag/index-lock';
import { createLogger } from '../../server/src/log';
import { RemoteIndex, workerScript } from '../../server/src/rag/remote-index';
import { WorkspaceIndex } from '../../server/src/rag/workspace-index';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
const open: WorkspaceIndex[] = [];
afterEach(async () => {
  if (server) {
    await server.client.sendRequest('shutdown').catch(() => undefined);
    server.dispose();
  }
  for (const ix of open.splice(0)) ix.close();
  await standin?.close();
  ws?.dispose();
  server = standin = ws = undefined;
});

function workspace(): TempWorkspace {
  ws = tempWorkspace('nootropic-cold-');
  ws.write('src/billing/invoice.ts', 'export function computeInvoiceTotal(lines: { price: number; qty: number }[]) {\n  return lines.reduce((s, l) => s + l.price * l.qty, 0);\n}\n');
  ws.write('src/net/retry.ts', 'export async function retryWithBackoff(fn: () => Promise<void>, attempts = 3) {\n  for (let i = 0; i < attempts; i++) await fn();\n}\n');
  ws.write('lib/geo.py', 'def haversine_distance(a, b):\n    return abs(a - b)\n');
  ws.write('src/empty.ts', '');
  writeFileSync(path.join(ws.root, 'src/logo.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
  return ws;
}

/** Builds the index with one server and shuts it down: what a previous session left on disk. */
async function buildOnce(root: string): Promise<IndexSummary> {
  const s = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' });
  await s.initialize(root, { settings: { index: { watch: false } } });
  const summary = IndexBuild.result.parse(await s.client.sendRequest(IndexBuild.method, {}));
  await s.client.sendRequest('shutdown');
  s.dispose();
  return summary;
}

const QUESTION = 'how is the invoice total computed?';

/** A new workspace (nothing indexed), a server with `settings`, and one ask straight away (OpenAI protocol). */
async function askOnFreshWorkspace(settings: Record<string, unknown>) {
  const w = workspace();
  standin = await startModelStandin({ replies: [{ text: 'ok' }] });
  server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_PROVIDER: 'openai', NOOTROPIC_BASE_URL: `${standin.url}/v1`, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
  await server.initialize(w.root, { settings });
  return ChatSend.result.parse(await server.client.sendRequest(ChatSend.method, { messages: [{ role: 'user', content: QUESTION }] }));
}

describe('cold start: requests wait for the persisted index', () => {
  for (const protocol of ['openai', 'ollama'] as const) {
    it(`ask right after start gets citations from the index (${protocol})`, async () => {
      const w = workspace();
      await buildOnce(w.root);
      standin = await startModelStandin({ replies: [{ text: 'It sums price × qty (src/billing/invoice.ts).' }] });
      const baseUrl = protocol === 'openai' ? `${standin.url}/v1` : standin.url;
      server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_PROVIDER: protocol, NOOTROPIC_BASE_URL: baseUrl, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
      await server.initialize(w.root, { settings: { index: { watch: false } } });
      // No wait, no index/build: the very first request.
      const result = ChatSend.result.parse(await server.client.sendRequest(ChatSend.method, { messages: [{ role: 'user', content: QUESTION }] }));
      expect(result.context).toMatchObject({ index: 'ready' });
      expect(result.context.retriever).toContain('workspace index');
      expect(result.citations.map((c) => c.path)).toContain('src/billing/invoice.ts');
      const calls = standin.calls(protocol === 'openai' ? '/v1/chat/completions' : '/api/chat');
      expect(JSON.stringify(calls[0]!.body)).toContain('computeInvoiceTotal');
    });
  }

  it('a first build (nothing on disk) is waited for too, and an ask gets its citations', async () => {
    const result = await askOnFreshWorkspace({ index: { watch: false } });
    expect(result.citations.map((c) => c.path)).toContain('src/billing/invoice.ts');
    expect(result.context.index).toBe('ready');
  });

  it('without the start-up update (the CLI\'s search) serves the index as last built; index/build then walks; a fresh workspace is still built', async () => {
    const w = workspace();
    await buildOnce(w.root);
    w.write('src/tax.ts', 'export function computeSalesTax(amount: number) {\n  return amount * 0.2;\n}\n');
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' });
    await server.initialize(w.root, { settings: { index: { watch: false } }, indexUpdateOnStart: false });
    const search = async (q: string) => Search.result.parse(await server!.client.sendRequest(Search.method, { query: q, limit: 5 })).hits;
    expect((await search('invoice total'))[0]?.symbol).toBe('computeInvoiceTotal');
    expect((await search('compute sales tax')).some((h) => h.path === 'src/tax.ts')).toBe(false);
    expect(server.logs.some((l) => l.includes('index served as last built'))).toBe(true);
    const built = IndexBuild.result.parse(await server.client.sendRequest(IndexBuild.method, {}));
    expect(built.changedFiles).toBe(1);
    expect((await search('compute sales tax'))[0]?.path).toBe('src/tax.ts');
    await server.client.sendRequest('shutdown');
    server.dispose();

    const fresh = tempWorkspace('nootropic-cold-fresh-');
    try {
      fresh.write('lib/geo.py', 'def haversine_distance(a, b):\n    return abs(a - b)\n');
      server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' });
      await server.initialize(fresh.root, { settings: { index: { watch: false } }, indexUpdateOnStart: false });
      expect((await search('haversine distance'))[0]?.symbol).toBe('haversine_distance');
      await server.client.sendRequest('shutdown');
      server.dispose();
      server = undefined;
    } finally {
      fresh.dispose();
    }
  });

  it('says exactly why there is no context when indexing is disabled', async () => {
    const result = await askOnFreshWorkspace({ index: { enabled: false } });
    expect(result.context.index).toBe('unavailable');
    expect(result.context.detail).toContain('nootropic.index.enabled');
  });

  it('doctor right after start reports the index on disk (files, chunks, mode, age)', async () => {
    const w = workspace();
    const built = await buildOnce(w.root);
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' });
    await server.initialize(w.root, { settings: { index: { watch: false } } });
    const report = Doctor.result.parse(await server.client.sendRequest(Doctor.method, {}));
    expect(report.indexOnDisk).toMatchObject({ present: true, files: built.files, chunks: built.chunks, mode: 'lexical' });
    expect(report.indexOnDisk!.ageMs).toBeGreaterThanOrEqual(0);
    expect(report.context.index).toBe('ready');
    expect(report.degraded.join('\n')).not.toContain('workspace index');
  });
});

describe('persistence, interrupted writes, duplicates, one writer', () => {
  const newIndex = (root: string, lockWaitMs = 5_000) => {
    const ix = new WorkspaceIndex(root, { maxFileBytes: 1_000_000, lockWaitMs });
    open.push(ix);
    return ix;
  };

  it('opens from the snapshot without reading rows; unchanged empty and binary files are not counted as changed', async () => {
    const w = workspace();
    const a = newIndex(w.root);
    await a.load();
    const first = await a.update();
    expect(first.changedFiles).toBe(5);
    expect(first.skippedBy.binary).toBe(1);
    const again = await a.update();
    expect(again.changedFiles).toBe(0);
    expect(again.skippedBy.binary).toBe(1);
    a.close();
    const b = newIndex(w.root);
    await b.load();
    expect(b.loadedFrom?.source).toBe('snapshot');
    expect(b.chunkCount).toBe(first.chunks);
    expect((await b.search('invoice total', 3))[0]?.symbol).toBe('computeInvoiceTotal');
    const third = await b.update();
    expect(third.changedFiles).toBe(0);
    expect(third.recovered).toBeUndefined();
  });

  it("completion's definition lookups built ahead in slices answer as the ones built on demand; a change drops them", async () => {
    const w = workspace();
    w.write('lib/shapes.py', 'class Circle:\n    def area(self):\n        return 3\n\n    def perimeter(self):\n        return 6\n');
    const a = newIndex(w.root);
    await a.load();
    await a.update();
    a.close();
    const onDemand = newIndex(w.root);
    await onDemand.load();
    const ahead = newIndex(w.root);
    await ahead.load();
    await ahead.warmDefinitionMaps();
    const ask = (ix: WorkspaceIndex) => ({
      named: ix.definitionsNamed('computeInvoiceTotal').map((r) => r.path),
      stem: ix.definitionsInFilesNamed('geo').map((r) => r.symbol),
      type: ix.definitionsInType('Circle').map((r) => r.symbol).sort(),
    });
    expect(ask(ahead)).toEqual({ named: ['src/billing/invoice.ts'], stem: ['haversine_distance'], type: ['area', 'perimeter'] });
    expect(ask(onDemand)).toEqual(ask(ahead));
    // A warm-up under way when the rows change is dropped, and the next lookup sees the change.
    const warming = ahead.warmDefinitionMaps();
    w.write('lib/geo.py', 'def haversine_distance(a, b):\n    return abs(a - b)\n\n\ndef bearing(a, b):\n    return 0\n');
    await ahead.updateFiles(['lib/geo.py']);
    await warming;
    expect(ahead.definitionsInFilesNamed('geo').map((r) => r.symbol).sort()).toEqual(['bearing', 'haversine_distance']);
    // A name's answer is kept between keystrokes, and a change that moves or adds its definition is seen.
    expect(ahead.definitionsNamed('bearing').map((r) => r.start_line)).toEqual([5]);
    expect(ahead.definitionsNamed('bearing')).toBe(ahead.definitionsNamed('bearing'));
    w.write('lib/geo.py', '\n\ndef haversine_distance(a, b):\n    return abs(a - b)\n\n\ndef bearing(a, b):\n    return 0\n');
    w.write('lib/nav.py', 'def bearing(a, b):\n    return 1\n');
    await ahead.updateFiles(['lib/geo.py', 'lib/nav.py']);
    expect(ahead.definitionsNamed('bearing').map((r) => `${r.path}:${r.start_line}`).sort()).toEqual(['lib/geo.py:7', 'lib/nav.py:1']);
  });

  it("the server thread keeps the index thread's definition answers until the rows change, and asks only what is new", async () => {
    const w = workspace();
    w.write('lib/shapes.py', 'class Circle:\n    def area(self):\n        return 3\n');
    const script = workerScript();
    expect(script).toBeDefined();
    const remote = new RemoteIndex(script!, { root: w.root, maxFileBytes: 1_000_000, lockWaitMs: 1_000, log: createLogger(() => undefined), onCrash: () => undefined });
    try {
      await remote.load();
      await remote.update({});
      const query = { names: ['computeInvoiceTotal', 'notDefinedAnywhere'], stem: 'geo', types: ['Circle'] };
      const first = await remote.definitions(query);
      expect(first.named).toEqual({ computeInvoiceTotal: [{ path: 'src/billing/invoice.ts', startLine: 1, endLine: 3 }] });
      expect(first.members.map((m) => m.name)).toEqual(['haversine_distance']);
      expect(first.typeMembers?.['Circle']?.map((m) => m.name)).toEqual(['area']);
      // The same keystroke again, and one more name: the known part is kept, the new name is asked.
      expect(await remote.definitions(query)).toEqual(first);
      const more = await remote.definitions({ names: ['computeInvoiceTotal', 'retryWithBackoff'] });
      expect(Object.keys(more.named).sort()).toEqual(['computeInvoiceTotal', 'retryWithBackoff']);
      expect(more.members).toEqual([]);
      // A change on disk, re-indexed: the kept answers are dropped with the rows they came from.
      w.write('lib/geo.py', '\n\ndef haversine_distance(a, b):\n    return abs(a - b)\n\n\ndef bearing(a, b):\n    return 0\n');
      expect(await remote.filesChanged([path.join(w.root, 'lib/geo.py')])).toBe(1);
      const after = await remote.definitions({ names: ['haversine_distance', 'bearing'], stem: 'geo' });
      expect(after.named['haversine_distance']?.map((s) => s.startLine)).toEqual([3]);
      expect(after.named['bearing']?.map((s) => s.startLine)).toEqual([7]);
      expect(after.members.map((m) => m.name).sort()).toEqual(['bearing', 'haversine_distance']);
    } finally {
      await remote.close();
    }
  });

  it('opens from the snapshot without opening the chunk table, whose version on disk is LanceDB\'s own; the first write opens it and sees other writers', async () => {
    const w = workspace();
    const a = newIndex(w.root);
    await a.load();
    await a.update();
    a.close();
    const tableVersion = async () => {
      const store = new ChunkStore(w.root, 'none');
      const onDisk = store.versionOnDisk();
      await store.open();
      const own = await store.version();
      store.close();
      return { onDisk, own };
    };
    const v1 = await tableVersion();
    expect(v1.onDisk).toBe(v1.own);
    expect(v1.own).toBeGreaterThan(0);

    const b = newIndex(w.root);
    await b.load();
    const storeOf = (ix: WorkspaceIndex) => (ix as unknown as { store: ChunkStore }).store;
    expect(b.loadedFrom?.source).toBe('snapshot');
    expect(storeOf(b).isOpen).toBe(false);
    expect((await b.search('invoice total', 3))[0]?.symbol).toBe('computeInvoiceTotal');
    expect(storeOf(b).isOpen).toBe(false);

    // Another process writes while b serves from its snapshot.
    w.write('src/tax.ts', 'export function computeSalesTax(amount: number) {\n  return amount * 0.2;\n}\n');
    const c = newIndex(w.root);
    await c.load();
    expect((await c.update()).changedFiles).toBe(1);
    c.close();
    const v2 = await tableVersion();
    expect(v2.onDisk).toBe(v2.own);
    expect(v2.own).toBeGreaterThan(v1.own);

    // b's first write opens the table, finds it moved on, reloads, and writes only its own change.
    w.write('src/net/retry.ts', 'export async function retryWithJitter(fn: () => Promise<void>) {\n  await fn();\n}\n');
    const summary = await b.update();
    expect(storeOf(b).isOpen).toBe(true);
    expect(summary.changedFiles).toBe(1);
    expect((await b.search('sales tax', 3))[0]?.symbol).toBe('computeSalesTax');
    expect((await b.search('retry with jitter', 3))[0]?.symbol).toBe('retryWithJitter');
    const paths = (await b.search('invoice total sales tax retry haversine', 20)).map((h) => `${h.path}:${h.startLine}`);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('a writer killed mid-write is found on the next open, reported, and its files re-indexed', async () => {
    const w = workspace();
    await builtAndClosed(w.root);
    // What a kill between "record pending" and the table write leaves: the pending record of a dead process, and
    // the file's rows gone from the table (deleted, not yet re-added).
    const dir = path.join(w.root, '.nootropic-cache', 'index');
    writeFileSync(path.join(dir, 'pending.json'), JSON.stringify({ pid: 2 ** 22 + 12345, paths: ['src/net/retry.ts'] }));
    const store = new ChunkStore(w.root, 'none');
    await store.open();
    await store.replace(['src/net/retry.ts'], []);
    store.close();
    const b = newIndex(w.root);
    await b.load();
    const summary = await b.update();
    expect(summary.recovered).toContain('resumed an interrupted build');
    expect(summary.changedFiles).toBe(1);
    expect((await b.search('retry with backoff', 3))[0]?.path).toBe('src/net/retry.ts');
    const store2 = new ChunkStore(w.root, 'none');
    await store2.open();
    expect(await store2.count()).toBe(b.chunkCount);
    store2.close();
  });

  it('duplicated rows (two writers of an older build at once) are repaired: every hit once', async () => {
    const w = workspace();
    const a = newIndex(w.root);
    await a.load();
    const built = await a.update();
    a.close();
    // A second writer without the lock appends the same file's rows again.
    const store = new ChunkStore(w.root, 'none');
    await store.open();
    const rows: import('../../server/src/rag/chunk-store').ChunkRow[] = [];
    await store.scan((r) => {
      if (r.path === 'src/billing/invoice.ts') rows.push(r);
    });
    await store.replace([], rows);
    expect(await store.count()).toBe(built.chunks + rows.length);
    store.close();
    const b = newIndex(w.root);
    await b.load();
    const summary = await b.update();
    expect(summary.recovered).toMatch(/repaired/);
    expect(summary.chunks).toBe(built.chunks);
    const hits = await b.search('invoice total computed', 10);
    expect(hits.filter((h) => h.path === 'src/billing/invoice.ts')).toHaveLength(1);
  });

  it('a second writer waits for the lock holder, then says who holds it', async () => {
    const w = workspace();
    const a = newIndex(w.root, 300);
    await a.load();
    // Another live process (this test's parent) holds the lock.
    const dir = path.join(w.root, '.nootropic-cache', 'index');
    writeFileSync(path.join(dir, 'writer.lock'), JSON.stringify({ pid: process.ppid, startedAt: Date.now(), what: 'indexing elsewhere' }));
    const err = await a.update().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexLockBusy);
    expect(String(err)).toContain(`pid ${process.ppid}`);
    // A dead holder's lock is stale: taken over.
    writeFileSync(path.join(dir, 'writer.lock'), JSON.stringify({ pid: 2 ** 22 + 4321, startedAt: Date.now(), what: 'killed' }));
    const lock = await acquireIndexLock(dir, 'test', { waitMs: 0 });
    expect(lock.tookOverFrom?.pid).toBe(2 ** 22 + 4321);
    lock.release();
    expect((await a.update()).chunks).toBeGreaterThan(0);
  });

  it('search over LSP answers from the persisted index right after start', async () => {
    const w = workspace();
    await buildOnce(w.root);
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent', NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' });
    await server.initialize(w.root, { settings: { index: { watch: false } } });
    const r = Search.result.parse(await server.client.sendRequest(Search.method, { query: 'haversine distance', limit: 3 }));
    expect(r.hits[0]).toMatchObject({ path: 'lib/geo.py', symbol: 'haversine_distance' });
  });

  /** An index built and closed: what a previous process left on disk. */
  const builtAndClosed = async (root: string) => {
    const a = newIndex(root);
    await a.load();
    const summary = await a.update();
    a.close();
    return summary;
  };
  const QUERIES = ['invoice total', 'retry with backoff', 'haversine distance', 'compute lines price', 'attempts'];
  const snapFile = (root: string) => path.join(root, '.nootropic-cache', 'index', 'lexical.snap');
  /** The byte range of a section of the snapshot, from its header (magic, u32 length, JSON). */
  const section = (root: string, name: string): [number, number] => {
    const buf = readFileSync(snapFile(root));
    const header = JSON.parse(buf.subarray(12, 12 + buf.readUInt32LE(8)).toString('utf8')) as { sections: Record<string, [number, number]> };
    return header.sections[name]!;
  };
  const overwrite = (root: string, [at, len]: [number, number], byte: number) => {
    const buf = readFileSync(snapFile(root));
    buf.fill(byte, at, at + len);
    writeFileSync(snapFile(root), buf);
  };

  it('reopening answers from the snapshot on disk with the same hits as the index that wrote it, before and after an edit', async () => {
    const w = workspace();
    const a = newIndex(w.root);
    await a.load();
    await a.update();
    const inMemory = await Promise.all(QUERIES.map((q) => a.search(q, 5)));
    a.close();
    const b = newIndex(w.root);
    await b.load();
    expect(b.loadedFrom?.source).toBe('snapshot');
    expect(await Promise.all(QUERIES.map((q) => b.search(q, 5)))).toEqual(inMemory);
    expect(b.symbols('haversine', 5).map((r) => r.symbol)).toEqual(['haversine_distance']);
    // An edit loads the snapshot for writing; a third index reopening after it agrees with the second.
    w.write('src/net/retry.ts', 'export async function retryWithJitter(fn: () => Promise<void>) {\n  await fn();\n}\n');
    expect(await b.updateFiles(['src/net/retry.ts'])).toBe(1);
    await b.flushAndClose();
    const afterEdit = newIndex(w.root);
    await afterEdit.load();
    expect(afterEdit.loadedFrom?.source).toBe('snapshot');
    expect((await afterEdit.search('retry with jitter', 3))[0]?.symbol).toBe('retryWithJitter');
    const c = newIndex(w.root);
    await c.load();
    await c.update({ force: true });
    // Documents are numbered in another order after a full rebuild: equal scores may swap places, nothing else.
    const norm = (hits: { path: string; startLine: number; score: number }[][]) => hits.map((h) => h.map((x) => `${x.score} ${x.path}:${x.startLine}`).sort());
    expect(norm(await Promise.all(QUERIES.map((q) => afterEdit.search(q, 5))))).toEqual(norm(await Promise.all(QUERIES.map((q) => c.search(q, 5)))));
  });

  it('a torn snapshot (cut short) is detected on open, rebuilt from the chunk table and reported', async () => {
    const w = workspace();
    const built = await builtAndClosed(w.root);
    truncateSync(snapFile(w.root), statSync(snapFile(w.root)).size - 100);
    const b = newIndex(w.root);
    await b.load();
    expect(b.loadedFrom).toMatchObject({ source: 'rows' });
    expect(b.loadedFrom?.reason).toContain('truncated');
    const summary = await b.update();
    expect(summary.recovered).toMatch(/rebuilt the lexical index from the chunk table \(the saved lexical index is truncated/);
    expect(summary.chunks).toBe(built.chunks);
    expect((await b.search('invoice total', 3))[0]?.symbol).toBe('computeInvoiceTotal');
    b.close();
    // The rewritten snapshot is whole again.
    const c = newIndex(w.root);
    await c.load();
    expect(c.loadedFrom?.source).toBe('snapshot');
  });

  it('damaged postings inside a whole-looking snapshot are found by the first query that reads them, repaired and reported', async () => {
    const w = workspace();
    await builtAndClosed(w.root);
    overwrite(w.root, section(w.root, 'postIds'), 0xff); // document ids of -1
    const b = newIndex(w.root);
    await b.load();
    expect(b.loadedFrom?.source).toBe('snapshot'); // opening reads no postings
    expect((await b.search('invoice total', 3))[0]?.symbol).toBe('computeInvoiceTotal');
    expect(b.recovered).toMatch(/repaired the lexical index from the chunk table \(the saved lexical index is damaged/);
    b.close();
    const c = newIndex(w.root);
    await c.load();
    expect(c.loadedFrom?.source).toBe('snapshot');
    expect((await c.search('invoice total', 3))[0]?.symbol).toBe('computeInvoiceTotal');
  });

  it('damage no read-time check can see (posting weights) is caught by the checksum when the index is loaded for a write', async () => {
    const w = workspace();
    await builtAndClosed(w.root);
    overwrite(w.root, section(w.root, 'postWeights'), 0x00);
    const b = newIndex(w.root);
    await b.load();
    w.write('lib/geo.py', 'def haversine_distance(a, b):\n    return abs(a - b) * 2\n');
    const summary = await b.update();
    expect(summary.changedFiles).toBe(1);
    expect(summary.recovered).toMatch(/checksum does not match/);
    expect((await b.search('invoice total', 3))[0]?.symbol).toBe('computeInvoiceTotal');
    expect((await b.search('haversine distance', 3))[0]?.text).toContain('* 2');
  });
});
