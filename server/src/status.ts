/**
 * The server's overall state for status bars: ready, or degraded with one line per reason. Domains report
 * their own degraded items under a key; the union is sent as `nootropic/server/status` when it changes.
 */
import { ServerStatus, type ServerStatusParams } from '../../shared/protocol';
import type { Logger } from './log';
import type { RpcRegistry } from './rpc/registry';

export class StatusReporter {
  private readonly reasons = new Map<string, string[]>();
  private lastSent = '';
  private ready = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly rpc: RpcRegistry,
    private readonly log: Logger,
  ) {}

  /** Replace the degraded reasons of one domain (an empty list clears them). */
  set(domain: string, reasons: string[]): void {
    if (reasons.length) this.reasons.set(domain, reasons);
    else this.reasons.delete(domain);
    this.publish();
  }

  /** Work whose outcome may change the status (e.g. plugins loading); `settled` waits for it. */
  track(work: Promise<unknown>): void {
    const p = work.catch(() => undefined).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves when tracked work is done, or after `timeoutMs`, so a report reflects it (`nootropic doctor`). */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
      timer.unref();
    });
    while (this.inFlight.size) {
      const done = await Promise.race([Promise.all([...this.inFlight]).then(() => true), timeout.then(() => false)]);
      if (!done) break;
    }
    clearTimeout(timer);
  }

  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.publish();
  }

  /** Degraded reasons of every domain but `domain` (doctor's own probe results are its `health` domain). */
  degradedExcept(domain: string): string[] {
    return [...this.reasons].filter(([d]) => d !== domain).flatMap(([, r]) => r);
  }

  current(): ServerStatusParams {
    const degraded = [...this.reasons.values()].flat();
    if (!this.ready) return { state: 'starting', message: 'nootropic is starting', degraded };
    if (degraded.length) return { state: 'degraded', message: `nootropic: ${degraded.length} problem(s)`, degraded };
    return { state: 'ready', message: 'nootropic is ready', degraded };
  }

  private publish(): void {
    if (!this.ready) return;
    const status = this.current();
    const key = JSON.stringify(status);
    if (key === this.lastSent) return;
    this.lastSent = key;
    if (status.degraded.length) this.log.warn('server degraded', { degraded: status.degraded });
    this.rpc.send(ServerStatus, status);
  }
}
