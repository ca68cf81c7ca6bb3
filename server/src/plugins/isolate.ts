/**
 * One plugin in its own child process (dist/plugin-host.js over an IPC channel), confined by Node's permission
 * model: it may read the host script, its own folder and the workspace, write only the workspace (nothing in a
 * restricted one), and start no child processes, workers or native addons. Its environment is an explicit
 * allow-list with no keys or tokens (and /proc/self/environ of the child holds only that). Its memory is bounded
 * as a whole, off-heap Buffers included: the server polls the child's RSS and kills it past
 * `plugins.memoryLimitMb`. A throw, a hang, process.exit or process.kill(process.pid) ends only the child, and
 * the plugin is marked failed with the reason. The child's stdout is piped, never inherited: on the stdio
 * transport the server's stdout is the LSP channel and a plugin's console.log would corrupt it.
 * Why not a worker thread any more: a worker shares the server's process (its pid, its RSS, its environment
 * through /proc), so none of the above could hold; bench/plugin-isolation.mjs measures what it costs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonValue } from '../../../plugins/api';
import type { PluginDescription, Registration } from '../../../shared/plugins/manifest';
import { describeZodError } from '../../../shared/protocol/errors';
import type { Logger } from '../log';
import { FromHost, HOST_MARK, type ToHost } from './host-protocol';

export interface IsolateOptions {
  hostScript: string;
  memoryLimitMb: number;
  log: Logger;
  /** How often the child's RSS is measured (ms). */
  memoryPollMs?: number;
}

export interface Activation {
  description: PluginDescription;
  registrations: Registration[];
  ms: number;
}

/** The only variables a plugin sees: enough for Node and locale, never a key, token or the user's whole shell. */
const PLUGIN_ENV_ALLOW = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'WINDIR'];
export function pluginEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PLUGIN_ENV_ALLOW) if (source[k] !== undefined) env[k] = source[k]!;
  return env;
}

/** How long a plugin host process may take to start (Node + the host bundle) before activate's own timeout. */
const HOST_START_MS = 60_000;

/** `--permission` where this Node has it stable, else node 20's `--experimental-permission`. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/** Node flags that confine the plugin host: read the host, the plugin and the workspace; write the workspace. */
export function permissionArgs(hostScript: string, pluginDir: string, root: string | null, readOnly: boolean, memoryLimitMb: number): string[] {
  const all = [path.dirname(hostScript), pluginDir, ...(root ? [root] : [])].map((d) => path.resolve(d));
  // A folder inside another listed one is covered by it; listing both trips a Node 20 bug that then denies the
  // outer folder itself (realpath of the workspace root fails with ERR_ACCESS_DENIED).
  const within = (d: string, outer: string) => d !== outer && !path.relative(outer, d).startsWith('..') && !path.isAbsolute(path.relative(outer, d));
  const read = [...new Set(all)].filter((d, _i, list) => !list.some((o) => within(d, o)));
  return [
    PERMISSION_FLAG,
    ...read.map((d) => `--allow-fs-read=${d}`),
    ...(root && !readOnly ? [`--allow-fs-write=${root}`] : []),
    `--max-old-space-size=${memoryLimitMb}`,
    '--no-warnings',
  ];
}

/** Resident memory of a process in bytes (Linux /proc; elsewhere `ps`), or undefined when it cannot be read. */
async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    if (process.platform === 'linux') return undefined;
  }
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, out) => resolve(err ? undefined : Number(out.trim()) * 1024 || undefined));
  });
}

export class PluginIsolate {
  private worker: ChildProcess | null = null;
  private memoryTimer: NodeJS.Timeout | undefined;
  private signal: string | null = null;
  private onReady: () => void = () => {};
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: JsonValue) => void; reject: (e: Error) => void }>();
  private readonly registrations: Registration[] = [];
  private description: PluginDescription | null = null;
  private activation: { resolve: (a: Activation) => void; reject: (e: Error) => void; started: number } | null = null;
  private exitCalled: number | null | undefined;
  private uncaught: string | undefined;
  private stopping = false;
  /** Called once when the worker dies on its own after activation (uncaught error, process.exit, out of memory). */
  onDeath: (reason: string) => void = () => {};
  onRegistration: (r: Registration) => void = () => {};

  constructor(
    readonly name: string,
    private readonly options: IsolateOptions,
  ) {}

  /** Starts the worker and activates the plugin; rejects with the reason a person should read. */
  activate(msg: Extract<ToHost, { type: 'activate' }>, timeoutMs: number): Promise<Activation> {
    const started = performance.now();
    const promise = new Promise<Activation>((resolve, reject) => {
      this.activation = { resolve, reject, started };
    });
    const memoryLimitMb = this.options.memoryLimitMb;
    const worker = fork(this.options.hostScript, [], {
      execArgv: permissionArgs(this.options.hostScript, msg.dir, msg.root, msg.readOnly, memoryLimitMb),
      env: pluginEnv(),
      cwd: msg.root ?? msg.dir,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    // The connection decides when the server exits; an idle plugin must not keep the process alive.
    worker.unref();
    worker.channel?.unref();
    this.worker = worker;
    const log = this.options.log;
    for (const [stream, level] of [[worker.stdout, 'info'], [worker.stderr, 'warn']] as const) {
      if (!stream) continue;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (!line.trim()) continue;
          if (line.startsWith(HOST_MARK)) {
            this.lastWord(line.slice(HOST_MARK.length));
            continue;
          }
          if (/JavaScript heap out of memory|Reached heap limit/.test(line)) this.uncaught ??= `ran out of memory: the V8 heap limit (plugins.memoryLimitMb, ${memoryLimitMb} MB) was reached`;
          log[level]('plugin output', { plugin: this.name, line: line.slice(0, 2000) });
        }
      });
    }
    worker.on('message', (raw: unknown) => this.onMessage(raw));
    worker.on('error', (err: Error) => {
      this.uncaught = `plugin host error: ${err.message}`;
    });
    // 'close', not 'exit': the host's last word on stderr has been read by then.
    worker.on('close', (code, signal) => {
      this.signal = signal;
      this.onExit(code ?? -1);
    });
    // Off-heap memory (Buffers, ArrayBuffers) is outside V8's heap limit: the whole process is measured.
    const limit = memoryLimitMb * 1024 * 1024;
    this.memoryTimer = setInterval(() => {
      const pid = worker.pid;
      if (!pid || this.worker !== worker) return;
      void rssOf(pid).then((rss) => {
        if (rss === undefined || rss <= limit || this.worker !== worker) return;
        this.uncaught = `ran out of memory: ${Math.round(rss / 1048576)} MB resident, over plugins.memoryLimitMb (${memoryLimitMb} MB)`;
        worker.kill('SIGKILL');
      });
    }, this.options.memoryPollMs ?? 100);
    this.memoryTimer.unref();
    worker.send(msg);
    // Starting Node is not the plugin's activate: its timeout counts from the host's 'ready' (a busy machine can
    // take seconds to start a process); the start itself gets a generous bound of its own.
    let timer = setTimeout(() => {
      this.fail(`the plugin host process did not start within ${HOST_START_MS / 1000} s`);
      void this.stop();
    }, HOST_START_MS);
    this.onReady = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.fail(`activate did not finish within ${timeoutMs} ms`);
        void this.stop();
      }, timeoutMs);
    };
    return promise.finally(() => clearTimeout(timer));
  }

  /** Runs a command; a hang past `timeoutMs` stops the plugin (its state is unknown after that). */
  run(command: string, args: string[], timeoutMs: number): Promise<JsonValue> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error(`plugin ${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<JsonValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`command ${command} did not finish within ${timeoutMs} ms; plugin ${this.name} was stopped`));
        this.onDeath(`command ${command} did not finish within ${timeoutMs} ms`);
        void this.stop();
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      worker.send({ type: 'run', id, command, args } satisfies ToHost);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.memoryTimer);
    const w = this.worker;
    this.worker = null;
    if (w && w.exitCode === null && w.signalCode === null) {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGKILL');
      await exited;
    }
  }

  private fail(reason: string): void {
    const a = this.activation;
    this.activation = null;
    a?.reject(new Error(reason));
  }

  private lastWord(json: string): void {
    try {
      this.onMessage(JSON.parse(json));
    } catch {
      this.options.log.warn('plugin host wrote a malformed last word', { plugin: this.name });
    }
  }

  private onMessage(raw: unknown): void {
    const parsed = FromHost.safeParse(raw);
    if (!parsed.success) {
      this.options.log.warn('plugin host sent a bad message', { plugin: this.name, error: describeZodError('message', parsed.error) });
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'described':
        this.description = msg.description;
        return;
      case 'registered':
        this.registrations.push(msg.registration);
        if (!this.activation) this.onRegistration(msg.registration);
        return;
      case 'activated': {
        const a = this.activation;
        this.activation = null;
        if (a && this.description)
          a.resolve({ description: this.description, registrations: [...this.registrations], ms: performance.now() - a.started });
        return;
      }
      case 'activate-failed':
        this.fail(`activate failed: ${msg.error}`);
        void this.stop();
        return;
      case 'result':
        this.pending.get(msg.id)?.resolve(msg.value);
        this.pending.delete(msg.id);
        return;
      case 'run-failed':
        this.pending.get(msg.id)?.reject(new Error(msg.error));
        this.pending.delete(msg.id);
        return;
      case 'log':
        this.options.log[msg.level](msg.msg, { plugin: this.name, ...(msg.fields ?? {}) });
        return;
      case 'exit-called':
        this.exitCalled = msg.code;
        return;
      case 'ready':
        this.onReady();
        return;
      case 'uncaught':
        this.uncaught ??= `uncaught error: ${msg.error}`;
        return;
    }
  }

  private onExit(code: number): void {
    clearInterval(this.memoryTimer);
    this.worker = null;
    if (this.stopping) {
      for (const p of this.pending.values()) p.reject(new Error(`plugin ${this.name} was stopped`));
      this.pending.clear();
      return;
    }
    // An uncaught error also goes through process.exit inside the worker: the error is the better reason.
    const reason =
      this.uncaught ??
      (this.exitCalled !== undefined
        ? `called process.exit(${this.exitCalled ?? ''})`
        : this.signal
          ? `plugin host was killed by ${this.signal} (e.g. the plugin called process.kill(process.pid))`
          : `plugin host exited unexpectedly (code ${code})`);
    for (const p of this.pending.values()) p.reject(new Error(`plugin ${this.name} stopped: ${reason}`));
    this.pending.clear();
    if (this.activation) this.fail(reason);
    else this.onDeath(reason);
  }
}
