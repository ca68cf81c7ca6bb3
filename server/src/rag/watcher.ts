/**
 * The server's own file watcher, for clients that cannot watch for it (the CLI, editors without dynamic
 * `workspace/didChangeWatchedFiles` registration). chokidar 4 (one non-recursive fs.watch per kept folder) with
 * the index's ignore rules (rag/walk.ts `ignoreMatcher`) as its filter: ignored folders — node_modules, .git,
 * anything .gitignore'd — are never listed or watched. Its initial scan is asynchronous: start-up never blocks
 * on the tree's size. Measured against Node's fs.watch(recursive) in bench/index-scale (docs/retrieval.md).
 */
import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';
import { ignoreMatcher } from './walk';

export interface WorkspaceWatcher {
  /** Resolves when the initial (asynchronous) scan is done and events flow. */
  ready: Promise<void>;
  /** The folders being watched, workspace-relative ('' for the root), `/`-separated. */
  watchedDirs(): string[];
  close(): Promise<void>;
}

/** Watches `root`; `onChange` gets absolute paths (created, changed, deleted), batched by `debounceMs`. */
export function watchWorkspace(root: string, onChange: (absPaths: string[]) => void, opts: { debounceMs?: number; onError?: (err: Error) => void } = {}): WorkspaceWatcher {
  const rules = ignoreMatcher(root);
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const push = (abs: string) => {
    if (path.basename(abs) === '.gitignore' || path.basename(abs) === '.nootropicignore') rules.invalidate();
    pending.add(abs);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const batch = [...pending];
      pending.clear();
      onChange(batch);
    }, opts.debounceMs ?? 150);
  };
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (abs, stats) => {
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (!rel || rel.startsWith('..')) return false;
      return rules.ignored(rel, stats ? stats.isDirectory() : false);
    },
  });
  watcher.on('add', push).on('change', push).on('unlink', push);
  watcher.on('error', (err) => opts.onError?.(err instanceof Error ? err : new Error(String(err))));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    watchedDirs: () =>
      Object.keys(watcher.getWatched())
        .map((d) => path.relative(root, d).split(path.sep).join('/'))
        .filter((d) => !d.startsWith('..'))
        .sort(),
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
