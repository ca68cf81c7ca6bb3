/**
 * The index worker thread, started before the server's own bundle loads (server/src/launch.ts). Loading
 * dist/index-worker.js takes the thread 100–150 ms; started after `initialize`, that was most of the wait for the
 * first search of every editor window, Neovim start and CLI call. Started here, it overlaps the ~250 ms of reading
 * and compiling dist/server-main.js, and RemoteIndex adopts the thread when the index opens, sending it the
 * workspace's settings as its first message.
 *
 * Only node builtins are imported: this module is bundled into the tiny launcher as well as into the server, and
 * the two bundles share the thread through a global slot. A thread nobody adopts (no workspace, the index inline)
 * is ended after a minute; it never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';

/** workerData of a prewarmed thread (AwaitInit in index-worker-protocol.ts, not imported: it would bring zod). */
const AWAIT_INIT = { awaitInit: true } as const;

/** Options every index worker is started with (RemoteIndex uses them too). */
export const WORKER_OPTIONS = { stdout: true, stderr: false, execArgv: [] as string[] } as const;

const UNADOPTED_MS = 60_000;
const SLOT = Symbol.for('nootropic.prewarmedIndexWorker');

interface Prewarmed {
  script: string;
  worker: Worker;
  startedAt: number;
  gone: boolean;
  timer: NodeJS.Timeout;
}

type Slots = { [SLOT]?: Prewarmed };

/** Starts the worker thread when the process will serve a client (not for --version, --help, usage errors). */
export function prewarmIndexWorker(script: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  if (env.NOOTROPIC_INDEX_INLINE === '1') return;
  if (!argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket='))) return;
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--version')) return;
  let worker: Worker;
  try {
    worker = new Worker(script, { ...WORKER_OPTIONS, workerData: AWAIT_INIT });
  } catch {
    return; // the server starts its worker the usual way and reports why it cannot
  }
  worker.unref();
  const slot: Prewarmed = { script, worker, startedAt: performance.now(), gone: false, timer: setTimeout(() => discardPrewarmedWorker(), UNADOPTED_MS) };
  slot.timer.unref();
  // Until adopted, an end of the thread only means it is not used: the server starts a fresh one.
  worker.on('error', () => (slot.gone = true));
  worker.on('exit', () => (slot.gone = true));
  (globalThis as Slots)[SLOT] = slot;
}

/** The prewarmed thread for `script`, once (later opens start their own), or undefined. */
export function adoptPrewarmedWorker(script: string): { worker: Worker; ageMs: number } | undefined {
  const slot = (globalThis as Slots)[SLOT];
  if (!slot) return undefined;
  delete (globalThis as Slots)[SLOT];
  clearTimeout(slot.timer);
  if (slot.gone || slot.script !== script) {
    void slot.worker.terminate();
    return undefined;
  }
  slot.worker.removeAllListeners('error');
  slot.worker.removeAllListeners('exit');
  return { worker: slot.worker, ageMs: Math.round(performance.now() - slot.startedAt) };
}

/** Ends a prewarmed thread nobody adopted (the index runs inline, or no workspace opened). */
export function discardPrewarmedWorker(): void {
  const slot = (globalThis as Slots)[SLOT];
  if (!slot) return;
  delete (globalThis as Slots)[SLOT];
  clearTimeout(slot.timer);
  void slot.worker.terminate();
}
