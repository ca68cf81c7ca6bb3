/**
 * The index's lifecycle in the server: created when a workspace root is known, loaded and brought up to date
 * in the background, kept current by saves and a file watcher, and reported (state, counts, embedder, mode)
 * through `nootropic/index/status`, the status bar and doctor. Failures are states with messages, never
 * silence; what was indexed before a failure stays searchable.
 *
 * Requests wait for context (`waitUntilSearchable`, bounded by `nootropic.index.waitMs`): a persisted index is
 * searchable as soon as its snapshot is loaded (milliseconds), a first build when it ends. Editors that can
 * watch files for the server do (`useClientWatcher`); otherwise the server watches (rag/watcher.ts).
 */
import path from 'node:path';
import type { Config } from '../../../shared/config/schema';
import type { IndexState, IndexSummary, SearchHit } from '../../../shared/protocol';
import type { Logger } from '../log';
import { createEmbedder, type EmbedderState } from './embedder';
import { snapshotInfo, type SnapshotInfo } from './lexical-snapshot';
import { ignoreMatcher } from './walk';
import { watchWorkspace, type WorkspaceWatcher } from './watcher';
import { WorkspaceIndex, type IndexProgress } from './workspace-index';

export type IndexListener = (state: IndexState) => void;

/** What is on disk for a workspace, whatever the server is doing (doctor). */
export interface PersistedIndex {
  dir: string;
  snapshot?: SnapshotInfo & { ageMs: number };
}

export class IndexService {
  private index: WorkspaceIndex | undefined;
  private ready: Promise<IndexSummary> | undefined;
  private state: IndexState = { state: 'no-workspace', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical' };
  private watcher: WorkspaceWatcher | undefined;
  private loaded: Promise<void> | undefined;
  clientWatches = false;
  private root: string | null = null;
  private readonly listeners: IndexListener[] = [];
  private settings: { index: Config['index']; embeddings: Config['embeddings']; baseUrl: string } | undefined;
  private embedderState: EmbedderState = { reason: 'no embedding model configured: search runs in lexical-only mode' };
  /** The build started at configure time, handed to the first `index/build` call so it reports the real work. */
  private initial: { summary: Promise<IndexSummary>; endedAt?: number } | undefined;

  constructor(private readonly log: Logger) {}

  onState(listener: IndexListener): void {
    this.listeners.push(listener);
  }

  current(): IndexState {
    return this.state;
  }

  /** The embedder in use, or why there is none (for doctor). */
  embedderStatus(): { available: boolean; detail?: string; error?: string } {
    const s = this.embedderState;
    return s.embedder ? { available: true, detail: s.detail } : { available: false, error: s.reason };
  }

  /** (Re)configure for a root; starts the background load + update when the root, limits or embedder changed. */
  configure(root: string | null, config: Config, apiKey: string | undefined): void {
    const settings = { index: config.index, embeddings: config.embeddings, baseUrl: config.models.baseUrl };
    const same = this.index && this.index.root === root && JSON.stringify(this.settings) === JSON.stringify(settings);
    this.settings = settings;
    if (same) return;
    this.dispose();
    this.root = root;
    if (!root || !config.index.enabled) {
      this.setState({ state: root ? 'idle' : 'no-workspace', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical', ...(root ? { message: 'indexing is disabled (nootropic.index.enabled)' } : {}) });
      return;
    }
    const generation = ++this.generation;
    this.embedderState = { reason: `checking the ${config.embeddings.provider} embedder` };
    const initial: { summary: Promise<IndexSummary>; endedAt?: number } = {
      summary: (async () => {
        this.setState({ state: 'loading', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical', message: 'preparing the index' });
        this.embedderState = await createEmbedder(config, apiKey, this.log);
        if (generation !== this.generation) throw new Error('superseded by a newer configuration');
        if (!this.embedderState.embedder) this.log.info('lexical-only mode', { reason: this.embedderState.reason });
        const index = new WorkspaceIndex(root, {
          maxFileBytes: config.index.maxFileBytes,
          lockWaitMs: config.index.waitMs,
          onLockWait: (h) => this.setState({ ...this.counts(index), state: 'loading', message: `waiting for another nootropic process (pid ${h.pid}: ${h.what}) to finish writing the index` }),
          ...(this.embedderState.embedder ? { embedder: this.embedderState.embedder } : {}),
        });
        this.index = index;
        this.watchEnabled = config.index.watch;
        if (config.index.watch && !this.clientWatches) this.startWatcher(root);
        return this.build(false, undefined, (loaded) => (this.loaded = loaded));
      })(),
    };
    initial.summary.then(
      () => (initial.endedAt = Date.now()),
      () => (initial.endedAt = Date.now()),
    );
    this.initial = initial;
    this.ready = initial.summary;
    this.ready.catch(() => undefined);
  }

  /** Bumped on every reconfiguration, so a slow embedder probe of an old configuration cannot win. */
  private generation = 0;

  /** The index as it is now, without waiting (undefined while none is loaded): for per-keystroke callers. */
  currentIndex(): WorkspaceIndex | undefined {
    return this.index;
  }

  /** Resolves once the first build is done (or failed: what loaded is still served). */
  async whenReady(): Promise<WorkspaceIndex | undefined> {
    await this.ready?.catch(() => undefined);
    return this.index;
  }

  /**
   * The index once it can answer: right after the persisted index is loaded when it holds chunks, else when
   * the running build ends; at most `waitMs` (then whatever is indexed so far). `onWait` is called when the
   * caller will actually wait (for progress).
   */
  async waitUntilSearchable(waitMs: number, signal?: AbortSignal, onWait?: () => void): Promise<WorkspaceIndex | undefined> {
    const deadline = Date.now() + waitMs;
    const bounded = async (p: Promise<unknown> | undefined) => {
      if (!p) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const aborted = new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
      await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, left))), aborted]);
      clearTimeout(timer);
    };
    const state = this.state.state;
    if (state !== 'ready' && state !== 'idle' && state !== 'no-workspace') onWait?.();
    // The embedder probe and the index's creation come first; then its load.
    while (!this.loaded && this.ready && Date.now() < deadline && !signal?.aborted && this.state.state !== 'error') {
      await bounded(Promise.race([this.ready, new Promise((r) => setTimeout(r, 20))]));
      if (this.state.state === 'ready') break;
    }
    await bounded(this.loaded);
    if (!this.index || this.index.chunkCount === 0) await bounded(this.ready);
    return this.index;
  }

  /** The configured wait for context (nootropic.index.waitMs). */
  get waitMs(): number {
    return this.settings?.index.waitMs ?? 60_000;
  }

  /** Whether indexing is configured for a workspace (even if it has not loaded yet). */
  get configured(): boolean {
    return Boolean(this.root && this.settings?.index.enabled);
  }

  /** The persisted index's metadata, read from disk (not from this process's memory, which may be loading). */
  persisted(): PersistedIndex | undefined {
    if (!this.root) return undefined;
    const dir = path.join(this.root, '.nootropic-cache', 'index');
    const info = snapshotInfo(dir);
    return { dir, ...(info ? { snapshot: { ...info, ageMs: Date.now() - info.builtAt } } : {}) };
  }

  /**
   * The client watches files for the server (dynamic `workspace/didChangeWatchedFiles` registration): no
   * server-side watcher. Call before `configure`; `clientWatchFailed` falls back to the server's watcher.
   */
  useClientWatcher(on: boolean): void {
    this.clientWatches = on;
  }

  clientWatchFailed(): void {
    this.clientWatches = false;
    if (this.root && this.watchEnabled && !this.watcher && this.index) this.startWatcher(this.root);
  }

  private watchEnabled = false;

  async rebuild(force: boolean, signal?: AbortSignal): Promise<IndexSummary> {
    const initial = this.initial;
    if (!this.index && !initial) throw new Error(this.state.message ?? 'no workspace folder is open');
    this.initial = undefined;
    // A build that is running or just ended is the answer: a second walk would report no work done.
    if (!force && initial && (initial.endedAt === undefined || Date.now() - initial.endedAt < 5_000)) return initial.summary;
    await this.ready?.catch(() => undefined);
    this.ready = this.build(force, signal);
    return this.ready;
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    const index = await this.waitUntilSearchable(this.waitMs);
    return index ? await index.search(query, limit, AbortSignal.timeout(30_000)) : [];
  }

  /** Re-index files the editor saved: searchable right after the save, without waiting for the watcher. */
  async filesChanged(absPaths: string[]): Promise<void> {
    const index = this.index;
    if (!index) return;
    const rules = (this.rules ??= ignoreMatcher(index.root));
    if (absPaths.some((p) => /(^|[\\/])\.(git|nootropic)ignore$/.test(p))) rules.invalidate();
    const rels = absPaths.map((p) => path.relative(index.root, p).split(path.sep).join('/')).filter((r) => r && !r.startsWith('..') && !rules.ignored(r, false));
    if (!rels.length) return;
    await this.whenReady();
    try {
      const changed = await index.updateFiles(rels);
      if (changed) this.setState({ ...this.counts(index), state: 'ready' });
    } catch (err) {
      this.log.error('re-indexing changed files failed', { files: rels.slice(0, 5), error: String(err) });
    }
  }

  private rules: ReturnType<typeof ignoreMatcher> | undefined;

  /** Stops watching and closes the index; a snapshot still pending after recent saves is written first. */
  dispose(): Promise<void> {
    this.generation++;
    const watcher = this.watcher;
    this.watcher = undefined;
    const index = this.index;
    this.index = undefined;
    this.ready = undefined;
    this.loaded = undefined;
    this.rules = undefined;
    return Promise.all([watcher?.close().catch(() => undefined), index?.flushAndClose()]).then(() => undefined);
  }

  private counts(index: WorkspaceIndex): Omit<IndexState, 'state'> {
    const skipped = Object.values(index.skipped).reduce((a, b) => a + b, 0);
    const e = this.embedderState;
    return { files: index.fileCount, chunks: index.chunkCount, skipped, embedder: e.embedder?.id ?? 'none', mode: index.mode, ...(e.embedder ? {} : { message: e.reason }) };
  }

  private async build(force: boolean, signal?: AbortSignal, onLoad?: (loaded: Promise<void>) => void): Promise<IndexSummary> {
    const index = this.index!;
    const started = Date.now();
    try {
      this.setState({ ...this.counts(index), state: 'loading' });
      const loaded = index.load();
      onLoad?.(loaded.catch(() => undefined));
      await loaded;
      if (index.loadedFrom) this.log.info('index loaded', { ...index.loadedFrom, files: index.fileCount, chunks: index.chunkCount });
      if (index.recovered) this.log.warn('index rebuilt', { reason: index.recovered });
      this.setState({ ...this.counts(index), state: 'indexing', processed: 0 });
      const onProgress = (p: IndexProgress) => this.setState({ ...this.counts(index), state: 'indexing', processed: p.processed, total: p.total });
      const summary = await index.update({ force, onProgress, ...(signal ? { signal } : {}) });
      this.setState({ ...this.counts(index), state: 'ready', ...(summary.recovered ? { message: `${summary.recovered}; ${this.counts(index).message ?? ''}` } : {}) });
      this.log.info('index ready', { files: summary.files, chunks: summary.chunks, changed: summary.changedFiles, skipped: summary.skipped, ms: Date.now() - started });
      return summary;
    } catch (err) {
      const message = `indexing failed: ${(err as Error).message}; ${index.chunkCount} chunks indexed before the failure are still searchable`;
      this.log.error('indexing failed', { error: String(err) });
      this.setState({ ...this.counts(index), state: 'error', message });
      throw new Error(message);
    }
  }

  private startWatcher(root: string): void {
    try {
      this.watcher = watchWorkspace(root, (batch) => void this.filesChanged(batch), {
        onError: (err) => this.log.warn('file watcher error; saves in the editor are still indexed', { error: String(err) }),
      });
    } catch (err) {
      this.log.warn('file watcher unavailable; saves in the editor are still indexed', { error: String(err) });
    }
  }

  private setState(state: IndexState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }
}
