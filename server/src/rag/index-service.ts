/**
 * The index's lifecycle in the server: created when a workspace root is known, loaded and brought up to date
 * in the background, kept current by saves and a file watcher, and reported (state, counts, embedder, mode)
 * through `nootropic/index/status`, the status bar and doctor. Failures are states with messages, never
 * silence; what was indexed before a failure stays searchable.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../shared/config/schema';
import type { IndexState, IndexSummary, SearchHit } from '../../../shared/protocol';
import type { Logger } from '../log';
import { createEmbedder, type EmbedderState } from './embedder';
import { WorkspaceIndex, type IndexProgress } from './workspace-index';

export type IndexListener = (state: IndexState) => void;

const IGNORED_WATCH = /(^|\/)(\.git|\.nootropic-cache|node_modules)(\/|$)/;

export class IndexService {
  private index: WorkspaceIndex | undefined;
  private ready: Promise<IndexSummary> | undefined;
  private state: IndexState = { state: 'no-workspace', files: 0, chunks: 0, skipped: 0, embedder: 'none', mode: 'lexical' };
  private watcher: FSWatcher | undefined;
  private pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
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
        this.index = new WorkspaceIndex(root, { maxFileBytes: config.index.maxFileBytes, ...(this.embedderState.embedder ? { embedder: this.embedderState.embedder } : {}) });
        if (config.index.watch) this.startWatcher(root);
        return this.build(false);
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

  /** Resolves once the first build is done (or failed: what loaded is still served). */
  async whenReady(): Promise<WorkspaceIndex | undefined> {
    await this.ready?.catch(() => undefined);
    return this.index;
  }

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
    const index = await this.whenReady();
    return index ? await index.search(query, limit, AbortSignal.timeout(30_000)) : [];
  }

  /** Re-index files the editor saved: searchable right after the save, without waiting for the watcher. */
  async filesChanged(absPaths: string[]): Promise<void> {
    const index = this.index;
    if (!index) return;
    const rels = absPaths.map((p) => path.relative(index.root, p).split(path.sep).join('/')).filter((r) => r && !r.startsWith('..') && !IGNORED_WATCH.test(r));
    if (!rels.length) return;
    await this.whenReady();
    try {
      const changed = await index.updateFiles(rels);
      if (changed) this.setState({ ...this.counts(index), state: 'ready' });
    } catch (err) {
      this.log.error('re-indexing changed files failed', { files: rels.slice(0, 5), error: String(err) });
    }
  }

  dispose(): void {
    this.generation++;
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.flushTimer);
    this.index?.close();
    this.index = undefined;
    this.ready = undefined;
  }

  private counts(index: WorkspaceIndex): Omit<IndexState, 'state'> {
    const skipped = Object.values(index.skipped).reduce((a, b) => a + b, 0);
    const e = this.embedderState;
    return { files: index.fileCount, chunks: index.chunkCount, skipped, embedder: e.embedder?.id ?? 'none', mode: index.mode, ...(e.embedder ? {} : { message: e.reason }) };
  }

  private async build(force: boolean, signal?: AbortSignal): Promise<IndexSummary> {
    const index = this.index!;
    const started = Date.now();
    try {
      this.setState({ ...this.counts(index), state: 'loading' });
      await index.load();
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
      this.watcher = watch(root, { recursive: true }, (_event, file) => {
        if (!file) return;
        const rel = String(file).split(path.sep).join('/');
        if (IGNORED_WATCH.test(rel)) return;
        this.pending.add(path.join(root, rel));
        clearTimeout(this.flushTimer);
        this.flushTimer = setTimeout(() => {
          const batch = [...this.pending];
          this.pending.clear();
          void this.filesChanged(batch);
        }, 150);
      });
      this.watcher.on('error', (err) => {
        this.log.warn('file watcher stopped; saves in the editor are still indexed', { error: String(err) });
        this.watcher?.close();
        this.watcher = undefined;
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
