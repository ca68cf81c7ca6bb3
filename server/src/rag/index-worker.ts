/**
 * The index worker thread: the entry of dist/index-worker.js, started by rag/remote-index.ts. It owns one
 * workspace's index (rag/index-host.ts: walking, chunking, LanceDB, the lexical snapshot, the watcher) so the
 * server's event loop never waits on indexing. Calls are answered in any order (a search does not wait for a
 * running build); every answer carries the index's counts. Embeddings are asked of the server, which holds the
 * one embedder. An uncaught error ends the thread; the server reports it and restarts the worker.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { IndexSummary, SearchHit } from '../../../shared/protocol';
import { registerSecret } from '../security/redact';
import type { Embedder } from './embedder';
import { LocalIndex } from './index-host';
import { AwaitInit, DefinitionQuery, FromWorker, InitMessage, ToWorker, WorkerInit, type Method } from './index-worker-protocol';

function post(msg: FromWorker): void {
  parentPort!.postMessage(msg);
}

/** How much lower than the server's thread the index runs (nice +10: about a tenth of the CPU under contention). */
const BACKGROUND_NICE = 10;

/**
 * Indexing is background work: on Linux this thread (and the threads it starts, LanceDB's among them) runs at a
 * lower priority than the thread that answers the editor, so a busy machine still serves diagnostics first. A
 * Linux thread is a task with its own id (/proc/thread-self), and setpriority on that id changes only it.
 */
function runInBackground(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0 && tid !== process.pid) os.setPriority(tid, Math.min(19, os.getPriority(tid) + BACKGROUND_NICE));
  } catch {
    /* not permitted or no /proc: normal priority */
  }
}

function main(init: WorkerInit): void {
  if (init.background) runInBackground();
  for (const s of init.secrets) registerSecret(s);
  const embedWaits = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();
  let nextEmbed = 0;
  const embedder: Embedder | undefined = init.embedder && {
    id: init.embedder.id,
    dim: init.embedder.dim,
    embed: (texts) =>
      new Promise((resolve, reject) => {
        const id = ++nextEmbed;
        embedWaits.set(id, { resolve, reject });
        post({ type: 'embed', id, texts });
      }),
  };
  const index = new LocalIndex(
    {
      root: init.root,
      maxFileBytes: init.maxFileBytes,
      lockWaitMs: init.lockWaitMs,
      background: init.background,
      ...(embedder ? { embedder } : {}),
      onLockWait: (holder) => post({ type: 'lockWait', holder }),
      onFilesIndexed: (changed) => post({ type: 'filesIndexed', changed, counts: index.counts() }),
      onWatchError: (message) => post({ type: 'watchError', message }),
    },
    'worker',
  );
  const aborts = new Map<number, AbortController>();

  const run = async (id: number, method: Method, args: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'load':
        return index.load();
      case 'update': {
        const ctl = new AbortController();
        aborts.set(id, ctl);
        const [opts] = args as [{ force?: boolean }];
        return index.update({
          force: Boolean(opts?.force),
          signal: ctl.signal,
          onProgress: (p) => post({ type: 'progress', id, processed: p.processed, total: p.total, counts: index.counts() }),
        }) satisfies Promise<IndexSummary>;
      }
      case 'filesChanged':
        return index.filesChanged((args[0] as unknown[]).filter((p): p is string => typeof p === 'string'));
      case 'watch':
        return index.watch();
      case 'search': {
        const ctl = new AbortController();
        aborts.set(id, ctl);
        return index.search(String(args[0]), Number(args[1]), ctl.signal) satisfies Promise<SearchHit[]>;
      }
      case 'symbols':
        return index.symbols(String(args[0]), Number(args[1]));
      case 'definitions':
        return index.definitions(DefinitionQuery.parse(args[0]));
      case 'close':
        return index.close();
    }
  };

  parentPort!.on('message', (raw: unknown) => {
    const parsed = ToWorker.safeParse(raw);
    if (!parsed.success) {
      post({ type: 'log', line: JSON.stringify({ time: new Date().toISOString(), level: 'error', scope: 'index.worker', msg: 'malformed message from the server', error: parsed.error.message }) });
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'cancel') aborts.get(msg.id)?.abort();
    else if (msg.type === 'secrets') for (const s of msg.values) registerSecret(s);
    else if (msg.type === 'embedded') {
      const wait = embedWaits.get(msg.id);
      embedWaits.delete(msg.id);
      if (msg.vectors) wait?.resolve(msg.vectors);
      else wait?.reject(new Error(msg.error ?? 'embedding failed'));
    } else {
      const { id, method, args } = msg;
      run(id, method, args).then(
        (value) => post({ type: 'result', id, value: value ?? null, counts: index.counts() }),
        (err: unknown) => post({ type: 'failed', id, message: err instanceof Error ? err.message : String(err), counts: index.counts() }),
      ).finally(() => aborts.delete(id));
    }
  });
}

if (isMainThread || !parentPort) {
  process.stderr.write('index-worker.js is started by nootropic-lsp, not by hand\n');
  process.exitCode = 2;
} else if (AwaitInit.safeParse(workerData).success) {
  // Started before the server knew its workspace (rag/worker-prewarm.ts): the settings come as the first message.
  // main() adds its own listener before the port delivers the next message.
  parentPort.once('message', (raw: unknown) => main(InitMessage.parse(raw).init));
} else main(WorkerInit.parse(workerData));
