/**
 * One plugin in its own worker thread (dist/plugin-host.js), with timeouts. Why a worker and not a child
 * process: measured here, activation takes ~89 ms instead of ~162 ms and each live plugin costs ~17 MB instead of
 * ~59 MB (bench/plugin-isolation.mjs, docs/plugins.md), while a throw, a hang (terminate() stops even a busy loop) or process.exit (it ends only the
 * worker) still cannot take the server down. The worker's stdout is piped, never inherited: on the stdio
 * transport the server's stdout is the LSP channel and a plugin's console.log would corrupt it.
 */
import { Worker } from 'node:worker_threads';
import type { JsonValue } from '../../../plugins/api';
import type { PluginDescription, Registration } from '../../../shared/plugins/manifest';
import { describeZodError } from '../../../shared/protocol/errors';
import type { Logger } from '../log';
import { FromHost, type ToHost } from './host-protocol';
import { childEnv } from '../security/child-env';

export interface IsolateOptions {
  hostScript: string;
  memoryLimitMb: number;
  log: Logger;
}

export interface Activation {
  description: PluginDescription;
  registrations: Registration[];
  ms: number;
}


export class PluginIsolate {
  private worker: Worker | null = null;
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
    const worker = new Worker(this.options.hostScript, {
      stdout: true,
      stderr: true,
      // Secrets stay with the server: plugins get the allow-listed child environment (security/child-env.ts).
      env: childEnv(),
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb },
      name: `plugin:${this.name}`,
    });
    // The connection decides when the server exits; an idle plugin must not keep the process alive.
    worker.unref();
    this.worker = worker;
    const log = this.options.log;
    for (const [stream, level] of [[worker.stdout, 'info'], [worker.stderr, 'warn']] as const) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) log[level]('plugin output', { plugin: this.name, line: line.slice(0, 2000) });
      });
    }
    worker.on('message', (raw: unknown) => this.onMessage(raw));
    worker.on('error', (err: Error) => {
      this.uncaught = `${(err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : 'uncaught error'}: ${err.message}`;
    });
    worker.on('exit', (code) => this.onExit(code));
    worker.postMessage(msg);
    const timer = setTimeout(() => {
      this.fail(`activate did not finish within ${timeoutMs} ms`);
      void this.stop();
    }, timeoutMs);
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
      worker.postMessage({ type: 'run', id, command, args } satisfies ToHost);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private fail(reason: string): void {
    const a = this.activation;
    this.activation = null;
    a?.reject(new Error(reason));
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
    }
  }

  private onExit(code: number): void {
    this.worker = null;
    if (this.stopping) {
      for (const p of this.pending.values()) p.reject(new Error(`plugin ${this.name} was stopped`));
      this.pending.clear();
      return;
    }
    // An uncaught error also goes through process.exit inside the worker: the error is the better reason.
    const reason =
      this.uncaught ??
      (this.exitCalled !== undefined ? `called process.exit(${this.exitCalled ?? ''})` : `plugin host exited unexpectedly (code ${code})`);
    for (const p of this.pending.values()) p.reject(new Error(`plugin ${this.name} stopped: ${reason}`));
    this.pending.clear();
    if (this.activation) this.fail(reason);
    else this.onDeath(reason);
  }
}
