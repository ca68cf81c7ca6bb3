/**
 * The quality half of the retrieval benchmark: builds (once, cached) the two indexed copies — the tune half and
 * the report half — with their queries, scores ranked lists, and computes plain BM25 over the same chunks as the
 * baseline. Shared by bench.ts (the real server over stdio) and inspect.ts (in-process tuning aid).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chunkFile, type Chunk } from '../../server/src/rag/chunk';
import { plainTokens } from '../../server/src/rag/tokenize';
import { addRepo, finishQueries, type DevQuery } from './devset';
import { fetchRepo, REPOS, type Half, type Lang } from './sources';

export const CACHE = path.resolve(__dirname, '..', '.cache', 'retrieval');
/** Bump when the dev set's construction changes, so cached copies are rebuilt. */
const DEVSET_VERSION = 2;
const PER_REPO = 120;

export function listRel(dir: string, include: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      if (n === '.nootropic-cache') continue;
      const p = path.join(d, n);
      const st = lstatSync(p);
      // Debian packages link shared files (jquery.js) to other packages: not this repository's source.
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) walk(p);
      else if (include.test(path.relative(dir, p).split(path.sep).join('/'))) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export interface HalfSet {
  half: Half;
  dir: string;
  queries: DevQuery[];
}

export async function loadHalf(half: Half, rebuild = false): Promise<HalfSet> {
  const dir = path.join(CACHE, `multi-${half}`);
  const qFile = path.join(CACHE, `queries-${half}.v${DEVSET_VERSION}.json`);
  if (rebuild || !existsSync(qFile)) {
    rmSync(dir, { recursive: true, force: true });
    const all: DevQuery[] = [];
    for (const spec of REPOS.filter((r) => r.half === half)) {
      const src = fetchRepo(CACHE, spec);
      all.push(...(await addRepo({ name: spec.name, lang: spec.lang, dir: src }, listRel(src, spec.include), dir)));
    }
    writeFileSync(qFile, JSON.stringify(finishQueries(all, PER_REPO)));
  }
  return { half, dir, queries: JSON.parse(readFileSync(qFile, 'utf8')) as DevQuery[] };
}

export async function chunksOf(dir: string): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (const f of listRel(dir, /./)) chunks.push(...(await chunkFile(path.relative(dir, f).split(path.sep).join('/'), readFileSync(f, 'utf8'))));
  return chunks;
}

/**
 * A hit is right when it is the target's own chunk (same file, named after it and holding its header line, or
 * starting within 2 lines of it), or a function of the same name in another repository (lodash, underscore and
 * ramda document the same functions: a query with two right answers must not count one as a miss). The same
 * rule scores the baseline.
 */
export function relevant(hit: { path: string; startLine: number; endLine: number; symbol: string; kind: string }, q: DevQuery): boolean {
  if (hit.path === q.path) {
    if (Math.abs(hit.startLine - q.startLine) <= 2) return true;
    if (hit.symbol === q.name && hit.startLine <= q.defLine && q.defLine <= hit.endLine) return true;
    return false;
  }
  const repo = (p: string) => p.split('/')[0];
  return hit.symbol === q.name && /^(function|method)$/.test(hit.kind) && repo(hit.path) !== repo(q.path);
}

export interface Metrics {
  n: number;
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
}

export function metrics(ranks: (number | undefined)[]): Metrics {
  const n = ranks.length;
  const at = (k: number) => ranks.filter((r) => r !== undefined && r <= k).length / Math.max(1, n);
  const mrr = ranks.reduce<number>((s, r) => s + (r !== undefined && r <= 10 ? 1 / r : 0), 0) / Math.max(1, n);
  return { n, r1: at(1), r5: at(5), r10: at(10), mrr };
}

/**
 * Plain BM25 (k1 1.2, b 0.75, lower-cased `\w+` tokens) over the chunk texts: the baseline. Each query is
 * searched in its own repository's chunks (a workspace is one repository). Returns ranks. `tokens` swaps the
 * tokenizer (the second baseline: BM25 over nootropic's code-aware tokens, one field).
 */
export function bm25Baseline(all: Chunk[], queries: DevQuery[], tokens: (text: string) => string[] = plainTokens): (number | undefined)[] {
  const byRepo = new Map<string, Chunk[]>();
  for (const c of all) (byRepo.get(c.path.split('/')[0]!) ?? byRepo.set(c.path.split('/')[0]!, []).get(c.path.split('/')[0]!)!).push(c);
  const engines = new Map<string, (q: DevQuery) => number | undefined>();
  for (const [repo, chunks] of byRepo) {
    const docs = chunks.map((c) => tokens(c.text));
    const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length;
    const post = new Map<string, { id: number; tf: number }[]>();
    docs.forEach((d, id) => {
      const tf = new Map<string, number>();
      for (const t of d) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) (post.get(t) ?? post.set(t, []).get(t)!).push({ id, tf: n });
    });
    engines.set(repo, (q) => {
      const scores = new Map<number, number>();
      for (const t of new Set(tokens(q.query))) {
        const p = post.get(t);
        if (!p) continue;
        const idf = Math.log(1 + (docs.length - p.length + 0.5) / (p.length + 0.5));
        for (const { id, tf } of p) {
          const norm = 1 - 0.75 + (0.75 * docs[id]!.length) / avg;
          scores.set(id, (scores.get(id) ?? 0) + (idf * tf * 2.2) / (tf + 1.2 * norm));
        }
      }
      const top = [...scores].sort((a, b) => b[1] - a[1]).slice(0, 10);
      const i = top.findIndex(([id]) => relevant(chunks[id]!, q));
      return i >= 0 ? i + 1 : undefined;
    });
  }
  return queries.map((q) => engines.get(q.repo)?.(q));
}

/** Overall and per-language figures for one ranked run. */
export function byLanguage(queries: DevQuery[], ranks: (number | undefined)[]): Record<'all' | Lang, Metrics> {
  const out = { all: metrics(ranks) } as Record<'all' | Lang, Metrics>;
  for (const lang of [...new Set(queries.map((q) => q.lang))]) out[lang] = metrics(ranks.filter((_, i) => queries[i]!.lang === lang));
  return out;
}

export const fmt = (m: Metrics) => `R@1 ${m.r1.toFixed(3)}  R@5 ${m.r5.toFixed(3)}  R@10 ${m.r10.toFixed(3)}  MRR@10 ${m.mrr.toFixed(3)}`;
