/**
 * `.nootropic-cache/` keeps itself out of version control: every writer creates its folders through
 * `makeCacheDir` (or its sync twin), which also writes `.nootropic-cache/.gitignore` (`*`) when it is missing —
 * the server, the CLI's in-process commands (`edit apply`, `undo`) and plugins alike, so `git add -A` on a fresh
 * repository never commits the index, the undo journal's file copies or the traces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CACHE_DIR = '.nootropic-cache';
const IGNORE_ALL = '# written by nootropic: this folder is a local cache\n*\n';

/** The `.nootropic-cache` folder `dir` lies in (or is), or undefined when it is outside one. */
export function cacheRootOf(dir: string): string | undefined {
  const parts = path.resolve(dir).split(path.sep);
  const i = parts.lastIndexOf(CACHE_DIR);
  return i < 0 ? undefined : parts.slice(0, i + 1).join(path.sep) || path.sep;
}

function ignoreError(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
}

/** `mkdir -p dir`; when dir is inside `.nootropic-cache/`, that folder gets its `.gitignore`. Returns dir. */
export async function makeCacheDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const cache = cacheRootOf(dir);
  if (cache) await writeFile(path.join(cache, '.gitignore'), IGNORE_ALL, { flag: 'wx' }).catch(ignoreError);
  return dir;
}

/** The synchronous twin of `makeCacheDir`, for constructors. */
export function makeCacheDirSync(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const cache = cacheRootOf(dir);
  if (cache) {
    try {
      writeFileSync(path.join(cache, '.gitignore'), IGNORE_ALL, { flag: 'wx' });
    } catch (err) {
      ignoreError(err);
    }
  }
  return dir;
}
