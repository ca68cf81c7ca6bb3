/**
 * The server's own file watcher (rag/watcher.ts, chokidar) for clients that cannot watch for it: real folders,
 * real file-system events. It reports changes in kept folders and never lists or watches what the index's
 * walker ignores (node_modules, .git, .gitignore'd folders).
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { watchWorkspace, type WorkspaceWatcher } from '../../server/src/rag/watcher';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let ws: TempWorkspace | undefined;
let watcher: WorkspaceWatcher | undefined;
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  ws?.dispose();
});

describe('workspace file watcher (clients without didChangeWatchedFiles)', () => {
  it('reports created, changed and deleted files in kept folders, batched, as absolute paths', async () => {
    ws = tempWorkspace();
    ws.write('src/a.ts', 'export const a = 1;\n');
    const batches: string[][] = [];
    watcher = watchWorkspace(ws.root, (b) => batches.push(b), { debounceMs: 50 });
    await watcher.ready;
    const created = ws.write('src/deep/b.ts', 'export const b = 2;\n');
    await expect.poll(() => batches.flat()).toContain(created);
    const changed = ws.write('src/a.ts', 'export const a = 3;\n');
    await expect.poll(() => batches.flat()).toContain(changed);
    const before = batches.flat().filter((p) => p === created).length;
    rmSync(created);
    await expect.poll(() => batches.flat().filter((p) => p === created).length).toBeGreaterThan(before);
  });

  it('never watches node_modules, .git or .gitignore\'d folders, and reports nothing from them', async () => {
    ws = tempWorkspace();
    ws.write('.gitignore', 'build/\n');
    ws.write('.git/config', '[core]\n');
    ws.write('.git/objects/ab/cdef', 'x');
    ws.write('node_modules/dep/index.js', 'module.exports = 1;\n');
    ws.write('node_modules/dep/lib/deep.js', 'x');
    ws.write('build/out.js', 'x');
    ws.write('src/a.ts', 'export const a = 1;\n');
    const batches: string[][] = [];
    watcher = watchWorkspace(ws.root, (b) => batches.push(b), { debounceMs: 50 });
    await watcher.ready;
    const dirs = watcher.watchedDirs();
    expect(dirs).toContain('src');
    expect(dirs.filter((d) => /(^|\/)(node_modules|\.git|build)(\/|$)/.test(d))).toEqual([]);
    ws.write('node_modules/dep/index.js', 'module.exports = 2;\n');
    ws.write('node_modules/dep/new.js', 'x');
    ws.write('.git/HEAD', 'ref: refs/heads/main\n');
    ws.write('build/out2.js', 'x');
    // A kept change after the ignored ones: once it is reported, the ignored ones would have been too.
    const kept = ws.write('src/a.ts', 'export const a = 2;\n');
    await expect.poll(() => batches.flat()).toContain(kept);
    expect(batches.flat().filter((p) => /[\\/](node_modules|\.git|build)[\\/]/.test(p))).toEqual([]);
  });
});
