import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NamedFilesRetriever } from '../../server/src/context/named-files';
import { walkWorkspace } from '../../server/src/rag/walk';
import { listWorkspaceFiles } from '../../server/src/workspace/file-list';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let ws: TempWorkspace | undefined;
let outside: TempWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  outside?.dispose();
});

describe('workspace walk', () => {
  it('respects nested .gitignore, .nootropicignore and .git/info/exclude, and never enters .git or node_modules', async () => {
    ws = tempWorkspace();
    ws.write('.gitignore', 'build/\n*.log\n');
    ws.write('.nootropicignore', 'secret/\n');
    ws.write('.git/info/exclude', 'local.ts\n');
    ws.write('.git/config', '[core]\n');
    ws.write('src/a.ts', 'a');
    ws.write('src/.gitignore', 'gen.ts\n');
    ws.write('src/gen.ts', 'x');
    ws.write('build/out.js', 'x');
    ws.write('debug.log', 'x');
    ws.write('secret/key.ts', 'x');
    ws.write('local.ts', 'x');
    ws.write('node_modules/dep/index.js', 'x');
    ws.write('README.md', '# hi');
    const r = await walkWorkspace(ws.root, { maxFileBytes: 1_000_000 });
    expect(r.files.map((f) => f.rel).sort()).toEqual(['.gitignore', '.nootropicignore', 'README.md', 'src/.gitignore', 'src/a.ts']);
  });

  it('counts oversized files, skips links out of the workspace, and survives a symlink loop', async () => {
    ws = tempWorkspace();
    outside = tempWorkspace();
    outside.write('private.ts', 'export const secret = 1;');
    ws.write('src/a.ts', 'a');
    ws.write('huge.min.js', 'x'.repeat(2_000));
    symlinkSync(outside.root, path.join(ws.root, 'escape'));
    symlinkSync(path.join(outside.root, 'private.ts'), path.join(ws.root, 'leak.ts'));
    mkdirSync(path.join(ws.root, 'loop'));
    symlinkSync(path.join(ws.root, 'loop'), path.join(ws.root, 'loop', 'again'));
    symlinkSync(path.join(ws.root, 'nowhere'), path.join(ws.root, 'dangling.ts'));
    const r = await walkWorkspace(ws.root, { maxFileBytes: 1_000 });
    const rels = r.files.map((f) => f.rel);
    expect(rels).toContain('src/a.ts');
    expect(rels.some((p) => p.startsWith('escape') || p === 'leak.ts')).toBe(false);
    expect(r.skipped.tooLarge).toBe(1);
    expect(r.skipped.outsideWorkspace).toBe(2);
    expect(r.skipped.symlinkLoop).toBeGreaterThanOrEqual(1);
    expect(r.skipped.unreadable).toBe(1);
    writeFileSync(path.join(ws.root, 'src', 'b.ts'), 'b');
    expect((await walkWorkspace(ws.root, { maxFileBytes: 1_000 })).files.length).toBe(r.files.length + 1);
  });

  it('is the one walker: the index, the workspace file list and the named-files retriever keep and skip the same files', async () => {
    ws = tempWorkspace();
    ws.write('.gitignore', 'generated/\n');
    ws.write('.nootropicignore', 'private/\n');
    ws.write('src/notes.md', 'kept notes: the answer is here\n');
    ws.write('generated/notes.md', 'ignored notes (gitignore)\n');
    ws.write('private/notes.md', 'ignored notes (nootropicignore)\n');
    ws.write('node_modules/dep/notes.md', 'ignored notes (node_modules)\n');
    ws.write('.git/notes.md', 'ignored notes (.git)\n');
    const indexed = (await walkWorkspace(ws.root, { maxFileBytes: 1_000_000 })).files.map((f) => f.rel).sort();
    expect(indexed).toEqual(['.gitignore', '.nootropicignore', 'src/notes.md']);
    expect((await listWorkspaceFiles(ws.root)).sort()).toEqual(indexed);
    const chunks = await new NamedFilesRetriever(ws.root).retrieve('what is in notes.md?', 10, new AbortController().signal);
    expect([...new Set(chunks.map((c) => c.path))]).toEqual(['src/notes.md']);
  });
});
