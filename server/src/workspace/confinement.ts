/**
 * Keeps file access inside the workspace: a path is refused when it is absolute, when `..` takes it out of the
 * root, or when a symlink on the way resolves outside the root. Lexical checks alone miss symlinks, so the
 * nearest existing ancestor is resolved with realpath as well. Used for plugin reads and writes.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, makeCacheDir } from './cache-dir';

export class ConfinementError extends Error {}

function inside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Lexical check: a workspace-relative path that stays inside `root`; returns the absolute path. */
export function lexicalPath(root: string, relPath: string): string {
  if (typeof relPath !== 'string' || relPath === '') throw new ConfinementError('a workspace-relative path is required');
  if (relPath.includes('\0')) throw new ConfinementError(`refused path with a NUL byte: ${JSON.stringify(relPath)}`);
  if (path.isAbsolute(relPath) || /^[a-zA-Z]:[\\/]/.test(relPath) || relPath.startsWith('\\\\'))
    throw new ConfinementError(`refused absolute path ${relPath}: use a path relative to the workspace root`);
  const abs = path.resolve(root, relPath);
  if (!inside(root, abs) || abs === root) throw new ConfinementError(`refused path ${relPath}: it leaves the workspace`);
  return abs;
}

/** The real path of `abs` or, when it does not exist yet, of its nearest existing ancestor. */
async function realpathOfNearest(abs: string): Promise<string> {
  let cur = abs;
  for (;;) {
    try {
      return await fs.realpath(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(cur);
      if (parent === cur) return cur;
      cur = parent;
    }
  }
}

/** The absolute path for `relPath`, after checking that neither `..` nor a symlink takes it outside `root`. */
export async function confinedPath(root: string, relPath: string): Promise<string> {
  const abs = lexicalPath(root, relPath);
  const realRoot = await fs.realpath(root);
  const real = await realpathOfNearest(abs).catch((err: NodeJS.ErrnoException) => {
    // A plugin host under Node's permission model may not even look outside its folders: a symlink out is refused.
    if (err.code === 'ERR_ACCESS_DENIED') throw new ConfinementError(`refused path ${relPath}: it leads outside what this process may access`);
    throw err;
  });
  if (!inside(realRoot, real)) throw new ConfinementError(`refused path ${relPath}: a symlink takes it outside the workspace`);
  return abs;
}

export async function readConfined(root: string, relPath: string): Promise<string> {
  return fs.readFile(await confinedPath(root, relPath), 'utf8');
}

/** Atomic write (temp file + rename) of a confined path; parent folders are created inside the root. */
export async function writeConfined(root: string, relPath: string, text: string): Promise<void> {
  if (typeof text !== 'string') throw new ConfinementError('writeFile expects text');
  const abs = await confinedPath(root, relPath);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  // mkdir may have followed nothing new, but re-check: a symlinked folder could have been created meanwhile.
  await confinedPath(root, relPath);
  // Into the workspace's `.nootropic-cache/` (not one above the root): it stays ignored by git, as every writer leaves it.
  if (path.relative(root, abs).split(path.sep).includes(CACHE_DIR)) await makeCacheDir(path.dirname(abs));
  const tmp = `${abs}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, text, { flag: 'wx' });
    await fs.rename(tmp, abs);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
