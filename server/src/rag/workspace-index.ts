/**
 * One workspace's index: the persisted chunk rows (ChunkStore), the in-memory lexical index over them, and the
 * incremental update that keeps both in step with the files: unchanged files (same size and mtime, or same
 * content hash) are skipped, changed ones re-chunked, deleted ones removed. Updates are serialised; a failed
 * update leaves everything indexed before it in place.
 *
 * Opening reads the lexical snapshot (lexical-snapshot.ts) instead of every row; the rows are scanned only when
 * there is no usable snapshot. One process writes at a time (index-lock.ts); before each write the paths about
 * to be replaced are recorded in `pending.json`, so a writer killed mid-write is detected on the next open and
 * exactly those files are re-indexed. After an update the table's row count must equal the chunks in memory;
 * a mismatch (duplicates from concurrent writers of an older build) is repaired from the rows.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IndexSummary, SearchHit } from '../../../shared/protocol';
import { redactText } from '../security/redact';
import { chunkFile } from './chunk';
import { ChunkStore, type ChunkRow } from './chunk-store';
import type { Embedder } from './embedder';
import { acquireIndexLock, pidAlive, type HeldLock, type LockHolder } from './index-lock';
import { LexicalIndex, rankPostings, ScoreScratch, type LexicalHit } from './lexical-index';
import { rewriteSnapshotFiles, SnapshotDamaged, SnapshotReader, writeSnapshot, type Snapshot } from './lexical-snapshot';
import { cleanResults, oneEntryPerDefinition } from './result-hygiene';
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
/** Rows per turn of the event loop when the definition lookups are built ahead (about 5 ms of work). */
const MAP_BUILD_SLICE = 2_000;
/** Names whose definitions are kept decoded (definitionsNamed); past this many the cache starts over. */
const NAMED_CACHE = 5_000;

interface DefinitionMaps {
  byName: Map<string, number[]>;
  byStem: Map<string, number[]>;
  byScope: Map<string, number[]>;
  /**
   * definitionsNamed's decoded answers: completion asks for the same few dozen names at every keystroke, and each
   * answer otherwise reads and decodes its rows again (garbage the index thread collects in pauses that land inside
   * the lookups). Dropped with the maps whenever the rows change.
   */
  decoded: Map<string, IndexedChunk[]>;
}

interface MapBuild {
  maps: DefinitionMaps;
  /** The next row to add, of `total`. */
  next: number;
  total: number;
}

const RRF_K = 60;
const FUSION_DEPTH = 50;

interface FileEntry {
  hash: string;
  size: number;
  mtime: number;
  docs: number[];
  /** Skipped as binary: remembered (with no chunks) so an unchanged binary file is neither re-read nor counted. */
  binary?: boolean;
}

const PENDING_FILE = 'pending.json';

/** Options for writers: how long to wait for another process's writer lock, and whom to tell. */
export interface WriteOptions {
  lockWaitMs?: number;
  onLockWait?: (holder: LockHolder) => void;
}

const BATCH_FILES = 200;

function emptySkips(): SkipCounts {
  return { binary: 0, tooLarge: 0, unreadable: 0, outsideWorkspace: 0, symlinkLoop: 0 };
}

export class WorkspaceIndex {
  private lexical = new LexicalIndex();
  /**
   * The persisted snapshot, open for lazy reads: while set, `lexical`, `rows` and the files' `docs` are empty
   * and queries read postings and rows from disk. The first write loads it into memory (`materialize`).
   */
  private disk: SnapshotReader | undefined;
  private diskScratch = new ScoreScratch();
  private diskDocById: Map<string, number> | undefined;
  /** `files` holds the snapshot's file list (read on first need while lazy). */
  private filesLoaded = true;
  private rows: (IndexedChunk | undefined)[] = [];
  /** Completion's definition lookups (definitionMaps), and a build of them in progress (warmDefinitionMaps). */
  private defMaps: DefinitionMaps | undefined;
  /**
   * How many times the rows changed (each drops the definition lookups): the version a copy of definition answers
   * kept elsewhere (rag/definition-cache.ts, on the server thread) is valid for.
   */
  private changes = 0;
  private mapBuild: MapBuild | undefined;
  private readonly files = new Map<string, FileEntry>();
  private readonly docById = new Map<string, number>();
  private readonly idOf = new Map<number, string>();
  private store: ChunkStore;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly closing = new AbortController();
  private lastSkips: SkipCounts = emptySkips();
  private loaded = false;
  /** The table version memory reflects (after our own writes, or the snapshot/scan we loaded). */
  private knownVersion = 0;
  /** The snapshot no longer matches memory (written after updates, debounced after saves). */
  private snapshotDirty = false;
  private snapshotTimer: NodeJS.Timeout | undefined;
  /** What opening found and did about it (an interrupted build resumed, a stale snapshot rebuilt, duplicates). */
  private notes: string[] = [];
  builtAt: number | undefined;
  /** How the in-memory index was loaded: from the snapshot, or by reading every row (and why). */
  loadedFrom: { source: 'snapshot' | 'rows' | 'empty'; ms: number; reason?: string } | undefined;

  constructor(
    readonly root: string,
    private readonly opts: { maxFileBytes: number; embedder?: Embedder } & WriteOptions,
  ) {
    this.store = new ChunkStore(root, opts.embedder?.id ?? 'none');
  }

  /** Why the index was rebuilt or repaired, if it was (shown in the summary, status and doctor). */
  get recovered(): string | undefined {
    return this.notes.length ? this.notes.join('; ') : undefined;
  }

  get mode(): 'lexical' | 'hybrid' {
    return this.opts.embedder ? 'hybrid' : 'lexical';
  }

  /** Files with at least one chunk (empty and binary files are remembered but not counted). */
  get fileCount(): number {
    if (this.disk) return this.disk.fileCount;
    let n = 0;
    for (const f of this.files.values()) if (f.docs.length) n++;
    return n;
  }

  get chunkCount(): number {
    return this.disk ? this.disk.docs : this.lexical.size;
  }

  get skipped(): SkipCounts {
    return this.lastSkips;
  }

  /** Loads what was persisted: the snapshot when it is usable (no row is read), otherwise every row. */
  async load(): Promise<void> {
    await this.serial(async () => {
      if (this.loaded) return;
      await this.loadNow();
      this.loaded = true;
    });
  }

  private async loadNow(): Promise<void> {
    const started = Date.now();
    this.reset();
    const pending = this.readPending();
    const interrupted = pending && (pending.pid === process.pid ? !this.writing : !pidAlive(pending.pid)) ? pending : undefined;
    const embedder = this.opts.embedder?.id ?? 'none';
    // A snapshot that matches the table's version on disk is served without opening LanceDB at all: a search
    // that follows needs only the snapshot, and the first write opens the store (`openStore`).
    const onDisk = interrupted ? undefined : this.store.versionOnDisk();
    let version = onDisk ?? 0;
    let read: ReturnType<typeof SnapshotReader.open> | undefined = onDisk ? SnapshotReader.open(this.store.indexDir, { lanceVersion: onDisk, embedder }) : undefined;
    if (!read || !('reader' in read)) {
      const { recovered } = await this.store.open();
      if (recovered) this.notes.push(recovered);
      version = await this.store.version();
      read = version === 0 ? { stale: 'no index yet' } : SnapshotReader.open(this.store.indexDir, { lanceVersion: version, embedder });
    }
    const reader = 'reader' in read ? read.reader : undefined;
    if (reader && interrupted?.paths !== 'all') {
      this.useReader(reader);
      this.loadedFrom = { source: 'snapshot', ms: Date.now() - started };
    } else if (version > 0) {
      reader?.close();
      const dups = await this.scanRows();
      const reason = interrupted?.paths === 'all' ? 'a forced rebuild was interrupted' : 'stale' in read ? read.stale : 'unknown';
      this.loadedFrom = { source: 'rows', ms: Date.now() - started, reason };
      if (reason !== 'no saved lexical index' || dups.size) this.notes.push(`rebuilt the lexical index from the chunk table (${reason})`);
      if (dups.size) this.notes.push(`repaired ${dups.size} files with duplicated chunks`);
      this.snapshotDirty = true;
    } else this.loadedFrom = { source: 'empty', ms: Date.now() - started };
    this.knownVersion = version;
    if (interrupted) {
      const paths = interrupted.paths === 'all' ? [] : interrupted.paths;
      if (paths.length) await this.materialize();
      for (const p of paths) this.forget(p);
      this.notes.push(`resumed an interrupted build (pid ${interrupted.pid} stopped while writing ${interrupted.paths === 'all' ? 'a full rebuild' : `${paths.length} files`})`);
      this.snapshotDirty = true;
    }
  }

  /** Brings the index up to date with the workspace on disk. */
  update(opts: { force?: boolean; signal?: AbortSignal; onProgress?: (p: IndexProgress) => void } = {}): Promise<IndexSummary> {
    return this.serial(async () => {
      const started = Date.now();
      if (!this.loaded) throw new Error('index not loaded');
      await this.openStore();
      this.ensureFiles();
      const walked = await walkWorkspace(this.root, { maxFileBytes: this.opts.maxFileBytes, signal: opts.signal ?? this.closing.signal });
      const skips = walked.skipped;
      let changedFiles = 0;
      let lock: HeldLock | undefined;
      // The writer lock is taken at the first write: an update that finds nothing changed writes nothing.
      const writeLock = async () => {
        if (!lock) lock = await this.lockForWrite(opts.signal);
      };
      try {
        if (opts.force) {
          await writeLock();
          this.writePending('all');
          await this.store.clearAll();
          this.reset();
        }
        const seen = new Set(walked.files.map((f) => f.rel));
        const removed = [...this.files.keys()].filter((p) => !seen.has(p));
        changedFiles = removed.length;
        let batchPaths: string[] = [...removed];
        let batchRows: ChunkRow[] = [];
        let batchMeta = new Map<string, Omit<FileEntry, 'docs'>>();
        const flush = async () => {
          if (!batchPaths.length) return;
          await writeLock();
          await this.apply(batchPaths, batchRows, batchMeta);
          batchPaths = [];
          batchRows = [];
          batchMeta = new Map();
        };
        for (const [i, f] of walked.files.entries()) {
          // Closing stops an update between files (what was written stays consistent): a one-shot CLI search
          // does not wait for the background walk it never needed.
          if (opts.signal?.aborted || this.closing.signal.aborted) throw new Error('indexing cancelled');
          const existing = this.files.get(f.rel);
          if (existing && existing.size === f.size && existing.mtime === f.mtimeMs) {
            if (existing.binary) skips.binary++;
            continue;
          }
          const fresh = await this.readAndChunk(f.rel, f.abs, f.size, f.mtimeMs, existing?.hash, skips);
          if (fresh === 'unchanged') {
            existing!.mtime = f.mtimeMs;
            existing!.size = f.size;
            this.snapshotDirty = true;
            continue;
          }
          if (fresh.kind === 'unreadable') {
            if (existing) batchPaths.push(f.rel), changedFiles++;
            continue;
          }
          changedFiles++;
          batchPaths.push(f.rel);
          batchRows.push(...fresh.rows);
          batchMeta.set(f.rel, { hash: fresh.hash, size: f.size, mtime: f.mtimeMs, ...(fresh.kind === 'binary' ? { binary: true } : {}) });
          if (batchPaths.length >= BATCH_FILES) {
            await flush();
            opts.onProgress?.({ processed: i + 1, total: walked.files.length });
          }
        }
        await flush();
        if (changedFiles) await this.store.optimize();
        this.lexical.freeze();
        if (lock) this.knownVersion = await this.store.version();
        // Another process writing right now moves the table under us: the check is only meaningful when the
        // table is at the version memory reflects.
        if (lock || (await this.store.version()) === this.knownVersion) await this.checkRowCount(writeLock);
        if (this.snapshotDirty || !this.builtAt) await this.saveSnapshot();
        // An interrupted writer's record is cleared once its files are re-indexed (under the lock).
        if (!lock && this.readPending()) await writeLock();
        if (lock) this.clearPending();
      } finally {
        lock?.release();
      }
      this.lastSkips = skips;
      opts.onProgress?.({ processed: walked.files.length, total: walked.files.length });
      return this.summary(Date.now() - started, changedFiles);
    });
  }

  /** Re-indexes specific files (a save, a watcher event); a file that no longer exists is removed. */
  updateFiles(rels: string[]): Promise<number> {
    return this.serial(async () => {
      await this.openStore();
      this.ensureFiles();
      const paths: string[] = [];
      const rows: ChunkRow[] = [];
      const meta = new Map<string, Omit<FileEntry, 'docs'>>();
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
        if (existing && existing.size === st.size && existing.mtime === st.mtimeMs) continue;
        const fresh = await this.readAndChunk(rel, abs, st.size, st.mtimeMs, existing?.hash, skips);
        if (fresh === 'unchanged') continue;
        if (fresh.kind === 'unreadable') {
          if (existing) paths.push(rel);
          continue;
        }
        paths.push(rel);
        rows.push(...fresh.rows);
        meta.set(rel, { hash: fresh.hash, size: st.size, mtime: st.mtimeMs, ...(fresh.kind === 'binary' ? { binary: true } : {}) });
      }
      if (paths.length) {
        const lock = await this.lockForWrite();
        try {
          await this.apply(paths, rows, meta);
          this.lexical.freeze();
          this.knownVersion = await this.store.version();
          this.clearPending();
        } finally {
          lock.release();
        }
        this.scheduleSnapshot();
      }
      return paths.length;
    });
  }

  async search(query: string, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    try {
      return await this.searchOnce(query, limit, signal);
    } catch (err) {
      if (!(err instanceof SnapshotDamaged)) throw err;
      // A page of the snapshot broke its layout: rebuild it from the chunk table (reported), then answer.
      await this.serial(() => this.repairFromRows(err.message));
      return await this.searchOnce(query, limit, signal);
    }
  }

  private async searchOnce(query: string, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    // A deeper list than asked for, so that dropping overlaps and demoting tests still fills `limit` slots.
    const depth = Math.max(limit * 4, 40);
    const ranked = this.opts.embedder ? await this.hybrid(query, depth, this.opts.embedder, signal) : this.rankLexical(query, depth);
    const candidates = ranked.flatMap(({ doc, score }) => {
      const r = this.rowOf(doc);
      return r ? [{ row: r, score, path: r.path, startLine: r.start_line, endLine: r.end_line, symbol: r.symbol, kind: r.kind }] : [];
    });
    const hits = cleanResults(candidates, query, limit);
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

  /** The lexical ranking, from memory or (lazily) from the snapshot on disk: the same arithmetic either way. */
  private rankLexical(query: string, limit: number): LexicalHit[] {
    return this.disk ? rankPostings(this.disk.source(), query, limit, this.diskScratch) : this.lexical.search(query, limit);
  }

  private rowOf(doc: number): IndexedChunk | undefined {
    return this.disk ? this.disk.row(doc) : this.rows[doc];
  }

  private docOfId(id: string): number | undefined {
    if (!this.disk) return this.docById.get(id);
    if (!this.diskDocById) {
      this.diskDocById = new Map();
      this.disk.ids()?.forEach((chunk, doc) => this.diskDocById!.set(chunk, doc));
    }
    return this.diskDocById.get(id);
  }

  /** Lexical and vector rankings fused by reciprocal rank (RRF). */
  private async hybrid(query: string, limit: number, embedder: Embedder, signal?: AbortSignal): Promise<{ doc: number; score: number }[]> {
    const lexical = this.rankLexical(query, FUSION_DEPTH);
    const [qv] = await embedder.embed([query], signal);
    const nearest = qv ? await this.store.nearest(qv, FUSION_DEPTH) : [];
    const fused = new Map<number, number>();
    lexical.forEach((h, i) => fused.set(h.doc, (fused.get(h.doc) ?? 0) + 1 / (RRF_K + i + 1)));
    nearest.forEach((id, i) => {
      const doc = this.docOfId(id);
      if (doc !== undefined) fused.set(doc, (fused.get(doc) ?? 0) + 1 / (RRF_K + i + 1));
    });
    return [...fused].map(([doc, score]) => ({ doc, score })).sort((a, b) => b.score - a.score).slice(0, limit);
  }

  /** How many times the rows changed since the index was opened. */
  get rowsChanged(): number {
    return this.changes;
  }

  /**
   * Definitions named exactly `name` (no ranking, no scan once the map is built): inline completion looks up per
   * keystroke. From memory or, while the index is served lazily, from the snapshot's rows (read once).
   */
  definitionsNamed(name: string): IndexedChunk[] {
    const { byName, decoded } = this.definitionMaps();
    let rows = decoded.get(name);
    if (!rows) {
      if (decoded.size >= NAMED_CACHE) decoded.clear();
      decoded.set(name, (rows = this.rowsOf(byName.get(name))));
    }
    return rows;
  }

  /** Definitions in files whose name without extension is `stem` (`utils` → lib/utils.js), or in a Go package directory named `stem`: a module's members. */
  definitionsInFilesNamed(stem: string): IndexedChunk[] {
    return this.rowsOf(this.definitionMaps().byStem.get(stem));
  }

  /**
   * The members of a type named `type`: definitions whose enclosing scope ends in it (a Python or JS class's
   * methods, a Rust `impl Type<T>` block's functions). Go declares methods outside the type, so for a Go type they
   * are the methods of the type's package (its directory): the caller keeps those whose receiver is the type.
   */
  definitionsInType(type: string): IndexedChunk[] {
    const { byScope } = this.definitionMaps();
    const own = this.rowsOf(byScope.get(type));
    const goDirs = new Set(this.definitionsNamed(type).filter((r) => r.path.endsWith('.go')).map((r) => `go:${r.path.slice(0, r.path.lastIndexOf('/') + 1)}`));
    return [...own, ...[...goDirs].flatMap((d) => this.rowsOf(byScope.get(d)))];
  }

  /**
   * Builds the lookups inline completion asks per keystroke (by name, by file stem, by type) now, so the first
   * keystroke after a load or a change does not pay for them. Called by the index worker once it is idle.
   */
  async warmDefinitionMaps(): Promise<void> {
    if (this.defMaps) return;
    const build = (this.mapBuild ??= this.startMapBuild());
    // In slices, each its own turn: a search that comes meanwhile waits for one slice, not for the whole build.
    while (build.next < build.total) {
      this.stepMapBuild(build, MAP_BUILD_SLICE);
      await new Promise<void>((r) => setImmediate(r));
      // Dropped by a change, or finished by a lookup that could not wait.
      if (this.mapBuild !== build) return;
    }
    this.finishMapBuild(build);
  }

  /** The definition lookups are derived from the rows: any change to them drops the lookups. */
  private dropDefinitionMaps(): void {
    this.defMaps = this.mapBuild = undefined;
    this.changes++;
  }

  /**
   * The three lookups, built together in one pass over the rows (each alone took a pass: on a 50k-chunk index the
   * keystrokes that first asked by stem or by type waited 30-40 ms each for theirs). Keys: the definition's name; its
   * file's name without extension (and for Go its package directory: `cmp.Equal` is defined in some file under
   * cmp/); its enclosing scope's name (for a Go method, its package directory). Only named definitions count, not
   * loose blocks, line windows or doc sections. A build that `warmDefinitionMaps` started is finished here.
   */
  private definitionMaps(): DefinitionMaps {
    if (this.defMaps) return this.defMaps;
    const build = (this.mapBuild ??= this.startMapBuild());
    this.stepMapBuild(build, Infinity);
    return this.finishMapBuild(build);
  }

  private startMapBuild(): MapBuild {
    const total = this.disk ? this.disk.docs : this.rows.length;
    return { maps: { byName: new Map(), byStem: new Map(), byScope: new Map(), decoded: new Map() }, next: 0, total };
  }

  private stepMapBuild(build: MapBuild, rows: number): void {
    const { byName, byStem, byScope } = build.maps;
    const add = (map: Map<string, number[]>, k: string | undefined, doc: number) => {
      if (!k) return;
      const list = map.get(k);
      if (list) list.push(doc);
      else map.set(k, [doc]);
    };
    const end = Math.min(build.total, build.next + rows);
    for (let doc = build.next; doc < end; doc++) {
      const row = this.rowOf(doc);
      if (!row || !row.symbol || row.kind === 'block' || row.kind === 'lines' || row.kind === 'section') continue;
      add(byName, row.symbol, doc);
      const slash = row.path.lastIndexOf('/');
      const file = row.path.slice(slash + 1).replace(/\.[^.]+$/, '');
      add(byStem, file, doc);
      const go = row.path.endsWith('.go');
      const dir = go ? /([^/]+)\/[^/]+$/.exec(row.path)?.[1] : undefined;
      if (dir && dir !== file) add(byStem, dir, doc);
      add(byScope, row.scope ? scopeName(row.scope) : row.kind === 'method' && go ? `go:${row.path.slice(0, slash + 1)}` : '', doc);
    }
    build.next = end;
  }

  private finishMapBuild(build: MapBuild): DefinitionMaps {
    this.mapBuild = undefined;
    this.defMaps = build.maps;
    return build.maps;
  }

  private rowsOf(docs: number[] | undefined): IndexedChunk[] {
    return oneEntryPerDefinition((docs ?? []).map((d) => this.rowOf(d)).filter((r): r is IndexedChunk => r !== undefined));
  }

  /** Definitions whose name matches `query` (case-insensitive substring, then subsequence), for workspace/symbol. */
  symbols(query: string, limit: number): IndexedChunk[] {
    const q = query.toLowerCase();
    const scored: { row: IndexedChunk; score: number }[] = [];
    for (const row of this.disk ? this.disk.rows() : this.rows) {
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
    return oneEntryPerDefinition(scored.map((s) => s.row)).slice(0, limit);
  }

  summary(ms: number, changedFiles: number): IndexSummary {
    const skipped = Object.values(this.lastSkips).reduce((a, b) => a + b, 0);
    return {
      files: this.fileCount,
      chunks: this.chunkCount,
      skipped,
      skippedBy: { ...this.lastSkips },
      ms,
      embedder: this.opts.embedder?.id ?? 'none',
      mode: this.mode,
      changedFiles,
      ...(this.recovered ? { recovered: this.recovered } : {}),
    };
  }

  /** Writes a pending snapshot now (a debounced one after saves would otherwise be lost), then closes. */
  async flushAndClose(): Promise<void> {
    clearTimeout(this.snapshotTimer);
    this.closing.abort();
    await this.serial(async () => {
      if (this.loaded && this.snapshotDirty) await this.saveSnapshot().catch(() => undefined);
    }).catch(() => undefined);
    this.closeDisk();
    this.store.close();
  }

  close(): void {
    clearTimeout(this.snapshotTimer);
    this.closing.abort();
    this.closeDisk();
    this.store.close();
  }

  private closeDisk(): void {
    this.disk?.close();
    this.disk = undefined;
    this.dropDefinitionMaps();
    this.diskDocById = undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Set while this process writes the store (so its own pending record is not mistaken for a dead writer's). */
  private writing = false;

  /**
   * Takes the cross-process writer lock; if another process wrote since memory was loaded, memory is reloaded
   * first (from its snapshot), so this writer never works from a stale picture (which duplicated rows).
   */
  private async lockForWrite(signal?: AbortSignal): Promise<HeldLock> {
    const lock = await acquireIndexLock(this.store.indexDir, `indexing ${this.root}`, {
      waitMs: this.opts.lockWaitMs ?? 120_000,
      ...(signal ? { signal } : {}),
      ...(this.opts.onLockWait ? { onWait: this.opts.onLockWait } : {}),
    });
    try {
      if ((await this.store.version()) !== this.knownVersion) await this.loadNow();
    } catch (err) {
      lock.release();
      throw err;
    }
    return {
      release: () => {
        this.writing = false;
        lock.release();
      },
    };
  }

  private readPending(): { pid: number; paths: string[] | 'all' } | undefined {
    try {
      const raw = JSON.parse(readFileSync(path.join(this.store.indexDir, PENDING_FILE), 'utf8')) as { pid?: unknown; paths?: unknown };
      if (typeof raw.pid !== 'number') return undefined;
      if (raw.paths === 'all') return { pid: raw.pid, paths: 'all' };
      return { pid: raw.pid, paths: Array.isArray(raw.paths) ? raw.paths.filter((p): p is string => typeof p === 'string') : 'all' };
    } catch {
      return undefined;
    }
  }

  private writePending(paths: string[] | 'all'): void {
    if (this.readPending()?.paths === 'all') return; // a forced rebuild stays "all" until it completes
    this.writing = true;
    // Temp file + rename: a kill mid-write leaves the previous record (or none), never a torn one.
    const file = path.join(this.store.indexDir, PENDING_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, paths }));
    renameSync(`${file}.tmp`, file);
  }

  private clearPending(): void {
    rmSync(path.join(this.store.indexDir, PENDING_FILE), { force: true });
  }

  /** The table must hold exactly the chunks in memory; otherwise (duplicates, orphans) memory is rebuilt from it. */
  private async checkRowCount(lockForWrite: () => Promise<void>): Promise<void> {
    const rows = await this.store.count();
    const chunks = this.chunkCount;
    if (rows === chunks) return;
    this.reset();
    const dups = await this.scanRows();
    this.notes.push(`repaired the index: the chunk table held ${rows} rows for ${chunks} chunks${dups.size ? ` (${dups.size} files had duplicated chunks)` : ''}`);
    if (dups.size) {
      await lockForWrite();
      {
        const meta = new Map<string, Omit<FileEntry, 'docs'>>();
        const rows: ChunkRow[] = [];
        for (const rel of dups) {
          const abs = path.join(this.root, rel);
          const st = await fs.stat(abs).catch(() => undefined);
          const fresh = st ? await this.readAndChunk(rel, abs, st.size, st.mtimeMs, undefined, emptySkips()) : 'unchanged';
          if (fresh === 'unchanged' || fresh.kind === 'unreadable' || !st) continue;
          rows.push(...fresh.rows);
          meta.set(rel, { hash: fresh.hash, size: st.size, mtime: st.mtimeMs, ...(fresh.kind === 'binary' ? { binary: true } : {}) });
        }
        await this.apply([...dups], rows, meta);
        this.lexical.freeze();
        this.knownVersion = await this.store.version();
      }
    }
    this.snapshotDirty = true;
  }

  /** Reads every row into memory; returns the paths whose chunks appear more than once (to re-index). */
  private async scanRows(): Promise<Set<string>> {
    const seen = new Set<string>();
    const dups = new Set<string>();
    if (!this.store.isOpen) {
      // Served from the snapshot until now (a damaged snapshot found by a query): the rows are needed.
      const { recovered } = await this.store.open();
      if (recovered) this.notes.push(recovered);
    }
    try {
      await this.store.scan((row) => {
        if (seen.has(row.id)) dups.add(row.path);
        else seen.add(row.id);
        if (!dups.has(row.path)) this.addRow(row);
      });
    } catch (err) {
      this.reset();
      this.notes.push(await this.store.moveAside(err));
      return dups;
    }
    for (const p of dups) this.forget(p);
    this.lexical.freeze();
    return dups;
  }

  private scheduleSnapshot(): void {
    this.snapshotDirty = true;
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => void this.serial(() => this.saveSnapshot()).catch(() => undefined), 2_000);
    this.snapshotTimer.unref?.();
  }

  /**
   * Compacts memory (tombstones dropped, documents renumbered) and writes the snapshot for the table version
   * memory reflects. Memory then serves from the same arrays the snapshot holds.
   */
  private async saveSnapshot(): Promise<void> {
    clearTimeout(this.snapshotTimer);
    if (this.disk) return this.saveFilesOnly(this.disk);
    const state = this.lexical.exportState();
    const rows: IndexedChunk[] = [];
    const ids: string[] = [];
    this.rows.forEach((r, doc) => {
      const nd = state.remap[doc] ?? -1;
      if (!r || nd < 0) return;
      rows[nd] = r;
      if (this.opts.embedder) ids[nd] = this.idOf.get(doc) ?? '';
    });
    const snap: Snapshot = {
      lanceVersion: this.knownVersion,
      embedder: this.opts.embedder?.id ?? 'none',
      builtAt: Date.now(),
      files: [...this.files].map(([p, f]) => ({ path: p, hash: f.hash, size: f.size, mtime: f.mtime, ...(f.binary ? { binary: true } : {}) })),
      rows,
      ...(this.opts.embedder ? { ids } : {}),
      lexical: state,
    };
    this.importSnapshot(snap);
    await writeSnapshot(this.store.indexDir, snap);
    this.builtAt = snap.builtAt;
    this.snapshotDirty = false;
  }

  /**
   * Only file metadata changed (a file touched, its content the same) while the documents are still on disk:
   * a new snapshot with the new file list and the same postings, copied without decoding them.
   */
  private async saveFilesOnly(disk: SnapshotReader): Promise<void> {
    const builtAt = Date.now();
    const files = [...this.files].map(([p, f]) => ({ path: p, hash: f.hash, size: f.size, mtime: f.mtime, ...(f.binary ? { binary: true } : {}) }));
    await rewriteSnapshotFiles(this.store.indexDir, disk, { files, lanceVersion: this.knownVersion, builtAt });
    const read = SnapshotReader.open(this.store.indexDir, { lanceVersion: this.knownVersion, embedder: this.opts.embedder?.id ?? 'none' });
    if (!('reader' in read)) throw new Error(`the snapshot just written cannot be read back: ${read.stale}`);
    disk.close();
    this.disk = read.reader;
    this.dropDefinitionMaps();
    this.builtAt = builtAt;
    this.snapshotDirty = false;
  }

  /** Serves from the snapshot on disk, lazily: nothing but its header is read now. */
  private useReader(reader: SnapshotReader): void {
    this.disk = reader;
    this.dropDefinitionMaps();
    this.filesLoaded = false;
    this.builtAt = reader.header.builtAt;
  }

  /** The snapshot's file list (for the unchanged check), without loading its documents. */
  private ensureFiles(): void {
    if (this.filesLoaded || !this.disk) return;
    for (const f of this.disk.files()) this.files.set(f.path, { hash: f.hash, size: f.size, mtime: f.mtime, docs: [], ...(f.binary ? { binary: true } : {}) });
    this.filesLoaded = true;
  }

  /** The snapshot is damaged: memory is rebuilt from the chunk table and a new snapshot written (reported). */
  private async repairFromRows(reason: string): Promise<void> {
    if (!this.disk) return; // already rebuilt (another caller got here first)
    this.reset();
    const dups = await this.scanRows();
    this.notes.push(`repaired the lexical index from the chunk table (${reason})`);
    if (dups.size) this.notes.push(`repaired ${dups.size} files with duplicated chunks`);
    this.snapshotDirty = true;
    await this.saveSnapshot();
  }

  /**
   * Loads the lazily read snapshot into memory, for a write (documents added or removed). A snapshot that turns
   * out damaged is rebuilt from the chunk table instead (reported).
   */
  private async materialize(): Promise<void> {
    const disk = this.disk;
    if (!disk) return;
    let snap: Snapshot;
    try {
      snap = disk.load();
    } catch (err) {
      if (!(err instanceof SnapshotDamaged)) throw err;
      const files = this.filesLoaded ? new Map(this.files) : undefined;
      await this.repairFromRows(err.message);
      // Metadata already brought up to date by this update (a touched file's new mtime) is kept.
      // Files without chunks (empty, binary) are not in the table: they are remembered as they were.
      for (const [p, f] of files ?? []) {
        const now = this.files.get(p);
        if (now && now.hash === f.hash) Object.assign(now, { size: f.size, mtime: f.mtime });
        else if (!now && (f.binary || f.size === 0)) this.files.set(p, { ...f, docs: [] });
      }
      return;
    }
    this.closeDisk();
    this.importSnapshot(snap, { keepFiles: this.filesLoaded });
    this.filesLoaded = true;
  }

  private importSnapshot(snap: Snapshot, opts: { keepFiles?: boolean } = {}): void {
    this.lexical = LexicalIndex.fromState(snap.lexical);
    this.rows = snap.rows.slice();
    this.dropDefinitionMaps();
    this.docById.clear();
    this.idOf.clear();
    // Files already read (and perhaps updated: a touched file's new mtime) keep their metadata; docs are refilled.
    if (opts.keepFiles) for (const f of this.files.values()) f.docs = [];
    else {
      this.files.clear();
      for (const f of snap.files) this.files.set(f.path, { hash: f.hash, size: f.size, mtime: f.mtime, docs: [], ...(f.binary ? { binary: true } : {}) });
    }
    snap.rows.forEach((r, doc) => {
      const entry = this.files.get(r.path);
      if (entry) entry.docs.push(doc);
      const id = snap.ids?.[doc];
      if (id) {
        this.docById.set(id, doc);
        this.idOf.set(doc, id);
      }
    });
    this.builtAt = snap.builtAt;
  }

  /**
   * Opens the chunk table before the first write when the load was served from the snapshot alone. A table
   * reset on open (another schema, unreadable: `recovered`) or written by another process since the load
   * reloads memory first, as taking the writer's lock does.
   */
  private async openStore(): Promise<void> {
    if (this.store.isOpen) return;
    const { recovered } = await this.store.open();
    if (recovered || (await this.store.version()) !== this.knownVersion) await this.loadNow();
    if (recovered) this.notes.push(recovered);
  }

  private reset(): void {
    this.closeDisk();
    this.filesLoaded = true;
    this.lexical = new LexicalIndex();
    this.rows = [];
    this.dropDefinitionMaps();
    this.files.clear();
    this.docById.clear();
    this.idOf.clear();
  }

  /** Drops a file from memory (not from the table): the next update re-indexes it from disk. */
  private forget(rel: string): void {
    const entry = this.files.get(rel);
    if (entry) for (const d of entry.docs) this.removeDoc(d);
    this.files.delete(rel);
  }

  private async readAndChunk(
    rel: string,
    abs: string,
    size: number,
    mtime: number,
    previousHash: string | undefined,
    skips: SkipCounts,
  ): Promise<{ kind: 'chunks' | 'binary'; hash: string; rows: ChunkRow[] } | { kind: 'unreadable' } | 'unchanged'> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(abs);
    } catch {
      skips.unreadable++;
      return { kind: 'unreadable' };
    }
    const hash = createHash('sha1').update(buf).digest('hex');
    if (looksBinary(buf)) {
      skips.binary++;
      return hash === previousHash ? 'unchanged' : { kind: 'binary', hash, rows: [] };
    }
    if (hash === previousHash) return 'unchanged';
    // Invalid UTF-8 becomes U+FFFD: the file is still searchable, nothing is dropped.
    // Secrets (security/secret-rules.ts) never reach the store: masked in the whole file before chunking, so a
    // PEM block or key pair is found whole whatever the chunk boundaries; masks keep line breaks, so line numbers
    // stay true. Hits are read back from the file itself.
    const chunks = await chunkFile(rel, redactText(buf.toString('utf8')));
    const vectors = this.opts.embedder && chunks.length ? await this.opts.embedder.embed(chunks.map((c) => `${c.symbol} ${rel}\n${c.text}`.slice(0, 2_000))) : undefined;
    const rows = chunks.map((c, i) => ({
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
    return { kind: 'chunks', hash, rows };
  }

  /**
   * Persist first, then update memory: a failed write leaves memory consistent with disk. The paths are
   * recorded as pending before the write, so a kill in between is found on the next open.
   */
  private async apply(paths: string[], rows: ChunkRow[], meta: Map<string, Omit<FileEntry, 'docs'>>): Promise<void> {
    await this.materialize();
    this.writePending(paths);
    await this.store.replace(paths, rows);
    for (const p of paths) this.forget(p);
    for (const row of rows) this.addRow(row);
    // Files without chunks (empty, binary) are remembered too, so they are not counted as changed every run.
    for (const [p, m] of meta) if (!this.files.has(p)) this.files.set(p, { ...m, docs: [] });
    this.snapshotDirty = true;
  }

  private addRow(row: ChunkRow): void {
    const doc = this.lexical.add({ symbol: row.symbol, scope: row.scope, path: row.path, text: row.text, kind: row.kind });
    this.dropDefinitionMaps();
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
    this.dropDefinitionMaps();
  }
}

/** `a.B<T>` or `impl<T> Display for B<T>` scope → `B`: the type's bare name. */
function scopeName(scope: string): string {
  const last = scope.replace(/<[^<>]*(<[^<>]*>[^<>]*)*>/g, '').split(/\.|::/).pop() ?? '';
  return last.trim();
}
