/**
 * Retrieval benchmark (npm run bench:retrieval). Dev data: real source in five languages (Python, Go, Rust,
 * Java, JS/TS) from Debian packages and npm tarballs (sources.ts), doc comments blanked in the indexed copy,
 * queries = the first sentence of each function's doc comment (devset.ts). Repositories are split into a tune
 * half (constants chosen on it with inspect.ts) and a report half tuning never saw; both are printed. Each
 * repository is its own workspace: nootropic runs as the real server (dist/server.js over stdio) on it. The
 * baselines are plain BM25 (k1 1.2, b 0.75, lower-cased \w+ tokens) and BM25 over nootropic's code-aware
 * tokens, over the same chunks, computed in the same run.
 * Flags: --no-scale (skip the ~100k-chunk figures), --rebuild (rebuild the dev set).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { SERVER_MALLOC_ENV } from '../../cli/early-server';
import { tokenize } from '../../server/src/rag/tokenize';
import { IndexBuild, Search, type IndexSummary, type SearchHit } from '../../shared/protocol';
// @ts-expect-error plain JS helper shared by the benchmarks
import { percentile } from '../fetch-npm.mjs';
import { bm25Baseline, byLanguage, CACHE, chunksOf, fmt, loadHalf, relevant, type Metrics } from './quality';
import { REPOS, type Half } from './sources';

const ROOT = path.resolve(__dirname, '..', '..');
const arg = (name: string) => process.argv.includes(name);

interface Server {
  child: ChildProcess;
  rpc: MessageConnection;
}

async function startServer(root: string): Promise<Server> {
  // Same heap cap and malloc settings the extension and the CLI launch the server with.
  const child = spawn(process.execPath, ['--max-old-space-size=512', path.join(ROOT, 'dist', 'server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    cwd: root,
    env: { ...SERVER_MALLOC_ENV, ...process.env },
  });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  rpc.listen();
  // The watcher is off so save→searchable measures the editor path (didSave), not a filesystem event.
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, initializationOptions: { settings: { index: { watch: false } } } });
  await rpc.sendNotification('initialized', {});
  return { child, rpc };
}

async function stopServer(s: Server): Promise<void> {
  await s.rpc.sendRequest('shutdown').catch(() => undefined);
  await s.rpc.sendNotification('exit').catch(() => undefined);
  await new Promise((r) => s.child.once('exit', r));
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function duMb(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else total += st.size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return total / 1e6;
}

interface HalfResult {
  half: Half;
  queries: number;
  files: number;
  chunks: number;
  buildMs: number;
  latency: number[];
  bm25: Record<string, Metrics>;
  bm25Code: Record<string, Metrics>;
  ours: Record<string, Metrics>;
}

async function runHalf(half: Half): Promise<HalfResult> {
  const set = await loadHalf(half, arg('--rebuild'));
  const chunks = await chunksOf(set.dir);
  const bm25 = byLanguage(set.queries, bm25Baseline(chunks, set.queries));
  const bm25Code = byLanguage(set.queries, bm25Baseline(chunks, set.queries, (t) => tokenize(t, { stopwords: true })));
  const ranks: (number | undefined)[] = new Array(set.queries.length);
  const latency: number[] = [];
  let files = 0;
  let nChunks = 0;
  let buildMs = 0;
  // Each repository is one workspace, indexed from scratch by the real server.
  for (const repo of REPOS.filter((r) => r.half === half)) {
    const dir = path.join(set.dir, repo.name);
    rmSync(path.join(dir, '.nootropic-cache'), { recursive: true, force: true });
    const server = await startServer(dir);
    const summary = (await server.rpc.sendRequest(IndexBuild.method, {})) as IndexSummary;
    files += summary.files;
    nChunks += summary.chunks;
    buildMs += summary.ms;
    for (const [i, q] of set.queries.entries()) {
      if (q.repo !== repo.name) continue;
      const t0 = performance.now();
      const { hits } = (await server.rpc.sendRequest(Search.method, { query: q.query, limit: 10 })) as { hits: SearchHit[] };
      latency.push(performance.now() - t0);
      const at = hits.findIndex((h) => relevant({ ...h, path: `${repo.name}/${h.path}` }, q));
      ranks[i] = at >= 0 ? at + 1 : undefined;
    }
    await stopServer(server);
  }
  return { half, queries: set.queries.length, files, chunks: nChunks, buildMs, latency, bm25, bm25Code, ours: byLanguage(set.queries, ranks) };
}

function printHalf(r: HalfResult): void {
  const repos = REPOS.filter((x) => x.half === r.half).map((x) => x.name).join(', ');
  console.log(`\n${r.half === 'tune' ? 'TUNE half (constants chosen on it)' : 'REPORT half (held out: never tuned on)'}: ${r.queries} queries, ${r.files} files, ${r.chunks} chunks; ${repos}`);
  for (const k of Object.keys(r.ours)) {
    const o = r.ours[k]!;
    const b = r.bm25[k]!;
    console.log(`  ${k.padEnd(6)} n=${String(o.n).padEnd(4)} nootropic ${fmt(o)}  |  BM25 ${fmt(b)}  |  BM25 code tokens MRR@10 ${r.bm25Code[k]!.mrr.toFixed(3)}  |  MRR ratio ${(o.mrr / b.mrr).toFixed(2)}x`);
  }
}

async function main(): Promise<void> {
  const tune = await runHalf('tune');
  const report = await runHalf('report');
  printHalf(tune);
  printHalf(report);
  const o = report.ours.all!;
  console.log(`\nheld-out (report half): MRR@10 ${o.mrr.toFixed(3)} = ${(o.mrr / report.bm25.all!.mrr).toFixed(2)}x plain BM25 (target >= 1.4x), Recall@10 ${o.r10.toFixed(3)} (target >= 0.75)`);
  const all = [...tune.latency, ...report.latency];
  console.log(`cold index (lexical-only, each repository its own workspace): ${tune.files + report.files} files, ${tune.chunks + report.chunks} chunks in ${((tune.buildMs + report.buildMs) / 1000).toFixed(1)} s`);
  console.log(`query latency: p50 ${percentile(all, 50).toFixed(1)} ms, p95 ${percentile(all, 95).toFixed(1)} ms (a machine shared with parallel sessions: timings are noisy)`);
  const results: Record<string, unknown> = { tune: { ...tune, latency: undefined }, report: { ...report, latency: undefined } };
  const repo = path.join(CACHE, 'multi-report');
  const summary = { chunks: report.chunks };
  const queries = (await loadHalf('report')).queries;

  if (!arg('--no-scale')) {
    // ~100k chunks: the report half replicated under rep<i>/.
    const big = path.join(CACHE, 'big-multi');
    const copies = Math.ceil(100_000 / Math.max(1, summary.chunks));
    if (!existsSync(path.join(big, `rep${copies - 1}`))) {
      rmSync(big, { recursive: true, force: true });
      for (let i = 0; i < copies; i++) cpSync(repo, path.join(big, `rep${i}`), { recursive: true, filter: (s) => !s.includes('.nootropic-cache') });
    }
    rmSync(path.join(big, '.nootropic-cache'), { recursive: true, force: true });
    const s2 = await startServer(big);
    const sum2 = (await s2.rpc.sendRequest(IndexBuild.method, {})) as IndexSummary;
    const lat2: number[] = [];
    for (const q of queries.slice(0, 300)) {
      const t0 = performance.now();
      await s2.rpc.sendRequest(Search.method, { query: q.query, limit: 10 });
      lat2.push(performance.now() - t0);
    }
    // Save → searchable, as in an editor: the document is open, the file is written, didSave is sent; poll
    // until a search finds the new function.
    const savedRel = 'fresh/saved_probe.ts';
    const savedUri = pathToFileURL(path.join(big, savedRel)).href;
    mkdirSync(path.join(big, 'fresh'), { recursive: true });
    await s2.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: savedUri, languageId: 'typescript', version: 1, text: '' } });
    const saveLat: number[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `zebraQuokkaSaved${i}${Date.now()}`;
      writeFileSync(path.join(big, savedRel), `export function ${name}(a: number) {\n  return a * 2;\n}\n`);
      const t0 = performance.now();
      await s2.rpc.sendNotification('textDocument/didSave', { textDocument: { uri: savedUri } });
      for (;;) {
        const { hits } = (await s2.rpc.sendRequest(Search.method, { query: name, limit: 1 })) as { hits: SearchHit[] };
        if (hits[0]?.symbol === name) break;
        if (performance.now() - t0 > 10_000) throw new Error('saved file never became searchable');
        await new Promise((r) => setTimeout(r, 5));
      }
      saveLat.push(performance.now() - t0);
    }
    const rss = peakRssMb(s2.child.pid!);
    await stopServer(s2);
    const size = duMb(path.join(big, '.nootropic-cache', 'index'));
    console.log(`\nat scale: ${sum2.files} files, ${sum2.chunks} chunks indexed cold in ${(sum2.ms / 1000).toFixed(1)} s (${((sum2.files * 1000) / sum2.ms).toFixed(0)} files/s, ${((sum2.chunks * 1000) / sum2.ms).toFixed(0)} chunks/s)`);
    console.log(`  warm query latency: p50 ${percentile(lat2, 50).toFixed(1)} ms, p95 ${percentile(lat2, 95).toFixed(1)} ms (targets < 30 / < 80 ms)`);
    console.log(`  save → searchable: median ${percentile(saveLat, 50).toFixed(0)} ms, max ${Math.max(...saveLat).toFixed(0)} ms (target < 500 ms)`);
    console.log(`  server peak RSS ${rss.toFixed(0)} MB (target < 500 MB); index on disk ${size.toFixed(0)} MB`);
    Object.assign(results, { scale: { summary: sum2, latency: { p50: percentile(lat2, 50), p95: percentile(lat2, 95) }, saveMs: saveLat, rssMb: rss, indexMb: size } });
  }
  writeFileSync(path.join(CACHE, 'results.json'), JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
