/**
 * Walks a workspace for indexing: .gitignore files (nested), .nootropicignore and .git/info/exclude respected;
 * binary, oversized and unreadable files skipped and counted; symlinks followed only inside the workspace
 * (a loop or an escape is skipped, never read). The one walker and one set of ignore rules for the index, the
 * workspace file list (workspace/file-list.ts) and the file watcher (`ignoreMatcher`).
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

export interface WalkedFile {
  /** Relative to the root, with `/` separators. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface SkipCounts {
  binary: number;
  tooLarge: number;
  unreadable: number;
  outsideWorkspace: number;
  symlinkLoop: number;
}

export interface WalkResult {
  files: WalkedFile[];
  skipped: SkipCounts;
}

/** Never indexed, listed or watched, whatever the ignore files say. */
export const ALWAYS_IGNORED = ['.git/', '.nootropic-cache/', 'node_modules/', '.hg/', '.svn/'];
export const ALWAYS_IGNORED_DIRS = new Set(ALWAYS_IGNORED.map((d) => d.slice(0, -1)));

export const BINARY_PROBE_BYTES = 8_000;

export function looksBinary(head: Buffer): boolean {
  return head.subarray(0, BINARY_PROBE_BYTES).includes(0);
}

async function readIgnoreFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

interface Scope {
  /** Directory (relative, '' for root) the rules in `ig` are relative to. */
  base: string;
  ig: Ignore;
}

function ignoredBy(scopes: Scope[], rel: string, isDir: boolean): boolean {
  for (const s of scopes) {
    const sub = s.base ? rel.slice(s.base.length + 1) : rel;
    if (!sub) continue;
    if (s.ig.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

function rootScopeOf(root: string): Scope {
  const rootScope: Scope = { base: '', ig: ignore().add(ALWAYS_IGNORED) };
  for (const f of [path.join(root, '.git', 'info', 'exclude'), path.join(root, '.nootropicignore')]) {
    try {
      rootScope.ig.add(readFileSync(f, 'utf8'));
    } catch {
      /* absent */
    }
  }
  return rootScope;
}

/**
 * The walker's rules as a synchronous test for any workspace-relative path (for the file watcher): the root's
 * rules, then each ancestor folder's .gitignore (read once, cached; `invalidate` after a .gitignore changes).
 */
export function ignoreMatcher(root: string): { ignored(rel: string, isDir: boolean): boolean; invalidate(): void } {
  let rootScope = rootScopeOf(root);
  const dirScopes = new Map<string, Scope | null>();
  const scopeOf = (relDir: string): Scope | null => {
    let s = dirScopes.get(relDir);
    if (s !== undefined) return s;
    try {
      s = { base: relDir, ig: ignore().add(readFileSync(path.join(root, relDir, '.gitignore'), 'utf8')) };
    } catch {
      s = null;
    }
    dirScopes.set(relDir, s);
    return s;
  };
  return {
    ignored(rel, isDir) {
      if (!rel || rel === '.') return false;
      const parts = rel.split('/');
      if (parts.some((p) => ALWAYS_IGNORED_DIRS.has(p))) return true;
      const scopes: Scope[] = [rootScope];
      // Every ancestor must itself be kept (an ignored folder hides everything under it).
      for (let i = 0; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        const own = i === 0 ? scopeOf('') : scopeOf(dir);
        if (own) scopes.push(own);
        const sub = parts.slice(0, i + 1).join('/');
        if (ignoredBy(scopes, sub, i < parts.length - 1 || isDir)) return true;
      }
      return false;
    },
    invalidate() {
      rootScope = rootScopeOf(root);
      dirScopes.clear();
    },
  };
}

export async function walkWorkspace(root: string, opts: { maxFileBytes: number; signal?: AbortSignal; maxFiles?: number; followSymlinks?: boolean }): Promise<WalkResult> {
  const rootReal = await fs.realpath(root);
  const skipped: SkipCounts = { binary: 0, tooLarge: 0, unreadable: 0, outsideWorkspace: 0, symlinkLoop: 0 };
  const files: WalkedFile[] = [];
  const maxFiles = opts.maxFiles ?? Infinity;
  const rootScope = rootScopeOf(root);
  const visitedDirs = new Set<string>();

  const walkDir = async (absDir: string, relDir: string, scopes: Scope[]): Promise<void> => {
    if (opts.signal?.aborted) throw new Error('indexing cancelled');
    let real: string;
    try {
      real = await fs.realpath(absDir);
    } catch {
      skipped.unreadable++;
      return;
    }
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
      skipped.outsideWorkspace++;
      return;
    }
    if (visitedDirs.has(real)) {
      skipped.symlinkLoop++;
      return;
    }
    visitedDirs.add(real);
    const gi = await readIgnoreFile(path.join(absDir, '.gitignore'));
    const here = gi ? [...scopes, { base: relDir, ig: ignore().add(gi) }] : scopes;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(absDir, { withFileTypes: true });
    } catch {
      skipped.unreadable++;
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (files.length >= maxFiles) return;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const abs = path.join(absDir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        if (opts.followSymlinks === false) continue;
        try {
          const st = await fs.stat(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
          const target = await fs.realpath(abs);
          if (target !== rootReal && !target.startsWith(rootReal + path.sep)) {
            if (!ignoredBy(here, rel, isDir)) skipped.outsideWorkspace++;
            continue;
          }
        } catch {
          skipped.unreadable++; // dangling link
          continue;
        }
      }
      if (ignoredBy(here, rel, isDir)) continue;
      if (isDir) await walkDir(abs, rel, here);
      else if (isFile) {
        try {
          const st = await fs.stat(abs);
          if (st.size > opts.maxFileBytes) {
            skipped.tooLarge++;
            continue;
          }
          files.push({ rel, abs, size: st.size, mtimeMs: st.mtimeMs });
        } catch {
          skipped.unreadable++;
        }
      }
    }
  };
  await walkDir(root, '', [rootScope]);
  return { files, skipped };
}
