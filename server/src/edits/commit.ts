/**
 * All-or-nothing writes across files: every new content goes to a temp file beside its target first; only when all
 * temp files exist (and every target still holds what the edit was computed from) are they renamed over the targets.
 * If a rename fails part-way, the targets already replaced are restored from their prior content and created files
 * and folders are removed, so a failure leaves the workspace as it was.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { confinedPath } from '../workspace/confinement';

export interface PlannedWrite {
  /** Root-relative, '/' separators. */
  rel: string;
  /** What the file holds on disk now (null: absent); checked again just before the renames. */
  onDisk: string | null;
  /** What it will hold (null: deleted). */
  after: string | null;
}

/** Test seam: runs before each rename (index in the write list), so a test can make the second one fail. */
export interface CommitHooks {
  /** After the temp files are written, before targets are checked for changes made meanwhile. */
  afterStage?: () => void | Promise<void>;
  beforeRename?: (index: number, rel: string) => void | Promise<void>;
  /** After target `index` was replaced. */
  afterRename?: (index: number, rel: string) => void | Promise<void>;
}

export class CommitError extends Error {}

/** Temp files this module writes beside `abs` (any process): `.<name>.<pid>.<hex>.nootropic-tmp`. */
export function isTempFor(name: string, base: string): boolean {
  return name.startsWith(`.${base}.`) && /^\.\d+\.[0-9a-f]{8}\.nootropic-tmp$/.test(name.slice(base.length + 1));
}

function tempName(abs: string): string {
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.nootropic-tmp`);
}

export async function readOrNull(abs: string): Promise<string | null> {
  try {
    return await fs.readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates missing parent folders (inside root) and returns those it created, deepest last. */
async function ensureDir(root: string, dir: string): Promise<string[]> {
  const created: string[] = [];
  const missing: string[] = [];
  let cur = dir;
  while (cur.startsWith(root) && cur !== root) {
    try {
      await fs.stat(cur);
      break;
    } catch {
      missing.unshift(cur);
      cur = path.dirname(cur);
    }
  }
  for (const d of missing) {
    await fs.mkdir(d);
    created.push(d);
  }
  return created;
}

async function atomicWrite(abs: string, text: string, mode?: number): Promise<void> {
  const tmp = tempName(abs);
  try {
    await fs.writeFile(tmp, text, { flag: 'wx', ...(mode !== undefined ? { mode } : {}) });
    if (mode !== undefined) await fs.chmod(tmp, mode);
    await fs.rename(tmp, abs);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function commitWrites(root: string, writes: PlannedWrite[], hooks: CommitHooks = {}): Promise<void> {
  const staged: { abs: string; tmp?: string; mode?: number }[] = [];
  const createdDirs: string[] = [];
  const done: number[] = [];
  const cleanup = async () => {
    for (const s of staged) if (s.tmp) await fs.rm(s.tmp, { force: true }).catch(() => undefined);
    for (const d of [...createdDirs].reverse()) await fs.rmdir(d).catch(() => undefined);
  };
  try {
    for (const w of writes) {
      const abs = await confinedPath(root, w.rel);
      let mode: number | undefined;
      try {
        mode = (await fs.stat(abs)).mode & 0o7777;
      } catch {
        mode = undefined;
      }
      if (w.after === null) {
        staged.push({ abs });
        continue;
      }
      createdDirs.push(...(await ensureDir(root, path.dirname(abs))));
      await confinedPath(root, w.rel); // a folder created meanwhile must not be a symlink out
      const tmp = tempName(abs);
      staged.push({ abs, tmp, ...(mode !== undefined ? { mode } : {}) });
      // Synced before any rename: a crash after a rename must find the new content there, not an empty file.
      const fh = await fs.open(tmp, 'wx', mode ?? 0o666);
      try {
        await fh.writeFile(w.after);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (mode !== undefined) await fs.chmod(tmp, mode);
    }
    await hooks.afterStage?.();
    for (let i = 0; i < writes.length; i++) {
      const now = await readOrNull(staged[i]!.abs);
      if (now !== writes[i]!.onDisk) throw new CommitError(`${writes[i]!.rel} changed on disk while the edit was being prepared`);
    }
  } catch (err) {
    await cleanup();
    throw err instanceof CommitError ? err : new CommitError(`could not stage the change: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    for (let i = 0; i < writes.length; i++) {
      await hooks.beforeRename?.(i, writes[i]!.rel);
      const s = staged[i]!;
      if (s.tmp) await fs.rename(s.tmp, s.abs);
      else await fs.rm(s.abs);
      done.push(i);
      await hooks.afterRename?.(i, writes[i]!.rel);
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const failed: string[] = [];
    for (const i of [...done].reverse()) {
      const w = writes[i]!;
      const s = staged[i]!;
      try {
        if (w.onDisk === null) await fs.rm(s.abs, { force: true });
        else await atomicWrite(s.abs, w.onDisk, s.mode);
      } catch (e) {
        failed.push(`${w.rel} (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    await cleanup();
    if (failed.length) throw new CommitError(`writing failed (${why}) and restoring ${failed.join(', ')} failed too`);
    throw new CommitError(`writing failed (${why}); every file was restored`);
  }
}
