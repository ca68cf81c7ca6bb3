/**
 * The server's side of the index worker thread (rag/index-worker.ts): the same `IndexHandle` as the inline
 * index, each call a message. Answers are parsed (zod) before they are used. The worker's counts arrive with
 * every answer and progress report, so status never waits on it. A worker that dies fails every call in
 * flight with the reason and is reported through `onCrash` (the IndexService restarts it or degrades);
 * `close` asks it to flush and stop, then terminates it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { IndexSummary, SearchHit } from '../../../shared/protocol';
import type { Logger } from '../log';
import { knownSecrets } from '../security/redact';
import { DefinitionCache, mergeAnswers } from './definition-cache';
import type { Embedder } from './embedder';
import type { IndexCounts, IndexHandle, IndexHandleOptions } from './index-host';
import { DefinitionAnswer, FromWorker, type DefinitionQuery, type InitMessage, type Method, type ToWorker, type WorkerInit } from './index-worker-protocol';
import { adoptPrewarmedWorker, WORKER_OPTIONS } from './worker-prewarm';
import type { IndexedChunk, IndexProgress } from './workspace-index';

const IndexedChunkRow = z.object({ path: z.string(), start_line: z.number(), end_line: z.number(), symbol: z.string(), kind: z.string(), scope: z.string() });

/** How long `close` waits for the worker to write its pending snapshot before terminating it. */
const CLOSE_WAIT_MS = 10_000;

/**
 * dist/index-worker.js beside the running bundle, or, when the server runs from source (the in-process
 * tests), the repo's dist/ that the test setup builds. Undefined when neither exists.
 */
export function workerScript(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.resolve(here, '..', '..', '..', 'dist')]) {
    const file = path.join(dir, 'index-worker.js');
    if (existsSync(file)) return file;
  }
  return undefined;
}

interface Pending {
  method: Method;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (p: IndexProgress) => void;
}

export class RemoteIndex implements IndexHandle {
  readonly root: string;
  readonly runsIn = 'worker' as const;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private latest: IndexCounts;
  private stopped: string | undefined;
  private closing = false;
  private readonly definitionCache = new DefinitionCache();

  constructor(
    script: string,
    private readonly opts: IndexHandleOptions & { log: Logger; onCrash: (reason: string) => void },
  ) {
    this.root = opts.root;
    const empty = { binary: 0, tooLarge: 0, unreadable: 0, outsideWorkspace: 0, symlinkLoop: 0 };
    this.latest = { files: 0, chunks: 0, skipped: empty, mode: opts.embedder ? 'hybrid' : 'lexical', rowsChanged: 0 };
    const init: WorkerInit = {
      root: opts.root,
      maxFileBytes: opts.maxFileBytes,
      lockWaitMs: opts.lockWaitMs,
      ...(opts.embedder ? { embedder: { id: opts.embedder.id, dim: opts.embedder.dim } } : {}),
      secrets: knownSecrets(),
      background: opts.background ?? true,
    };
    // stdout is piped, never inherited: on the stdio transport the server's stdout is the LSP channel. The thread
    // the launcher started before the server loaded is used when there is one (rag/worker-prewarm.ts).
    const prewarmed = adoptPrewarmedWorker(script);
    this.worker = prewarmed?.worker ?? new Worker(script, { ...WORKER_OPTIONS, workerData: init });
    if (prewarmed) {
      this.worker.postMessage({ type: 'init', init } satisfies InitMessage);
      opts.log.info('index worker: using the thread started at launch', { startedMsBefore: prewarmed.ageMs });
    }
    this.worker.stdout.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) opts.log.info('index worker output', { line: line.slice(0, 2_000) });
    });
    // The worker never keeps the process alive on its own: shutdown closes it, and a test's process may end.
    this.worker.unref();
    this.worker.on('message', (raw: unknown) => this.receive(raw));
    this.worker.on('error', (err) => this.stop(`the index worker failed: ${err.message}`));
    this.worker.on('exit', (code) => this.stop(`the index worker exited (code ${code})`));
  }

  counts(): IndexCounts {
    return this.latest;
  }

  /** Known secrets changed (an API key set after start): the worker masks them too. */
  secrets(values: string[]): void {
    if (!this.stopped) this.worker.postMessage({ type: 'secrets', values } satisfies ToWorker);
  }

  load(): Promise<void> {
    return this.call('load', []).then(() => undefined);
  }

  async update(opts: { force?: boolean; signal?: AbortSignal; onProgress?: (p: IndexProgress) => void }): Promise<IndexSummary> {
    return IndexSummary.parse(await this.call('update', [{ force: Boolean(opts.force) }], opts.signal, opts.onProgress));
  }

  async filesChanged(absPaths: string[]): Promise<number> {
    return z.number().parse(await this.call('filesChanged', [absPaths]));
  }

  async watch(): Promise<void> {
    await this.call('watch', []);
  }

  async search(query: string, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    return z.array(SearchHit).parse(await this.call('search', [query, limit], signal));
  }

  async symbols(query: string, limit: number): Promise<IndexedChunk[]> {
    return z.array(IndexedChunkRow).parse(await this.call('symbols', [query, limit]));
  }

  /** Answered from the kept answers when the rows have not changed since (definition-cache.ts); else asks what is new. */
  async definitions(query: DefinitionQuery): Promise<DefinitionAnswer> {
    const ask = this.definitionCache.missing(query, this.latest.rowsChanged);
    const known = this.definitionCache.answer(query);
    if (!ask) return known;
    const fresh = DefinitionAnswer.parse(await this.call('definitions', [ask]));
    // The answer's message brought the version its rows are at (receive() took its counts before resolving).
    this.definitionCache.store(ask, fresh, this.latest.rowsChanged);
    return mergeAnswers(known, fresh);
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.call('close', []).catch(() => undefined), new Promise((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private call(method: Method, args: unknown[], signal?: AbortSignal, onProgress?: (p: IndexProgress) => void): Promise<unknown> {
    if (this.stopped) return Promise.reject(new Error(this.stopped));
    if (signal?.aborted) return Promise.reject(new Error('indexing cancelled'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject, ...(onProgress ? { onProgress } : {}) });
      signal?.addEventListener('abort', () => !this.stopped && this.worker.postMessage({ type: 'cancel', id } satisfies ToWorker), { once: true });
      this.worker.postMessage({ type: 'call', id, method, args } satisfies ToWorker);
    });
  }

  private receive(raw: unknown): void {
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) {
      this.opts.log.error('malformed message from the index worker', { error: parsed.error.message });
      return;
    }
    const msg = parsed.data;
    if ('counts' in msg) this.latest = msg.counts;
    switch (msg.type) {
      case 'result':
      case 'failed': {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!p) return;
        if (msg.type === 'result') {
          try {
            p.resolve(msg.value);
          } catch (err) {
            p.reject(err as Error);
          }
        } else p.reject(new Error(msg.message));
        return;
      }
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.({ processed: msg.processed, total: msg.total });
        return;
      case 'lockWait':
        this.opts.onLockWait?.(msg.holder);
        return;
      case 'filesIndexed':
        this.opts.onFilesIndexed?.(msg.changed);
        return;
      case 'watchError':
        this.opts.onWatchError?.(msg.message);
        return;
      case 'embed':
        void this.embed(msg.id, msg.texts, this.opts.embedder);
        return;
      case 'log':
        this.relayLog(msg.line);
        return;
    }
  }

  private async embed(id: number, texts: string[], embedder: Embedder | undefined): Promise<void> {
    let reply: ToWorker;
    try {
      if (!embedder) throw new Error('no embedder');
      reply = { type: 'embedded', id, vectors: await embedder.embed(texts) };
    } catch (err) {
      reply = { type: 'embedded', id, error: (err as Error).message };
    }
    if (!this.stopped) this.worker.postMessage(reply);
  }

  private relayLog(line: string): void {
    try {
      const { level, msg, ...fields } = JSON.parse(line) as { level?: string; msg?: string } & Record<string, unknown>;
      const log = this.opts.log;
      const fn = level === 'error' ? log.error : level === 'warn' ? log.warn : level === 'debug' ? log.debug : log.info;
      fn(String(msg ?? ''), fields);
    } catch {
      this.opts.log.info(line);
    }
  }

  /** The worker is gone: every call in flight fails with the reason; an unexpected end is a crash. */
  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = reason;
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
    if (!this.closing) this.opts.onCrash(reason);
  }
}
