/**
 * The index's lifecycle in the server: created when a workspace root is known, loaded and brought up to date
 * in the background, kept current by saves and a file watcher, and reported (state, counts, embedder, mode)
 * through `nootropic/index/status`, the status bar and doctor. Failures are states with messages, never
 * silence; what was indexed before a failure stays searchable.
 *
 * Requests wait for context (`waitUntilSearchable`, bounded by `nootropic.index.waitMs`): a persisted index is
 * searchable as soon as its snapshot is loaded (milliseconds), a first build when it ends. Editors that can
 * watch files for the server do (`useClientWatcher`); otherwise the server watches (rag/watcher.ts).
 *
 * The index itself (walk, chunking, LanceDB, snapshot, watcher) runs in a worker thread (rag/remote-index.ts ↔
 * rag/index-worker.ts): the event loop that answers diagnostics, completions and cancellations never waits on it.
 * A worker that crashes is reported (state, status, doctor, log) and restarted, at most MAX_RESTARTS times in
 * RESTART_WINDOW_MS; then the index stays in the error state until the server restarts. NOOTROPIC_INDEX_INLINE=1
 * runs it in the server's thread (the benchmark's baseline); so does a build without dist/index-worker.js, which
 * doctor reports.
 */
import path from 'node:path';
import type { Config } from '../../../shared/config/schema';
import type { IndexState, IndexSummary, SearchHit } from '../../../shared/protocol';
import type { Logger } from '../log';
import { knownSecrets } from '../security/redact';
import { createEmbedder, type EmbedderState, type EmbedRoute } from './embedder';
import { LocalIndex, type IndexHandle, type IndexHandleOptions } from './index-host';
import { snapshotInfo, type SnapshotInfo } from './lexical-snapshot';
import type { DefinitionAnswer, DefinitionQuery } from './index-worker-protocol';
import { RemoteIndex, workerScript } from './remote-index';
import { discardPrewarmedWorker } from './worker-prewarm';
import type { IndexProgress } from './workspace-index';

/** Worker crashes tolerated (each followed by a restart) within RESTART_WINDOW_MS before the index gives up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 10 * 60_000;
/** How long an editor's start-up walk over a persisted index waits, so the first requests are answered first. */
const STARTUP_WALK_PAUSE_MS = 300;
/** How long a keystroke's definition lookup may wait for the index thread. */
const DEFINITIONS_WAIT_MS = 150;

export type IndexListener = (state: IndexState) => void;

/** What is on disk for a workspace, whatever the server is doing (doctor). */
export interface PersistedIndex {
  dir: string;
  snapshot?: SnapshotInfo & { ageMs: number };
}

export class IndexService {
  private index: IndexHandle | undefined;
  private ready: Promise<IndexSummary> | undefined;
  private state: IndexState = { state: 'no-workspace', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical' };
  private loaded: Promise<void> | undefined;
  clientWatches = false;
  private root: string | null = null;
  private readonly listeners: IndexListener[] = [];
  private settings: { index: Config['index']; embeddings: Config['embeddings']; baseUrl: string; embedChain: unknown } | undefined;
  private embedderState: EmbedderState = { reason: 'no embedding model configured: search runs in lexical-only mode' };
  /** The build started at configure time, handed to the first `index/build` call so it reports the real work. */
  private initial: { summary: Promise<IndexSummary>; endedAt?: number; served: { loadOnly?: boolean } } | undefined;

  /** `models`: the model router's embed role, the index's only way to an embedding model. */
  constructor(
    private readonly log: Logger,
    private readonly models: EmbedRoute,
  ) {}

  /**
   * Calls `listener` with each state. With `progressEveryMs`, progress updates while indexing (states with
   * `processed`) come at most that often; state changes always do.
   */
  onState(listener: IndexListener, opts: { progressEveryMs?: number } = {}): void {
    const every = opts.progressEveryMs;
    if (!every) {
      this.listeners.push(listener);
      return;
    }
    let lastSent = 0;
    this.listeners.push((state) => {
      const now = Date.now();
      if (state.state === 'indexing' && state.processed && now - lastSent < every) return;
      lastSent = now;
      listener(state);
    });
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
  configure(root: string | null, config: Config): void {
    const settings = { index: config.index, embeddings: config.embeddings, baseUrl: config.models.baseUrl, embedChain: this.models.chain('embed') };
    const same = this.index && this.index.root === root && JSON.stringify(this.settings) === JSON.stringify(settings);
    this.settings = settings;
    if (same) {
      // An API key set after start is masked by the worker too.
      if (this.index instanceof RemoteIndex) this.index.secrets(knownSecrets());
      return;
    }
    this.dispose();
    this.root = root;
    if (!root || !config.index.enabled) {
      this.setState({ state: root ? 'idle' : 'no-workspace', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical', ...(root ? { message: 'indexing is disabled (nootropic.index.enabled)' } : {}) });
      return;
    }
    const generation = ++this.generation;
    this.embedderState = { reason: `checking the ${config.embeddings.provider} embedder` };
    /** Set when the start-up build only loaded the persisted index (no walk): then `rebuild` walks. */
    const served: { loadOnly?: boolean } = {};
    const initial: { summary: Promise<IndexSummary>; endedAt?: number; served: { loadOnly?: boolean } } = {
      served,
      summary: (async () => {
        this.setState({ state: 'loading', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical', message: 'preparing the index' });
        this.embedderState = await createEmbedder(config, this.models);
        if (generation !== this.generation) throw new Error('superseded by a newer configuration');
        if (!this.embedderState.embedder) this.log.info('lexical-only mode', { reason: this.embedderState.reason });
        const embedder = this.embedderState.embedder;
        this.open = () => {
          const handle: IndexHandle = this.openHandle({
            root,
            maxFileBytes: config.index.maxFileBytes,
            lockWaitMs: config.index.waitMs,
            onLockWait: (h) => this.setState({ ...this.counts(handle), state: 'loading', message: `waiting for another nootropic process (pid ${h.pid}: ${h.what}) to finish writing the index` }),
            onFilesIndexed: () => this.setState({ ...this.counts(handle), state: this.state.state === 'ready' || this.state.state === 'error' ? 'ready' : this.state.state }),
            onWatchError: (message) => this.log.warn('file watcher error; saves in the editor are still indexed', { error: message }),
            background: this.background,
            ...(embedder ? { embedder } : {}),
          });
          return handle;
        };
        this.watchEnabled = config.index.watch;
        return this.start((loaded) => (this.loaded = loaded), this.startupUpdate ? undefined : served);
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

  /**
   * Where names are defined, for per-keystroke callers (inline completion): from the index as it is now, never
   * waiting for one to load, and not past `waitMs` for a busy index thread (then: nothing found, logged at debug).
   */
  async definitions(query: DefinitionQuery, waitMs = DEFINITIONS_WAIT_MS): Promise<DefinitionAnswer> {
    const none: DefinitionAnswer = { named: {}, members: [] };
    const index = this.index;
    if (!index) return none;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), waitMs)));
    try {
      const answer = await Promise.race([index.definitions(query), late]);
      if (answer === 'late') this.log.debug('definition lookup answered late; completing without them', { waitMs });
      return answer === 'late' ? none : answer;
    } catch (err) {
      this.log.warn('definition lookup failed', { error: String(err) });
      return none;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once the first build is done (or failed: what loaded is still served). */
  async whenReady(): Promise<IndexHandle | undefined> {
    await this.ready?.catch(() => undefined);
    return this.index;
  }

  /**
   * The index once it can answer: right after the persisted index is loaded when it holds chunks, else when
   * the running build ends; at most `waitMs` (then whatever is indexed so far). `onWait` is called when the
   * caller will actually wait (for progress).
   */
  async waitUntilSearchable(waitMs: number, signal?: AbortSignal, onWait?: () => void): Promise<IndexHandle | undefined> {
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
    if (!this.index || this.index.counts().chunks === 0) await bounded(this.ready);
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

  /**
   * The persisted index's metadata, read from disk (not from this process's memory, which may be loading): the
   * snapshot's fixed-size header, cheap enough for this thread at any workspace size.
   */
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

  /**
   * Whether indexing yields the CPU to the server's thread (an editor waits on that thread for diagnostics and
   * completions) or runs at full speed (the CLI waits on the index itself). Call before `configure`.
   */
  useBackgroundPriority(on: boolean): void {
    this.background = on;
  }

  private background = true;

  /**
   * false: a loaded index that holds chunks (and was not interrupted) is served as it was last built, with no
   * walk at start (InitializationOptions.indexUpdateOnStart; the CLI's one-shot search). Call before `configure`.
   */
  useStartupUpdate(on: boolean): void {
    this.startupUpdate = on;
  }

  private startupUpdate = true;

  clientWatchFailed(): void {
    this.clientWatches = false;
    if (this.watchEnabled && this.index) this.startWatcher(this.index);
  }

  /** Where the index runs and how its worker has fared (doctor). */
  runtime(): { runsIn: 'inline' | 'worker' | 'none'; inlineReason?: string; crashes: number; lastCrash?: string } {
    return {
      runsIn: this.index?.runsIn ?? 'none',
      ...(this.inlineReason ? { inlineReason: this.inlineReason } : {}),
      crashes: this.crashCount,
      ...(this.lastCrash ? { lastCrash: this.lastCrash } : {}),
    };
  }

  /** Opens a fresh index handle for the configured root (set by `configure`, reused by a restart). */
  private open: (() => IndexHandle) | undefined;
  private crashTimes: number[] = [];
  private crashCount = 0;
  private lastCrash: string | undefined;
  private inlineReason: string | undefined;

  private openHandle(opts: IndexHandleOptions): IndexHandle {
    const inline = process.env.NOOTROPIC_INDEX_INLINE === '1';
    const script = inline ? undefined : workerScript();
    this.inlineReason = inline ? 'NOOTROPIC_INDEX_INLINE=1' : script ? undefined : 'the index worker bundle (dist/index-worker.js) is missing: indexing runs on the server thread and can delay diagnostics and completions';
    if (!script) {
      discardPrewarmedWorker();
      if (!inline) this.log.warn('index worker unavailable', { reason: this.inlineReason });
      return new LocalIndex(opts);
    }
    try {
      const handle: IndexHandle = new RemoteIndex(script, { ...opts, log: this.log.child('worker'), onCrash: (reason) => this.crashed(handle, reason) });
      return handle;
    } catch (err) {
      this.inlineReason = `the index worker could not start (${(err as Error).message}): indexing runs on the server thread and can delay diagnostics and completions`;
      this.log.error('index worker unavailable', { reason: this.inlineReason });
      return new LocalIndex(opts);
    }
  }

  /**
   * Opens the index, starts watching, loads and updates it; the first build's summary. With `served` (no start-up
   * update), a persisted index that holds chunks is only loaded, and `served.loadOnly` says so (`rebuild` walks).
   */
  private start(onLoad?: (loaded: Promise<void>) => void, served?: { loadOnly?: boolean }): Promise<IndexSummary> {
    const index = (this.index = this.open!());
    if (this.watchEnabled && !this.clientWatches) this.startWatcher(index);
    return this.build(false, undefined, onLoad, served, true);
  }

  /** The worker died: calls in flight already failed with the reason; restart it, or stop after too many. */
  private crashed(handle: IndexHandle, reason: string): void {
    if (this.index !== handle) return;
    const now = Date.now();
    this.crashCount++;
    this.lastCrash = `${reason} at ${new Date(now).toISOString()}`;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.crashTimes.length > MAX_RESTARTS) {
      const message = `${reason}; it crashed ${this.crashTimes.length} times in ${RESTART_WINDOW_MS / 60_000} minutes and is not restarted: search runs without the workspace index until the server restarts (see the server log)`;
      this.log.error('index worker crashed; not restarting', { reason, crashes: this.crashTimes.length });
      this.index = undefined;
      this.loaded = undefined;
      this.setState({ ...this.counts(handle), state: 'error', message });
      this.ready = Promise.reject(new Error(message));
      this.ready.catch(() => undefined);
      return;
    }
    this.log.error('index worker crashed; restarting it', { reason, crashes: this.crashTimes.length });
    this.setState({ ...this.counts(handle), state: 'error', message: `${reason}; restarting the index worker` });
    this.loaded = undefined;
    const generation = this.generation;
    const restarted = Promise.resolve().then(() => {
      if (generation !== this.generation) throw new Error('superseded by a newer configuration');
      return this.start((loaded) => (this.loaded = loaded));
    });
    this.ready = restarted;
    restarted.catch(() => undefined);
  }

  private watchEnabled = false;

  /** Start-up builds pausing before their walk (`pauseBeforeWalk`); each ends its pause when called. */
  private readonly pausedWalks = new Set<() => void>();

  private pauseBeforeWalk(): Promise<void> {
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.pausedWalks.delete(end);
        resolve();
      };
      const timer = setTimeout(end, STARTUP_WALK_PAUSE_MS);
      this.pausedWalks.add(end);
    });
  }

  /** Ends every start-up pause now: a build was asked for, or the index closes. */
  private walkNow(): void {
    for (const end of [...this.pausedWalks]) end();
  }

  async rebuild(force: boolean, signal?: AbortSignal): Promise<IndexSummary> {
    this.walkNow();
    const initial = this.initial;
    if (!this.index && !initial) throw new Error(this.state.message ?? 'no workspace folder is open');
    this.initial = undefined;
    // A build that is running or just ended is the answer: a second walk would report no work done.
    if (!force && initial && !initial.served.loadOnly && (initial.endedAt === undefined || Date.now() - initial.endedAt < 5_000)) return initial.summary;
    await this.ready?.catch(() => undefined);
    this.ready = this.build(force, signal);
    return this.ready;
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    const index = await this.waitUntilSearchable(this.waitMs);
    return index ? await index.search(query, limit, AbortSignal.timeout(30_000)) : [];
  }

  /**
   * Re-index files the editor saved or its watcher reported: searchable right after the save, without waiting
   * for the server's watcher. Ignored files (the walker's rules) are dropped in the index's thread.
   */
  async filesChanged(absPaths: string[]): Promise<void> {
    const index = this.index;
    if (!index || !absPaths.length) return;
    try {
      await index.filesChanged(absPaths);
    } catch (err) {
      this.log.error('re-indexing changed files failed', { files: absPaths.slice(0, 5), error: String(err) });
    }
  }

  /** Stops watching and closes the index; a snapshot still pending after recent saves is written first. */
  dispose(): Promise<void> {
    this.walkNow();
    this.generation++;
    const index = this.index;
    this.index = undefined;
    this.open = undefined;
    this.ready = undefined;
    this.loaded = undefined;
    return index ? index.close().catch((err: unknown) => this.log.warn('closing the index failed', { error: String(err) })) : Promise.resolve();
  }

  private counts(index: IndexHandle): Omit<IndexState, 'state'> {
    const c = index.counts();
    const skipped = Object.values(c.skipped).reduce((a, b) => a + b, 0);
    const e = this.embedderState;
    const notes = [...(e.embedder ? [] : [e.reason]), ...(this.lastCrash ? [`the index worker was restarted after it crashed (${this.lastCrash})`] : [])];
    return { files: c.files, chunks: c.chunks, skipped, embedder: e.embedder?.id ?? 'none', mode: c.mode, ...(notes.length ? { message: notes.join('; ') } : {}) };
  }

  private async build(force: boolean, signal?: AbortSignal, onLoad?: (loaded: Promise<void>) => void, served?: { loadOnly?: boolean }, startup = false): Promise<IndexSummary> {
    const index = this.index;
    if (!index) throw new Error(this.state.message ?? 'the workspace index is not available');
    const started = Date.now();
    try {
      this.setState({ ...this.counts(index), state: 'loading' });
      const loaded = index.load();
      onLoad?.(loaded.catch(() => undefined));
      await loaded;
      const c = index.counts();
      if (c.loadedFrom) this.log.info('index loaded', { ...c.loadedFrom, files: c.files, chunks: c.chunks, in: index.runsIn });
      if (c.recovered) this.log.warn('index rebuilt', { reason: c.recovered });
      if (served && c.chunks > 0 && !c.recovered) {
        served.loadOnly = true;
        this.setState({ ...this.counts(index), state: 'ready' });
        this.log.info('index served as last built (the client asked for no update at start)', { files: c.files, chunks: c.chunks });
        const now = this.counts(index);
        return { files: now.files, chunks: now.chunks, skipped: now.skipped, skippedBy: c.skipped, ms: Date.now() - started, embedder: now.embedder, mode: now.mode, changedFiles: 0 };
      }
      this.setState({ ...this.counts(index), state: 'indexing', processed: 0 });
      // An editor's first requests (a search, an ask) go first: the start-up walk over a persisted index waits a
      // moment, or until a build is asked for (`rebuild`). A first build (no chunks yet) starts at once.
      if (startup && this.background && c.chunks > 0) await this.pauseBeforeWalk();
      const onProgress = (p: IndexProgress) => this.setState({ ...this.counts(index), state: 'indexing', processed: p.processed, total: p.total });
      const summary = await index.update({ force, onProgress, ...(signal ? { signal } : {}) });
      this.setState({ ...this.counts(index), state: 'ready', ...(summary.recovered ? { message: `${summary.recovered}; ${this.counts(index).message ?? ''}` } : {}) });
      this.log.info('index ready', { files: summary.files, chunks: summary.chunks, changed: summary.changedFiles, skipped: summary.skipped, ms: Date.now() - started });
      return summary;
    } catch (err) {
      if (this.index !== index) {
        // Closed under it (shutdown, another configuration): the update stopped between files; nothing failed.
        this.log.info('indexing stopped: the index was closed', { reason: String(err) });
        throw err;
      }
      const message = `indexing failed: ${(err as Error).message}; ${index.counts().chunks} chunks indexed before the failure are still searchable`;
      this.log.error('indexing failed', { error: String(err) });
      this.setState({ ...this.counts(index), state: 'error', message });
      throw new Error(message);
    }
  }

  private startWatcher(index: IndexHandle): void {
    index.watch().catch((err: unknown) => this.log.warn('file watcher unavailable; saves in the editor are still indexed', { error: String(err) }));
  }

  private setState(state: IndexState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }
}
