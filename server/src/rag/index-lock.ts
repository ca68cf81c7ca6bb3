/**
 * One index writer at a time across processes (an editor's server and `nootropic index` in a terminal, or two
 * `index --force`): `.nootropic-cache/index/writer.lock` holds the writer's pid, created exclusively. A lock
 * whose pid is dead is stale: it is taken over, and it also means that writer was killed mid-write (the next
 * open reports "resumed an interrupted build"). A live holder is waited for, up to a bound, then named.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const LOCK_FILE = 'writer.lock';
const Holder = z.object({ pid: z.number().int(), startedAt: z.number(), what: z.string() });
export type LockHolder = z.infer<typeof Holder>;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The current holder, if the lock file exists and parses (a torn lock file reads as a dead holder). */
export function lockHolder(dir: string): LockHolder | undefined {
  try {
    return Holder.parse(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, startedAt: 0, what: 'unreadable lock file' };
  }
}

export class IndexLockBusy extends Error {
  constructor(readonly holder: LockHolder) {
    super(`another nootropic process (pid ${holder.pid}, ${holder.what}, since ${new Date(holder.startedAt).toISOString()}) is writing this index; try again when it ends`);
  }
}

export interface HeldLock {
  /** Set when a dead writer's lock was taken over: that writer stopped mid-write. */
  tookOverFrom?: LockHolder;
  release(): void;
}

/**
 * Takes the lock, waiting up to `waitMs` for a live holder (re-entrant within this process: the caller
 * serialises its own writes). `onWait` is told once who is being waited for.
 */
export async function acquireIndexLock(dir: string, what: string, opts: { waitMs: number; signal?: AbortSignal; onWait?: (h: LockHolder) => void }): Promise<HeldLock> {
  const file = path.join(dir, LOCK_FILE);
  const deadline = Date.now() + opts.waitMs;
  let told = false;
  let tookOverFrom: LockHolder | undefined;
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: Date.now(), what }), { flag: 'wx' });
      return {
        ...(tookOverFrom ? { tookOverFrom } : {}),
        release: () => {
          if (lockHolder(dir)?.pid === process.pid) {
            try {
              unlinkSync(file);
            } catch {
              /* already gone */
            }
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = lockHolder(dir);
    if (!holder) continue; // released between our attempt and the read
    if (holder.pid === process.pid || !pidAlive(holder.pid)) {
      // Our own leftover (a previous write in this process died) or a dead process: stale.
      if (holder.pid !== process.pid) tookOverFrom = holder;
      try {
        const now = lockHolder(dir);
        if (now && now.pid === holder.pid && now.startedAt === holder.startedAt) unlinkSync(file);
      } catch {
        /* another process took it over first */
      }
      continue;
    }
    if (opts.signal?.aborted) throw new Error('indexing cancelled');
    if (Date.now() >= deadline) throw new IndexLockBusy(holder);
    if (!told) {
      told = true;
      opts.onWait?.(holder);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
