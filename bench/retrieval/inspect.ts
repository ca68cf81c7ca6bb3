// Tuning aid (not the benchmark): runs the tune half in-process against LexicalIndex (the same ranking and
// result hygiene the server applies) beside plain BM25. `inspect.ts misses N [lang]` prints missed queries with
// the target and top hits; `inspect.ts sweep` varies the scoring constants. `--half report` only to look, never
// to tune.
import { FIELDS, KIND_PRIOR, LexicalIndex, TUNING } from '../../server/src/rag/lexical-index';
import { cleanResults } from '../../server/src/rag/result-hygiene';
import type { Chunk } from '../../server/src/rag/chunk';
import type { DevQuery } from './devset';
import { bm25Baseline, byLanguage, chunksOf, fmt, loadHalf, relevant } from './quality';

async function main() {
  const half = process.argv.includes('--half') ? (process.argv[process.argv.indexOf('--half') + 1] as 'tune' | 'report') : 'tune';
  const set = await loadHalf(half, process.argv.includes('--rebuild'));
  const chunks = await chunksOf(set.dir);
  console.log(`${half}: ${set.queries.length} queries, ${chunks.length} chunks`);
  // One index per repository, as a workspace is one repository.
  const build = () => {
    const byRepo = new Map<string, { idx: LexicalIndex; docs: Chunk[] }>();
    for (const c of chunks) {
      const repo = c.path.split('/')[0]!;
      let r = byRepo.get(repo);
      if (!r) byRepo.set(repo, (r = { idx: new LexicalIndex(), docs: [] }));
      r.idx.add(c);
      r.docs.push(c);
    }
    for (const r of byRepo.values()) r.idx.freeze();
    return byRepo;
  };
  const rank = (indexes: ReturnType<typeof build>, q: DevQuery): Chunk[] => {
    const r = indexes.get(q.repo)!;
    return cleanResults(r.idx.search(q.query, 40).map((h) => ({ ...r.docs[h.doc]!, score: h.score })), q.query, 10);
  };
  const evaluate = () => {
    const idx = build();
    const ranks = set.queries.map((q) => {
      const i = rank(idx, q).findIndex((c) => relevant(c, q));
      return i >= 0 ? i + 1 : undefined;
    });
    return byLanguage(set.queries, ranks);
  };
  const mode = process.argv[2];
  if (mode === 'misses') {
    const idx = build();
    const lang = process.argv[4];
    let shown = 0;
    for (const q of set.queries) {
      if (lang && q.lang !== lang) continue;
      const top = rank(idx, q);
      if (top.some((c) => relevant(c, q)) || shown++ >= Number(process.argv[3] ?? 20)) continue;
      console.log(`Q: ${q.query}\n   target ${q.path}:${q.startLine}-${q.endLine} ${q.name}`);
      for (const c of top.slice(0, 3)) console.log(`   got ${c.path}:${c.startLine}-${c.endLine} ${c.kind} ${c.symbol}`);
    }
    return;
  }
  const base = byLanguage(set.queries, bm25Baseline(chunks, set.queries));
  const ours = evaluate();
  for (const k of Object.keys(ours) as (keyof typeof ours)[]) console.log(`${k.padEnd(6)} bm25 ${fmt(base[k])} | ours ${fmt(ours[k])} ratio ${(ours[k].mrr / base[k].mrr).toFixed(2)}`);
  if (mode !== 'sweep') return;
  const tryVal = (label: string, set: (v: number) => void, get: () => number, values: number[]) => {
    const orig = get();
    let best = { v: orig, ...evaluate().all };
    for (const v of values) {
      set(v);
      const r = evaluate().all;
      console.log(`  ${label}=${v}: r10 ${r.r10.toFixed(3)} mrr ${r.mrr.toFixed(3)}`);
      if (r.mrr + r.r10 > best.mrr + best.r10) best = { v, ...r };
    }
    set(best.v);
    console.log(`${label} -> ${best.v}`);
  };
  tryVal('name.weight', (v) => (FIELDS.name.weight = v), () => FIELDS.name.weight, [4, 6, 10, 16]);
  tryVal('body.weight', (v) => (FIELDS.body.weight = v), () => FIELDS.body.weight, [0.25, 0.5, 1, 2]);
  tryVal('body.b', (v) => (FIELDS.body.b = v), () => FIELDS.body.b, [0.4, 0.75, 0.9]);
  tryVal('signature.weight', (v) => (FIELDS.signature.weight = v), () => FIELDS.signature.weight, [2.5, 5, 8]);
  tryVal('comments.weight', (v) => (FIELDS.comments.weight = v), () => FIELDS.comments.weight, [0.5, 1.5, 3]);
  tryVal('path.weight', (v) => (FIELDS.path.weight = v), () => FIELDS.path.weight, [0.5, 1.5, 3]);
  tryVal('k1', (v) => (TUNING.k1 = v), () => TUNING.k1, [1.2, 2, 3]);
  tryVal('coverage', (v) => (TUNING.coverage = v), () => TUNING.coverage, [0.2, 0.4, 0.7]);
  tryVal('pairWeight', (v) => (TUNING.pairWeight = v), () => TUNING.pairWeight, [0.5, 1, 2]);
  tryVal('blockPrior', (v) => (KIND_PRIOR.block = v), () => KIND_PRIOR.block!, [0.3, 0.6, 0.8]);
  console.log('final', JSON.stringify(evaluate().all), JSON.stringify({ FIELDS, TUNING, KIND_PRIOR }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
