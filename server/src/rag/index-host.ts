/**
 * One workspace's index with what keeps it current (the chokidar watcher and the ignore filter for changed
 * paths), behind one asynchronous interface (`IndexHandle`). It runs in the index worker thread
 * (rag/index-worker.ts, driven by rag/remote-index.ts), so walking, chunking, LanceDB writes, snapshot loads and
 * the watcher's scan never run on the server's event loop; `NOOTROPIC_INDEX_INLINE=1` runs it in the server's
 * own thread instead (the benchmark's baseline, and the fallback when the worker bundle is missing).
 */
import path from 'node:path';
import type { IndexSummary, SearchHit } from '../../../shared/protocol';
import type { Embedder } from './embedder';
import type { LockHolder } from './index-lock';
import type { DefinitionAnswer, DefinitionQuery } from './index-worker-protocol';
import { ignoreMatcher, type SkipCounts } from './walk';
import { watchWorkspace, type WorkspaceWatcher } from './watcher';
import { WorkspaceIndex, type IndexedChunk, type IndexProgress } from './workspace-index';

/** What the server shows of an index without asking for it (status, doctor, telemetry). */
export interface IndexCounts {
  files: number;
  chunks: number;
  skipped: SkipCounts;
  mode: 'lexical' | 'hybrid';
  loadedFrom?: { source: 'snapshot' | 'rows' | 'empty'; ms: number; reason?: string } | undefined;
  recovered?: string | undefined;
  /** How many times the rows changed since the index was opened (the version of its definition answers). */
  rowsChanged: number;
}

export interface IndexHandleOptions {
  root: string;
  maxFileBytes: number;
  lockWaitMs: number;
  embedder?: Embedder;
  onLockWait?: (holder: LockHolder) => void;
  /** Files changed on disk (watcher or editor) were re-indexed. */
  onFilesIndexed?: (changed: number) => void;
  onWatchError?: (message: string) => void;
  /** A worker thread runs at a lower priority than the server's (editors); the CLI's index runs at full speed. */
  background?: boolean;
}

export interface IndexHandle {
  readonly root: string;
  /** Where the index runs: the server's own thread, or a worker thread. */
  readonly runsIn: 'inline' | 'worker';
  /** The latest counts (kept current by every operation; never waits). */
  counts(): IndexCounts;
  load(): Promise<void>;
  update(opts: { force?: boolean; signal?: AbortSignal; onProgress?: (p: IndexProgress) => void }): Promise<IndexSummary>;
  /** Re-indexes absolute paths (saves, watcher events); ignored and outside paths are dropped. Returns files changed. */
  filesChanged(absPaths: string[]): Promise<number>;
  /** Starts the server-side watcher (clients that cannot watch for the server). */
  watch(): Promise<void>;
  search(query: string, limit: number, signal?: AbortSignal): Promise<SearchHit[]>;
  symbols(query: string, limit: number): Promise<IndexedChunk[]>;
  /** Where names are defined, and a module's members (inline completion's context). */
  definitions(query: DefinitionQuery): Promise<DefinitionAnswer>;
  /** Stops watching, writes a pending snapshot, closes the store. */
  close(): Promise<void>;
}

/** How long after a load or change the worker starts building the definition lookups (`warm`). */
const WARM_DELAY_MS = 100;

/** The index in the current thread: the worker's body, or the whole of it with NOOTROPIC_INDEX_INLINE=1. */
export class LocalIndex implements IndexHandle {
  readonly root: string;
  readonly runsIn: 'inline' | 'worker';
  private readonly index: WorkspaceIndex;
  private watcher: WorkspaceWatcher | undefined;
  private rules: ReturnType<typeof ignoreMatcher> | undefined;

  constructor(
    private readonly opts: IndexHandleOptions,
    runsIn: 'inline' | 'worker' = 'inline',
  ) {
    this.root = opts.root;
    this.runsIn = runsIn;
    this.index = new WorkspaceIndex(opts.root, {
      maxFileBytes: opts.maxFileBytes,
      lockWaitMs: opts.lockWaitMs,
      ...(opts.onLockWait ? { onLockWait: opts.onLockWait } : {}),
      ...(opts.embedder ? { embedder: opts.embedder } : {}),
    });
  }

  counts(): IndexCounts {
    const ix = this.index;
    return { files: ix.fileCount, chunks: ix.chunkCount, skipped: { ...ix.skipped }, mode: ix.mode, loadedFrom: ix.loadedFrom, recovered: ix.recovered, rowsChanged: ix.rowsChanged };
  }

  /** Idempotent (WorkspaceIndex.load is serialised and loads once); a failed load is tried again by the next call. */
  load(): Promise<void> {
    return this.index.load().then(() => this.warm());
  }

  update(opts: { force?: boolean; signal?: AbortSignal; onProgress?: (p: IndexProgress) => void }): Promise<IndexSummary> {
    return this.index.update(opts).then((summary) => (this.warm(), summary));
  }

  private warming: NodeJS.Timeout | undefined;

  /**
   * In an editor's index worker, shortly after a load or change: the definition lookups inline completion asks
   * per keystroke are built ahead (a 50k-chunk index takes ~130 ms), so a keystroke never waits for them. In
   * slices, one per turn of the worker's event loop, so a search or ask sent meanwhile waits for one slice, not
   * for the build. Not for the CLI (`background` false), which never completes; and not inline, where that time
   * would be the server thread's.
   */
  private warm(): void {
    if (this.runsIn !== 'worker' || !this.opts.background || this.warming) return;
    this.warming = setTimeout(() => {
      this.warming = undefined;
      // A row that cannot be read fails the lookup that needs it, with its reason; here it only stops the warm-up.
      this.index.warmDefinitionMaps().catch(() => undefined);
    }, WARM_DELAY_MS);
    this.warming.unref();
  }

  async filesChanged(absPaths: string[]): Promise<number> {
    const rules = (this.rules ??= ignoreMatcher(this.root));
    if (absPaths.some((p) => /(^|[\\/])\.(git|nootropic)ignore$/.test(p))) rules.invalidate();
    const rels = absPaths.map((p) => path.relative(this.root, p).split(path.sep).join('/')).filter((r) => r && !r.startsWith('..') && !path.isAbsolute(r) && !rules.ignored(r, false));
    if (!rels.length) return 0;
    await this.load();
    const changed = await this.index.updateFiles(rels);
    if (changed) this.warm();
    if (changed) this.opts.onFilesIndexed?.(changed);
    return changed;
  }

  async watch(): Promise<void> {
    if (this.watcher) return;
    const report = (err: unknown) => this.opts.onWatchError?.(String(err instanceof Error ? err.message : err));
    try {
      this.watcher = watchWorkspace(this.root, (batch) => void this.filesChanged(batch).catch(report), { onError: report });
    } catch (err) {
      report(err);
    }
  }

  search(query: string, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    return this.index.search(query, limit, signal);
  }

  async symbols(query: string, limit: number): Promise<IndexedChunk[]> {
    return this.index.symbols(query, limit);
  }

  async definitions(query: DefinitionQuery): Promise<DefinitionAnswer> {
    const site = (r: IndexedChunk) => ({ path: r.path, startLine: r.start_line, endLine: r.end_line });
    const named: DefinitionAnswer['named'] = {};
    for (const name of query.names) {
      const found = this.index.definitionsNamed(name);
      if (found.length) named[name] = found.map(site);
    }
    const members = query.stem ? this.index.definitionsInFilesNamed(query.stem).map((r) => ({ ...site(r), name: r.symbol })) : [];
    const typeMembers: NonNullable<DefinitionAnswer['typeMembers']> = {};
    for (const type of query.types ?? []) {
      const found = this.index.definitionsInType(type);
      if (found.length) typeMembers[type] = found.slice(0, 300).map((r) => ({ ...site(r), name: r.symbol }));
    }
    return { named, members, typeMembers };
  }

  async close(): Promise<void> {
    clearTimeout(this.warming);
    const watcher = this.watcher;
    this.watcher = undefined;
    await Promise.all([watcher?.close().catch(() => undefined), this.index.flushAndClose()]);
  }
}
