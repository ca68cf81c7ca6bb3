import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfinementError, readConfined, writeConfined } from '../../server/src/workspace/confinement';
import { listWorkspaceFiles } from '../../server/src/workspace/file-list';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let ws: TempWorkspace;
let outside: string;
afterEach(() => {
  ws?.dispose();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

function setup(): void {
  ws = tempWorkspace('nootropic-confine-');
  outside = mkdtempSync(path.join(os.tmpdir(), 'nootropic-outside-'));
  ws.write('src/a.ts', 'export const a = 1;\n');
}

describe('workspace confinement (plugin file access)', () => {
  it('reads and atomically writes workspace-relative paths, creating folders', async () => {
    setup();
    expect(await readConfined(ws.root, 'src/a.ts')).toBe('export const a = 1;\n');
    await writeConfined(ws.root, 'notes/deep/n.md', 'hi');
    expect(readFileSync(path.join(ws.root, 'notes/deep/n.md'), 'utf8')).toBe('hi');
    await writeConfined(ws.root, 'notes/deep/n.md', 'again');
    expect(readFileSync(path.join(ws.root, 'notes/deep/n.md'), 'utf8')).toBe('again');
    expect(readdirSync(path.join(ws.root, 'notes/deep'))).toEqual(['n.md']); // no temp files left behind
  });

  it('leaves .nootropic-cache/ ignored by git when a plugin writes into it, and writes no .gitignore elsewhere', async () => {
    setup();
    execFileSync('git', ['init', '-q'], { cwd: ws.root });
    await writeConfined(ws.root, '.nootropic-cache/plugins/todo/state.json', '{"n":1}');
    expect(readFileSync(path.join(ws.root, '.nootropic-cache/plugins/todo/state.json'), 'utf8')).toBe('{"n":1}');
    expect(readFileSync(path.join(ws.root, '.nootropic-cache/.gitignore'), 'utf8')).toMatch(/^\*$/m);
    await writeConfined(ws.root, 'notes/n.md', 'hi');
    expect(existsSync(path.join(ws.root, 'notes/.gitignore'))).toBe(false);
    // What `git add -A` would take: the workspace's own files, nothing under the cache.
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ws.root, encoding: 'utf8' });
    expect(status).toContain('notes/n.md');
    expect(status).not.toContain('.nootropic-cache');
  });

  it('refuses absolute paths, .. escapes and the root itself', async () => {
    setup();
    const target = path.join(outside, 'x.txt');
    await expect(writeConfined(ws.root, target, 'x')).rejects.toThrow(/absolute path/);
    await expect(writeConfined(ws.root, '../x.txt', 'x')).rejects.toThrow(/leaves the workspace/);
    await expect(writeConfined(ws.root, 'src/../../x.txt', 'x')).rejects.toThrow(ConfinementError);
    await expect(readConfined(ws.root, '../../../etc/passwd')).rejects.toThrow(/leaves the workspace/);
    await expect(writeConfined(ws.root, '.', 'x')).rejects.toThrow(/leaves the workspace/);
    await expect(writeConfined(ws.root, 'a\0b', 'x')).rejects.toThrow(/NUL/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(path.join(path.dirname(ws.root), 'x.txt'))).toBe(false);
  });

  it('refuses symlinks that lead outside, for existing files and for new files under a linked folder', async () => {
    setup();
    ws.write('../' + path.basename(outside) + '/secret.txt', 'secret');
    symlinkSync(outside, path.join(ws.root, 'linked-dir'));
    symlinkSync(path.join(outside, 'secret.txt'), path.join(ws.root, 'linked-file'));
    await expect(readConfined(ws.root, 'linked-file')).rejects.toThrow(/symlink/);
    await expect(readConfined(ws.root, 'linked-dir/secret.txt')).rejects.toThrow(/symlink/);
    await expect(writeConfined(ws.root, 'linked-dir/new/evil.txt', 'x')).rejects.toThrow(/symlink/);
    await expect(writeConfined(ws.root, 'linked-file', 'x')).rejects.toThrow(/symlink/);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(existsSync(path.join(outside, 'new'))).toBe(false);
  });

  it('lists files honouring .gitignore, skipping caches and symlinks', async () => {
    setup();
    ws.write('.gitignore', 'build/\n*.log\n');
    ws.write('build/out.js', 'x');
    ws.write('debug.log', 'x');
    ws.write('node_modules/dep/index.js', 'x');
    ws.write('.nootropic-cache/x.json', '{}');
    ws.write('pkg/.gitignore', 'gen.ts\n');
    ws.write('pkg/gen.ts', 'x');
    ws.write('pkg/keep.ts', 'x');
    mkdirSync(path.join(ws.root, 'empty'));
    symlinkSync(outside, path.join(ws.root, 'link'));
    expect(await listWorkspaceFiles(ws.root)).toEqual(['.gitignore', 'pkg/.gitignore', 'pkg/keep.ts', 'src/a.ts']);
    expect(await listWorkspaceFiles(ws.root, 2)).toHaveLength(2);
  });
});
