/**
 * In-memory BM25F over code chunks. Fields are weighted (symbol name and scope, signature, path, comments,
 * body) and length-normalised separately, then combined into one pseudo term frequency per (term, chunk),
 * precomputed at insert so a query only walks posting lists. Removed chunks are tombstoned; the owner
 * rebuilds when too many accumulate.
 */
import { tokenize } from './tokenize';

export interface LexicalDoc {
  symbol: string;
  scope: string;
  path: string;
  text: string;
  kind: string;
}

/** Import lines name other modules' symbols: they make a file's import block match everything it uses. */
const IMPORT_LINE = /^\s*(import\b.*|export\s+(\*|\{[^}]*\})\s+from\b.*|(const|let|var)\s+.*=\s*require\(.*|from\s+\S+\s+import\b.*|use\s+[\w:{}, ]+;)$/gm;

/** Definitions are what a query usually wants; loose blocks of top-level code rank a little lower. */
export const KIND_PRIOR: Record<string, number> = { block: 0.3, lines: 0.8, section: 0.9 };

interface FieldSpec {
  weight: number;
  b: number;
  avgLen: number;
}

// Tuned on the retrieval dev set (bench/retrieval, inspect.ts sweeps them): names dominate, bodies still count.
export const FIELDS = {
  name: { weight: 10, b: 0.3, avgLen: 4 },
  signature: { weight: 5, b: 0.5, avgLen: 10 },
  path: { weight: 1.5, b: 0.3, avgLen: 6 },
  comments: { weight: 1.5, b: 0.75, avgLen: 20 },
  body: { weight: 0.5, b: 0.75, avgLen: 120 },
} satisfies Record<string, FieldSpec>;
type Field = keyof typeof FIELDS;

/** Scoring constants, exported so the benchmark's tuning sweep can vary them. */
export const TUNING = { k1: 3, pairWeight: 1, coverage: 0.2 };
const COMMENT = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|(?:^|\s)#[^\n]*|"""[\s\S]*?"""/g;

function fieldsOf(doc: LexicalDoc): Record<Field, string[]> {
  const comments = doc.text.match(COMMENT)?.join('\n') ?? '';
  const code = doc.text.replace(COMMENT, ' ').replace(IMPORT_LINE, ' ');
  const firstLine = code.split('\n').find((l) => l.trim()) ?? '';
  return {
    name: tokenize(`${doc.symbol} ${doc.scope}`),
    signature: tokenize(firstLine),
    path: tokenize(doc.path.replace(/\.[a-z0-9]+$/i, '')),
    comments: tokenize(comments, { stopwords: true }),
    body: tokenize(code),
  };
}

/** A tombstone-free copy of the index (see `exportState`). */
export interface LexicalState {
  terms: string[];
  /** Term t's postings are ids/weights[offsets[t] .. offsets[t+1]). */
  offsets: Uint32Array;
  ids: Int32Array;
  weights: Float32Array;
  prior: Float32Array;
  docs: number;
  remap: Int32Array;
}

export interface LexicalHit {
  doc: number;
  score: number;
}

export class LexicalIndex {
  // Terms are interned to ids; postings are parallel arrays per term id. Per-document term lists (for
  // removal) are Int32Arrays: at 100k chunks this keeps the index to tens of MB, not hundreds.
  private readonly termIds = new Map<string, number>();
  // Each term's postings: a frozen typed-array segment (4 + 4 bytes a posting) plus a growable tail that
  // `freeze()` folds in after a batch of adds.
  private readonly frozenIds: (Int32Array | undefined)[] = [];
  private readonly frozenW: (Float32Array | undefined)[] = [];
  private readonly postIds: number[][] = [];
  private readonly postW: number[][] = [];
  private readonly df: number[] = [];
  private readonly docTerms: (Int32Array | undefined)[] = [];
  private readonly prior: number[] = [];
  private aliveCount = 0;
  private dead = 0;

  get size(): number {
    return this.aliveCount;
  }

  get tombstones(): number {
    return this.dead;
  }

  /** Adds a document; returns its id. */
  add(doc: LexicalDoc): number {
    const id = this.docTerms.length;
    const fields = fieldsOf(doc);
    const weights = new Map<string, number>();
    for (const f of Object.keys(FIELDS) as Field[]) {
      const terms = fields[f];
      if (!terms.length) continue;
      const spec = FIELDS[f];
      const norm = 1 - spec.b + spec.b * (terms.length / spec.avgLen);
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) weights.set(t, (weights.get(t) ?? 0) + (spec.weight * n) / norm);
    }
    const termList = new Int32Array(weights.size);
    let k = 0;
    for (const [t, w] of weights) {
      let tid = this.termIds.get(t);
      if (tid === undefined) {
        tid = this.postIds.length;
        this.termIds.set(t, tid);
        this.postIds.push([]);
        this.postW.push([]);
        this.frozenIds.push(undefined);
        this.frozenW.push(undefined);
        this.df.push(0);
      }
      this.postIds[tid]!.push(id);
      this.postW[tid]!.push(Math.fround(w));
      this.df[tid]!++;
      termList[k++] = tid;
    }
    this.docTerms.push(termList);
    this.prior.push(KIND_PRIOR[doc.kind] ?? 1);
    this.aliveCount++;
    return id;
  }

  /** Folds the growable posting tails into typed arrays; call after a batch of adds. */
  freeze(): void {
    for (let t = 0; t < this.postIds.length; t++) {
      const tail = this.postIds[t]!;
      if (!tail.length) continue;
      const oldIds = this.frozenIds[t];
      const oldW = this.frozenW[t];
      const ids = new Int32Array((oldIds?.length ?? 0) + tail.length);
      const ws = new Float32Array(ids.length);
      if (oldIds && oldW) {
        ids.set(oldIds);
        ws.set(oldW);
      }
      ids.set(tail, oldIds?.length ?? 0);
      ws.set(this.postW[t]!, oldW?.length ?? 0);
      this.frozenIds[t] = ids;
      this.frozenW[t] = ws;
      this.postIds[t] = [];
      this.postW[t] = [];
    }
  }

  remove(id: number): void {
    const terms = this.docTerms[id];
    if (!terms) return;
    for (const t of terms) this.df[t]!--;
    this.docTerms[id] = undefined;
    this.aliveCount--;
    this.dead++;
  }

  /**
   * The index's state without tombstones (documents renumbered in order), for the on-disk snapshot
   * (lexical-snapshot.ts). `remap[old]` is the new id, or -1 for a removed document.
   */
  exportState(): LexicalState {
    this.freeze();
    const remap = new Int32Array(this.docTerms.length).fill(-1);
    let n = 0;
    for (let d = 0; d < this.docTerms.length; d++) if (this.docTerms[d]) remap[d] = n++;
    const terms: string[] = [];
    const oldTid: number[] = [];
    for (const [t, tid] of this.termIds) if (this.df[tid]! > 0) (terms.push(t), oldTid.push(tid));
    const offsets = new Uint32Array(terms.length + 1);
    let total = 0;
    oldTid.forEach((tid, i) => {
      offsets[i] = total;
      total += this.df[tid]!;
    });
    offsets[terms.length] = total;
    const ids = new Int32Array(total);
    const weights = new Float32Array(total);
    let k = 0;
    for (const tid of oldTid) {
      const fi = this.frozenIds[tid]!;
      const fw = this.frozenW[tid]!;
      for (let i = 0; i < fi.length; i++) {
        const nd = remap[fi[i]!]!;
        if (nd < 0) continue;
        ids[k] = nd;
        weights[k++] = fw[i]!;
      }
    }
    const prior = new Float32Array(n);
    for (let d = 0; d < this.docTerms.length; d++) if (remap[d]! >= 0) prior[remap[d]!] = this.prior[d]!;
    return { terms, offsets, ids, weights, prior, docs: n, remap };
  }

  /** An index from an exported state; posting lists are views into `state`'s arrays (no copy). */
  static fromState(state: Omit<LexicalState, 'remap'>): LexicalIndex {
    const ix = new LexicalIndex();
    // Per-document term lists (for removal) inverted from the postings, as views into one array.
    const start = new Uint32Array(state.docs + 1);
    for (let i = 0; i < state.ids.length; i++) start[state.ids[i]! + 1]!++;
    for (let d = 0; d < state.docs; d++) start[d + 1]! += start[d]!;
    const flat = new Int32Array(state.ids.length);
    const fill = start.slice(0, state.docs);
    for (let t = 0; t < state.terms.length; t++) {
      const from = state.offsets[t]!;
      const to = state.offsets[t + 1]!;
      ix.termIds.set(state.terms[t]!, t);
      ix.frozenIds.push(state.ids.subarray(from, to));
      ix.frozenW.push(state.weights.subarray(from, to));
      ix.postIds.push([]);
      ix.postW.push([]);
      ix.df.push(to - from);
      for (let i = from; i < to; i++) flat[fill[state.ids[i]!]!++] = t;
    }
    for (let d = 0; d < state.docs; d++) ix.docTerms.push(flat.subarray(start[d]!, start[d + 1]!));
    for (let d = 0; d < state.docs; d++) ix.prior.push(state.prior[d]!);
    ix.aliveCount = state.docs;
    return ix;
  }

  search(query: string, limit: number): LexicalHit[] {
    return rankPostings(this.source, query, limit, this.scratch);
  }

  private readonly scratch = new ScoreScratch();

  /** This index as a posting source for `rankPostings` (tail and frozen segments; removed documents skipped). */
  private readonly source: PostingSource = {
    termId: (t) => this.termIds.get(t),
    df: (tid) => this.df[tid]!,
    segments: (tid) => {
      const segments: [ArrayLike<number>, ArrayLike<number>][] = [[this.postIds[tid]!, this.postW[tid]!]];
      const fi = this.frozenIds[tid];
      if (fi) segments.push([fi, this.frozenW[tid]!]);
      return segments;
    },
    alive: (doc) => this.docTerms[doc] !== undefined,
    prior: (doc) => this.prior[doc]!,
    docSpan: () => this.docTerms.length,
    aliveCount: () => this.aliveCount,
  };
}

/**
 * Where `rankPostings` reads postings from: the in-memory index, or the on-disk snapshot read lazily
 * (lexical-snapshot.ts), so both rank with the same arithmetic in the same order (identical results).
 */
export interface PostingSource {
  termId(term: string): number | undefined;
  /** Live documents holding the term. */
  df(tid: number): number;
  /** The term's postings (doc ids ascending within a segment) as (ids, weights) pairs. */
  segments(tid: number): [ArrayLike<number>, ArrayLike<number>][];
  alive(doc: number): boolean;
  prior(doc: number): number;
  /** One past the largest document id. */
  docSpan(): number;
  aliveCount(): number;
}

/** Per-query buffers reused across queries: no garbage proportional to the index on every search. */
export class ScoreScratch {
  scores = new Float64Array(1024);
  matched = new Uint8Array(1024);
}

/** BM25F over `src`'s postings: the query's terms (and pairs of nearby words found as whole identifiers). */
export function rankPostings(src: PostingSource, query: string, limit: number, scratch: ScoreScratch): LexicalHit[] {
  const qTerms = tokenize(query, { stopwords: true });
  if (!qTerms.length) return [];
  const qtf = new Map<string, number>();
  for (const t of qTerms) qtf.set(t, (qtf.get(t) ?? 0) + 1);
  // "base implementation of fill" should find `baseFill`: ordered pairs of nearby query words are tried as
  // whole identifiers (indexed as one lower-case token).
  const words = (query.replace(/\b(?:https?|ftp):\/\/\S+/g, ' ').toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 1);
  const pairs = new Map<string, number>();
  for (let i = 0; i < words.length; i++)
    for (let j = i + 1; j < Math.min(words.length, i + 6); j++) {
      const pair = words[i]! + words[j]!;
      if (!qtf.has(pair) && !pairs.has(pair) && src.termId(pair) !== undefined) pairs.set(pair, TUNING.pairWeight);
    }
  const nDocs = src.docSpan();
  if (scratch.scores.length < nDocs) {
    scratch.scores = new Float64Array(nDocs * 2);
    scratch.matched = new Uint8Array(nDocs * 2);
  }
  const scores = scratch.scores;
  const matched = scratch.matched;
  const touched: number[] = [];
  const n = Math.max(1, src.aliveCount());
  const k1 = TUNING.k1;
  const terms: [string, number][] = [...[...qtf].map(([t, qn]): [string, number] => [t, 1 + Math.log(qn)]), ...pairs];
  for (const [t, qBoost] of terms) {
    const tid = src.termId(t);
    if (tid === undefined) continue;
    const df = src.df(tid);
    if (df <= 0) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const qWeight = idf * qBoost;
    const counts = qtf.has(t) ? 1 : 0;
    for (const [ids, ws] of src.segments(tid)) {
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (!src.alive(id)) continue;
        const w = ws[i]!;
        if (scores[id] === 0) touched.push(id);
        scores[id] = scores[id]! + (qWeight * (w * (k1 + 1))) / (w + k1);
        matched[id] = matched[id]! + counts;
      }
    }
  }
  // Chunks that match more of the query's distinct terms rank above ones that repeat a single term.
  const distinct = qtf.size;
  const cov = TUNING.coverage;
  const hits: LexicalHit[] = [];
  let floor = -1;
  for (const doc of touched) {
    const score = scores[doc]! * src.prior(doc) * (1 - cov + (cov * matched[doc]!) / distinct);
    scores[doc] = 0;
    matched[doc] = 0;
    // Keep only what can still make the top `limit` (cheap partial selection).
    if (hits.length >= limit * 4 && score <= floor) continue;
    hits.push({ doc, score });
    if (hits.length >= limit * 8) {
      hits.sort((a, b) => b.score - a.score);
      hits.length = limit * 4;
      floor = hits[hits.length - 1]!.score;
    }
  }
  hits.sort((a, b) => b.score - a.score);
  return hits.slice(0, limit);
}
