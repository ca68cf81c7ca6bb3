/**
 * One workspace's index: the persisted chunk rows (ChunkStore), the in-memory lexical index over them, and the
 * incremental update that keeps both in step with the files: unchanged files (same size and mtime, or same
 * content hash) are skipped, changed ones re-chunked, deleted ones removed. Updates are serialised; a failed
 * update leaves everything indexed before it in place.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IndexSummary, SearchHit } from '../../../shared/protocol';
import { redactText } from '../security/redact';
import { chunkFile } from './chunk';
import { ChunkStore, type ChunkRow } from './chunk-store';
import type { Embedder } from './embedder';
import { LexicalIndex } from './lexical-index';
import { looksBinary, walkWorkspace, type SkipCounts } from './walk';

export interface IndexProgress {
  processed: number;
  total: number;
}

/**
 * What stays in memory per chunk: location and names only. Text is read back from the file for the few hits
 * shown, vectors stay in LanceDB, and hash/size/mtime live once per file in FileEntry.
 */
export type IndexedChunk = Pick<ChunkRow, 'path' | 'start_line' | 'end_line' | 'symbol' | 'kind' | 'scope'>;

/** Reciprocal rank fusion constant (Cormack et al.): ranks beyond ~60 barely matter. */
const RRF_K = 60;
const FUSION_DEPTH = 50;

interface FileEntry {
  hash: string;
  size: number;
  mtime: number;
  docs: number[];
}

const BATCH_FILES = 200;

function emptySkips(): SkipCounts {
  return { binary: 0, tooLarge: 0, unreadable: 0, outsideWorkspace: 0, symlinkLoop: 0 };
}

export class WorkspaceIndex {
  private lexical = new LexicalIndex();
  private rows: (IndexedChunk | undefined)[] = [];
  private readonly files = new Map<string, FileEntry>();
  private readonly docById = new Map<string, number>();
  private readonly idOf = new Map<number, string>();
  private store: ChunkStore;
  private queue: Promise<unknown> = Promise.resolve();
  private lastSkips: SkipCounts = emptySkips();
  private loaded = false;
  recovered: string | undefined;

  constructor(
    readonly root: string,
    private readonly opts: { maxFileBytes: number; embedder?: Embedder },
  ) {
    this.store = new ChunkStore(root, opts.embedder?.id ?? 'none');
  }

  get mode(): 'lexical' | 'hybrid' {
    return this.opts.embedder ? 'hybrid' : 'lexical';
  }

  get fileCount(): number {
    return this.files.size;
  }

  get chunkCount(): number {
    return this.lexical.size;
  }

  get skipped(): SkipCounts {
    return this.lastSkips;
  }

  /** Loads what was persisted (fast: no file is read). */
  async load(): Promise<void> {
    await this.serial(async () => {
      if (this.loaded) return;
      const { recovered } = await this.store.open((row) => this.addRow(row));
      this.lexical.freeze();
      this.recovered = recovered;
      this.loaded = true;
    });
  }

  /** Brings the index up to date with the workspace on disk. */
  update(opts: { force?: boolean; signal?: AbortSignal; onProgress?: (p: IndexProgress) => void } = {}): Promise<IndexSummary> {
    return this.serial(async () => {
      const started = Date.now();
      if (!this.loaded) throw new Error('index not loaded');
      if (opts.force) await this.clear();
      const walked = await walkWorkspace(this.root, { maxFileBytes: this.opts.maxFileBytes, ...(opts.signal ? { signal: opts.signal } : {}) });
      const skips = walked.skipped;
      const seen = new Set(walked.files.map((f) => f.rel));
      const removed = [...this.files.keys()].filter((p) => !seen.has(p));
      let changedFiles = removed.length;
      let batchPaths: string[] = [...removed];
      let batchRows: ChunkRow[] = [];
      const flush = async () => {
        if (!batchPaths.length) return;
        await this.apply(batchPaths, batchRows);
        batchPaths = [];
        batchRows = [];
      };
      for (const [i, f] of walked.files.entries()) {
        if (opts.signal?.aborted) throw new Error('indexing cancelled');
        const existing = this.files.get(f.rel);
        if (existing && existing.size === f.size && existing.mtime === f.mtimeMs) continue;
        const fresh = await this.readAndChunk(f.rel, f.abs, f.size, f.mtimeMs, existing?.hash, skips);
        if (fresh === 'unchanged') {
          existing!.mtime = f.mtimeMs;
          continue;
        }
        changedFiles++;
        batchPaths.push(f.rel);
        if (fresh !== 'skip') batchRows.push(...fresh);
        if (batchPaths.length >= BATCH_FILES) {
          await flush();
          opts.onProgress?.({ processed: i + 1, total: walked.files.length });
        }
      }
      await flush();
      if (changedFiles) await this.store.optimize();
      this.lexical.freeze();
      await this.compactIfNeeded();
      this.lastSkips = skips;
      opts.onProgress?.({ processed: walked.files.length, total: walked.files.length });
      return this.summary(Date.now() - started, changedFiles);
    });
  }

  /** Re-indexes specific files (a save, a watcher event); a file that no longer exists is removed. */
  updateFiles(rels: string[]): Promise<number> {
    return this.serial(async () => {
      const paths: string[] = [];
      const rows: ChunkRow[] = [];
      const skips = emptySkips();
      for (const rel of new Set(rels)) {
        const abs = path.join(this.root, rel);
        let st: import('node:fs').Stats | undefined;
        try {
          st = await fs.stat(abs);
        } catch {
          st = undefined;
        }
        if (!st || !st.isFile() || st.size > this.opts.maxFileBytes) {
          if (this.files.has(rel)) paths.push(rel);
          continue;
        }
        const existing = this.files.get(rel);
        const fresh = await this.readAndChunk(rel, abs, st.size, st.mtimeMs, existing?.hash, skips);
        if (fresh === 'unchanged') continue;
        paths.push(rel);
        if (fresh !== 'skip') rows.push(...fresh);
      }
      if (paths.length) {
        await this.apply(paths, rows);
        this.lexical.freeze();
      }
      return paths.length;
    });
  }

  async search(query: string, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    const ranked = this.opts.embedder ? await this.hybrid(query, limit, this.opts.embedder, signal) : this.lexical.search(query, limit);
    const hits = ranked.flatMap(({ doc, score }) => {
      const r = this.rows[doc];
      return r ? [{ row: r, score }] : [];
    });
    const files = new Map<string, Promise<string[] | undefined>>();
    const linesOf = (rel: string) => {
      let p = files.get(rel);
      if (!p) files.set(rel, (p = fs.readFile(path.join(this.root, rel), 'utf8').then((t) => t.split(/\r?\n/), () => undefined)));
      return p;
    };
    return Promise.all(
      hits.map(async ({ row: r, score }) => ({
        path: r.path,
        startLine: r.start_line,
        endLine: r.end_line,
        score: Number(score.toFixed(4)),
        symbol: r.symbol,
        kind: r.kind,
        text: (await linesOf(r.path))?.slice(r.start_line - 1, r.end_line).join('\n') ?? '',
      })),
    );
  }

  /** Lexical and vector rankings fused by reciprocal rank (RRF). */
  private async hybrid(query: string, limit: number, embedder: Embedder, signal?: AbortSignal): Promise<{ doc: number; score: number }[]> {
    const lexical = this.lexical.search(query, FUSION_DEPTH);
    const [qv] = await embedder.embed([query], signal);
    const nearest = qv ? await this.store.nearest(qv, FUSION_DEPTH) : [];
    const fused = new Map<number, number>();
    lexical.forEach((h, i) => fused.set(h.doc, (fused.get(h.doc) ?? 0) + 1 / (RRF_K + i + 1)));
    nearest.forEach((id, i) => {
      const doc = this.docById.get(id);
      if (doc !== undefined) fused.set(doc, (fused.get(doc) ?? 0) + 1 / (RRF_K + i + 1));
    });
    return [...fused].map(([doc, score]) => ({ doc, score })).sort((a, b) => b.score - a.score).slice(0, limit);
  }

  /** Definitions whose name matches `query` (case-insensitive substring, then subsequence), for workspace/symbol. */
  symbols(query: string, limit: number): IndexedChunk[] {
    const q = query.toLowerCase();
    const scored: { row: IndexedChunk; score: number }[] = [];
    for (const row of this.rows) {
      if (!row || !row.symbol || row.kind === 'block' || row.kind === 'lines' || row.kind === 'section') continue;
      const name = row.symbol.toLowerCase();
      let score = 0;
      if (!q) score = 1;
      else if (name === q) score = 4;
      else if (name.startsWith(q)) score = 3;
      else if (name.includes(q)) score = 2;
      else {
        let i = 0;
        for (const ch of name) if (ch === q[i]) i++;
        if (i === q.length) score = 1;
      }
      if (score) scored.push({ row, score });
    }
    scored.sort((a, b) => b.score - a.score || a.row.symbol.length - b.row.symbol.length);
    return scored.slice(0, limit).map((s) => s.row);
  }

  summary(ms: number, changedFiles: number): IndexSummary {
    const skipped = Object.values(this.lastSkips).reduce((a, b) => a + b, 0);
    return {
      files: this.files.size,
      chunks: this.lexical.size,
      skipped,
      skippedBy: { ...this.lastSkips },
      ms,
      embedder: this.opts.embedder?.id ?? 'none',
      mode: this.mode,
      changedFiles,
      ...(this.recovered ? { recovered: this.recovered } : {}),
    };
  }

  close(): void {
    this.store.close();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readAndChunk(
    rel: string,
    abs: string,
    size: number,
    mtime: number,
    previousHash: string | undefined,
    skips: SkipCounts,
  ): Promise<ChunkRow[] | 'unchanged' | 'skip'> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(abs);
    } catch {
      skips.unreadable++;
      return 'skip';
    }
    if (looksBinary(buf)) {
      skips.binary++;
      return 'skip';
    }
    const hash = createHash('sha1').update(buf).digest('hex');
    if (hash === previousHash) return 'unchanged';
    // Invalid UTF-8 becomes U+FFFD: the file is still searchable, nothing is dropped.
    // Secrets (security/secret-rules.ts) never reach the store: masked in the whole file before chunking, so a
    // PEM block or key pair is found whole whatever the chunk boundaries; masks keep line breaks, so line numbers
    // stay true. Hits are read back from the file itself.
    const chunks = await chunkFile(rel, redactText(buf.toString('utf8')));
    const vectors = this.opts.embedder && chunks.length ? await this.opts.embedder.embed(chunks.map((c) => `${c.symbol} ${rel}\n${c.text}`.slice(0, 2_000))) : undefined;
    return chunks.map((c, i) => ({
      id: `${rel}#${i}`,
      path: rel,
      hash,
      size,
      mtime,
      start_line: c.startLine,
      end_line: c.endLine,
      symbol: c.symbol,
      kind: c.kind,
      scope: c.scope,
      text: c.text,
      ...(vectors ? { vector: Array.from(vectors[i]!) } : {}),
    }));
  }

  /** Persist first, then update memory: a failed write leaves memory consistent with disk. */
  private async apply(paths: string[], rows: ChunkRow[]): Promise<void> {
    await this.store.replace(paths, rows);
    for (const p of paths) {
      const entry = this.files.get(p);
      if (entry) for (const d of entry.docs) this.removeDoc(d);
      this.files.delete(p);
    }
    for (const row of rows) this.addRow(row);
  }

  private addRow(row: ChunkRow): void {
    const doc = this.lexical.add({ symbol: row.symbol, scope: row.scope, path: row.path, text: row.text, kind: row.kind });
    this.rows[doc] = { path: row.path, start_line: row.start_line, end_line: row.end_line, symbol: row.symbol, kind: row.kind, scope: row.scope };
    // Chunk ids are only needed to map vector hits back to documents (hybrid mode).
    if (this.opts.embedder) {
      this.docById.set(row.id, doc);
      this.idOf.set(doc, row.id);
    }
    let entry = this.files.get(row.path);
    if (!entry) this.files.set(row.path, (entry = { hash: row.hash, size: row.size, mtime: row.mtime, docs: [] }));
    entry.docs.push(doc);
  }

  private removeDoc(doc: number): void {
    this.lexical.remove(doc);
    const id = this.idOf.get(doc);
    if (id !== undefined) {
      this.idOf.delete(doc);
      if (this.docById.get(id) === doc) this.docById.delete(id);
    }
    this.rows[doc] = undefined;
  }

  /** Too many tombstones slow queries: rebuild the lexical index from the store (texts are not kept in memory). */
  private async compactIfNeeded(): Promise<void> {
    if (this.lexical.tombstones < 1_000 || this.lexical.tombstones < this.lexical.size * 0.3) return;
    this.lexical = new LexicalIndex();
    this.rows = [];
    this.files.clear();
    this.docById.clear();
    this.idOf.clear();
    await this.store.scan((row) => this.addRow(row));
    this.lexical.freeze();
  }

  private async clear(): Promise<void> {
    const paths = [...this.files.keys()];
    if (paths.length) await this.apply(paths, []);
  }
}
