// Tuning aid (not the benchmark): runs the dev set in-process against LexicalIndex and sweeps scoring
// constants. `inspect.ts misses N` prints N missed queries with the target and top hits.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chunkFile, type Chunk } from '../../server/src/rag/chunk';
import { FIELDS, KIND_PRIOR, LexicalIndex, TUNING } from '../../server/src/rag/lexical-index';
import type { DevQuery } from './devset';

const CACHE = path.resolve(__dirname, '..', '.cache', 'retrieval');
const relevant = (c: Chunk, q: DevQuery) =>
  (c.path === q.path && Math.abs(c.startLine - q.startLine) <= 2) || (c.symbol === q.name && /^(function|method)$/.test(c.kind) && c.path.split('/')[0] !== q.path.split('/')[0]);

async function main() {
  const repo = path.join(CACHE, 'repo');
  const qs = JSON.parse(readFileSync(path.join(CACHE, 'queries.json'), 'utf8')) as DevQuery[];
  // Tune on the odd-numbered queries only: the benchmark reports on the even-numbered half.
  const queries = qs.filter((_, i) => i % 2 === 1);
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).forEach((n) => { if (n === '.nootropic-cache') return; const p = path.join(d, n); statSync(p).isDirectory() ? walk(p) : files.push(p); });
  walk(repo);
  const chunks: Chunk[] = [];
  for (const f of files) chunks.push(...(await chunkFile(path.relative(repo, f), readFileSync(f, 'utf8'))));
  const evaluate = () => {
    const idx = new LexicalIndex();
    for (const c of chunks) idx.add(c);
    let r10 = 0, mrr = 0;
    for (const q of queries) {
      const top = idx.search(q.query, 10).map((h) => chunks[h.doc]!);
      const i = top.findIndex((c) => relevant(c, q));
      if (i >= 0) { r10++; mrr += 1 / (i + 1); }
    }
    return { r10: r10 / queries.length, mrr: mrr / queries.length };
  };
  if (process.argv[2] === 'coverage') {
    const missing = queries.filter((q) => !chunks.some((c) => c.path === q.path && Math.abs(c.startLine - q.startLine) <= 2));
    console.log(`targets without a chunk: ${missing.length}/${queries.length}`);
    for (const q of missing.slice(0, 10)) console.log(`  ${q.path}:${q.startLine} ${q.name}`, chunks.filter((c) => c.path === q.path).map((c) => `${c.kind}:${c.symbol}:${c.startLine}`).join(' '));
    return;
  }
  if (process.argv[2] === 'misses') {
    const idx = new LexicalIndex();
    for (const c of chunks) idx.add(c);
    let shown = 0;
    for (const q of queries) {
      const top = idx.search(q.query, 10).map((h) => chunks[h.doc]!);
      if (top.some((c) => relevant(c, q)) || shown++ >= Number(process.argv[3] ?? 20)) continue;
      console.log(`Q: ${q.query}\n   target ${q.path}:${q.startLine} ${q.name}`);
      for (const c of top.slice(0, 3)) console.log(`   got ${c.path}:${c.startLine} ${c.kind} ${c.symbol}`);
    }
    return;
  }
  const base = evaluate();
  console.log('current', JSON.stringify(base));
  const sweep: [string, () => void, () => void][] = [];
  const tryVal = (label: string, set: (v: number) => void, get: () => number, values: number[]) => {
    const orig = get();
    let best = { v: orig, ...base };
    for (const v of values) {
      set(v);
      const r = evaluate();
      console.log(`  ${label}=${v}: r10 ${r.r10.toFixed(3)} mrr ${r.mrr.toFixed(3)}`);
      if (r.mrr + r.r10 > best.mrr + best.r10) best = { v, ...r };
    }
    set(best.v);
    console.log(`${label} -> ${best.v}`);
  };
  void sweep;
  tryVal('name.weight', (v) => (FIELDS.name.weight = v), () => FIELDS.name.weight, [6, 10, 16]);
  tryVal('body.weight', (v) => (FIELDS.body.weight = v), () => FIELDS.body.weight, [0.5, 1, 2]);
  tryVal('body.b', (v) => (FIELDS.body.b = v), () => FIELDS.body.b, [0.4, 0.75, 0.9]);
  tryVal('signature.weight', (v) => (FIELDS.signature.weight = v), () => FIELDS.signature.weight, [2.5, 5, 8]);
  tryVal('path.weight', (v) => (FIELDS.path.weight = v), () => FIELDS.path.weight, [0.5, 1.5, 3]);
  tryVal('k1', (v) => (TUNING.k1 = v), () => TUNING.k1, [1.2, 2, 3]);
  tryVal('coverage', (v) => (TUNING.coverage = v), () => TUNING.coverage, [0.2, 0.4, 0.7]);
  tryVal('pairWeight', (v) => (TUNING.pairWeight = v), () => TUNING.pairWeight, [0.5, 1, 2]);
  tryVal('blockPrior', (v) => (KIND_PRIOR.block = v), () => KIND_PRIOR.block!, [0.3, 0.6, 0.8]);
  console.log('final', JSON.stringify(evaluate()), JSON.stringify({ FIELDS, TUNING, KIND_PRIOR }));
}
main();
