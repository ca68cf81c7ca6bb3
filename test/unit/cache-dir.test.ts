import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheRootOf, makeCacheDir, makeCacheDirSync } from '../../server/src/workspace/cache-dir';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('.nootropic-cache/ ignores itself (server/src/workspace/cache-dir.ts)', () => {
  it('creates the folder and .nootropic-cache/.gitignore with *, for nested folders too', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'cache-dir-'));
    const dir = await makeCacheDir(path.join(root, '.nootropic-cache', 'edits'));
    expect(existsSync(dir)).toBe(true);
    expect(readFileSync(path.join(root, '.nootropic-cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    makeCacheDirSync(path.join(root, '.nootropic-cache', 'index', 'lancedb'));
    expect(existsSync(path.join(root, '.nootropic-cache', 'index', 'lancedb'))).toBe(true);
  });

  it('leaves an existing .gitignore alone and writes none outside a cache folder', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'cache-dir-'));
    await makeCacheDir(path.join(root, '.nootropic-cache'));
    writeFileSync(path.join(root, '.nootropic-cache', '.gitignore'), 'mine\n');
    makeCacheDirSync(path.join(root, '.nootropic-cache', 'runs'));
    expect(readFileSync(path.join(root, '.nootropic-cache', '.gitignore'), 'utf8')).toBe('mine\n');
    await makeCacheDir(path.join(root, 'out', 'feedback'));
    expect(existsSync(path.join(root, 'out', '.gitignore'))).toBe(false);
    expect(cacheRootOf(path.join(root, 'out'))).toBeUndefined();
    expect(cacheRootOf(path.join(root, '.nootropic-cache', 'a', 'b'))).toBe(path.join(root, '.nootropic-cache'));
  });
});
