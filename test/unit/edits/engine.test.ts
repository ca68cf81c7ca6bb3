// The edit engine in-process: each format, each tolerance, refusals that name the block, AST safety, confinement,
// all-or-nothing commits and undo. Every test works on a real temp folder.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEdits, listChangeSets, undo } from '../../../server/src/edits';
import { tempWorkspace, type TempWorkspace } from '../../support/paths';

let ws: TempWorkspace;
afterEach(() => ws?.dispose());
const setup = (files: Record<string, string>) => {
  ws = tempWorkspace('nootropic-edits-');
  for (const [p, t] of Object.entries(files)) ws.write(p, t);
  return ws;
};
const read = (p: string) => readFileSync(path.join(ws.root, p), 'utf8');
const sr = (file: string, search: string, replace: string, fence = true) =>
  [file, ...(fence ? ['```ts'] : []), '<<<<<<< SEARCH', search, '=======', replace, '>>>>>>> REPLACE', ...(fence ? ['```'] : [])].join('\n');

const MATH = 'export function add(a: number, b: number) {\n  return a - b;\n}\n\nexport function mul(a: number, b: number) {\n  return a * b;\n}\n';

describe('formats', () => {
  it('SEARCH/REPLACE, fenced with a path line, applies exactly and journals the change', async () => {
    setup({ 'src/math.ts': MATH });
    const r = await applyEdits({ root: ws.root, text: `Fix:\n\n${sr('src/math.ts', '  return a - b;', '  return a + b;')}\n` });
    expect(r.reason).toBeUndefined();
    expect(r.applied).toBe(true);
    expect(read('src/math.ts')).toBe(MATH.replace('a - b', 'a + b'));
    expect(r.diff).toContain('--- a/src/math.ts\n+++ b/src/math.ts');
    expect(r.diff).toContain('-  return a - b;\n+  return a + b;');
    expect(r.changeSetId).toBeTruthy();
    expect(await listChangeSets(ws.root)).toMatchObject([{ id: r.changeSetId, files: ['src/math.ts'] }]);
  });

  it('unified diff with wrong hunk numbers and counts is located by context', async () => {
    setup({ 'src/math.ts': MATH });
    const diff = ['```diff', '--- a/src/math.ts', '+++ b/src/math.ts', '@@ -40,9 +40,1 @@', ' export function mul(a: number, b: number) {', '-  return a * b;', '+  return b * a;', ' }', '```'].join('\n');
    const r = await applyEdits({ root: ws.root, text: diff });
    expect(r.applied, r.reason).toBe(true);
    expect(read('src/math.ts')).toBe(MATH.replace('a * b', 'b * a'));
  });

  it('whole-file replacement under a path line; creates new files too', async () => {
    setup({ 'a.py': 'x = 1\n' });
    const r = await applyEdits({ root: ws.root, text: 'a.py\n```python\nx = 2\ny = 3\n```\n\nnew/b.py\n```python\nprint(1)\n```\n' });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.py')).toBe('x = 2\ny = 3\n');
    expect(read('new/b.py')).toBe('print(1)\n');
    expect(r.changes.find((c) => c.path === 'new/b.py')?.before).toBeNull();
  });

  it('replace symbol: a method located with tree-sitter, re-indented to where it sits', async () => {
    const src = 'class A {\n  keep() { return 0; }\n  run(x: number) {\n    return x;\n  }\n}\n';
    setup({ 'a.ts': src });
    const text = 'a.ts\n```ts\n<<<<<<< SYMBOL A.run\nrun(x: number) {\n  return x * 2;\n}\n>>>>>>> REPLACE\n```';
    const r = await applyEdits({ root: ws.root, text });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.ts')).toBe('class A {\n  keep() { return 0; }\n  run(x: number) {\n    return x * 2;\n  }\n}\n');
    const missing = await applyEdits({ root: ws.root, text: 'a.ts\n<<<<<<< SYMBOL nope\nfunction nope() {}\n>>>>>>> REPLACE' });
    expect(missing).toMatchObject({ applied: false, reason: expect.stringMatching(/block 1 \(symbol nope\): no function, method or class named nope/) });
  });
});

describe('tolerances', () => {
  it('CRLF file with a BOM: LF search text matches, the file keeps CRLF and its BOM', async () => {
    const crlf = '\uFEFF' + MATH.replace(/\n/g, '\r\n');
    setup({ 'src/math.ts': crlf });
    const r = await applyEdits({ root: ws.root, text: sr('src/math.ts', 'export function add(a: number, b: number) {\n  return a - b;', 'export function add(a: number, b: number) {\n  // fixed\n  return a + b;') });
    expect(r.applied, r.reason).toBe(true);
    const out = readFileSync(path.join(ws.root, 'src/math.ts'));
    expect(out.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(out.toString('utf8')).toBe(crlf.replace('{\r\n  return a - b;', '{\r\n  // fixed\r\n  return a + b;'));
    expect(out.toString('utf8').replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('trailing whitespace the model dropped: matched, and unchanged lines keep theirs', async () => {
    const src = 'a = 1   \nb = 2\t\nc = 3\n';
    setup({ 'x.txt': src });
    const r = await applyEdits({ root: ws.root, text: sr('x.txt', 'a = 1\nb = 2', 'a = 1\nb = 20') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('x.txt')).toBe('a = 1   \nb = 20\nc = 3\n');
  });

  it('a uniform indentation shift: the replacement is re-indented to the file', async () => {
    const src = 'class A {\n    method() {\n        if (x) {\n            go();\n        }\n    }\n}\n';
    setup({ 'a.ts': src });
    // The model quoted the block with its indentation stripped.
    const r = await applyEdits({ root: ws.root, text: sr('a.ts', 'if (x) {\n    go();\n}', 'if (x) {\n    go();\n    again();\n}') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.ts')).toBe('class A {\n    method() {\n        if (x) {\n            go();\n            again();\n        }\n    }\n}\n');
  });

  it('blocks in any order apply against the original file', async () => {
    setup({ 'src/math.ts': MATH });
    const text = [sr('src/math.ts', '  return a * b;', '  return a * b * 1;'), sr('src/math.ts', '  return a - b;', '  return a + b;')].join('\n\n');
    const r = await applyEdits({ root: ws.root, text });
    expect(r.applied, r.reason).toBe(true);
    expect(read('src/math.ts')).toBe(MATH.replace('a - b', 'a + b').replace('a * b', 'a * b * 1'));
  });

  it('a file without a final newline keeps that', async () => {
    setup({ 'n.txt': 'one\ntwo' });
    const r = await applyEdits({ root: ws.root, text: sr('n.txt', 'two', 'deux') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('n.txt')).toBe('one\ndeux');
  });
});

describe('refusals leave the file byte-for-byte untouched', () => {
  it('missing search text: refused, naming the block', async () => {
    setup({ 'src/math.ts': MATH });
    const text = [sr('src/math.ts', '  return a - b;', '  return a + b;'), sr('src/math.ts', '  return a / b;', '  return 0;')].join('\n');
    const r = await applyEdits({ root: ws.root, text });
    expect(r).toMatchObject({ applied: false, reason: expect.stringMatching(/^block 2 \(src\/math\.ts\): search text not found in src\/math\.ts/) });
    expect(read('src/math.ts')).toBe(MATH);
    expect(await listChangeSets(ws.root)).toEqual([]);
  });

  it('ambiguous search text: refused, naming the block and the places', async () => {
    setup({ 'src/math.ts': MATH });
    const r = await applyEdits({ root: ws.root, text: sr('src/math.ts', '}', '};') });
    expect(r).toMatchObject({ applied: false, reason: expect.stringMatching(/block 1 \(src\/math\.ts\): search text matches 2 places .*lines 3, 7/) });
    expect(read('src/math.ts')).toBe(MATH);
  });

  it('an edit that breaks the syntax is refused with the error location', async () => {
    setup({ 'src/math.ts': MATH });
    const r = await applyEdits({ root: ws.root, text: sr('src/math.ts', '  return a - b;\n}', '  return a + b;\n') });
    expect(r.applied).toBe(false);
    expect(r.reason).toMatch(/block 1 \(src\/math\.ts\): the edit introduces a syntax error in src\/math\.ts at line \d+, column \d+: Syntax error/);
    expect(read('src/math.ts')).toBe(MATH);
  });

  it('a syntax error the file already had is tolerated', async () => {
    const broken = 'function a() {\n  return 1;\n}\nfunction b( {\n  return 2;\n}\n';
    setup({ 'x.js': broken });
    const r = await applyEdits({ root: ws.root, text: sr('x.js', '  return 1;', '  return 10;') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('x.js')).toBe(broken.replace('return 1;', 'return 10;'));
  });

  it('files without a grammar get text checks only (and say so)', async () => {
    setup({ 'notes.md': '# Title\n\ntext\n' });
    const r = await applyEdits({ root: ws.root, text: sr('notes.md', 'text', '{{{ not code') });
    expect(r.applied, r.reason).toBe(true);
    expect(r.warnings?.[0]).toMatch(/notes\.md: no grammar/);
  });

  it('paths that leave the workspace are refused: .., absolute, symlink escapes', async () => {
    setup({ 'a.txt': 'a\n' });
    const outside = tempWorkspace('nootropic-outside-');
    try {
      outside.write('secret.txt', 'secret\n');
      symlinkSync(outside.root, path.join(ws.root, 'link'));
      for (const p of ['../x.txt', path.join(outside.root, 'secret.txt'), 'link/secret.txt']) {
        const r = await applyEdits({ root: ws.root, text: sr(p, 'secret', 'owned') });
        expect(r.applied, p).toBe(false);
        expect(r.reason).toMatch(/refused (absolute )?path|symlink|leaves the workspace/);
      }
      expect(readFileSync(path.join(outside.root, 'secret.txt'), 'utf8')).toBe('secret\n');
      expect(existsSync(path.join(ws.root, '..', 'x.txt'))).toBe(false);
    } finally {
      outside.dispose();
    }
  });

  it('a symlink that stays inside the workspace is followed: the target file changes, the link stays a link', async () => {
    setup({ 'real/a.txt': 'alpha\n' });
    symlinkSync(path.join(ws.root, 'real', 'a.txt'), path.join(ws.root, 'link.txt'));
    const r = await applyEdits({ root: ws.root, text: sr('link.txt', 'alpha', 'ALPHA') });
    expect(r).toMatchObject({ applied: true, changes: [{ path: 'real/a.txt' }] });
    expect(read('real/a.txt')).toBe('ALPHA\n');
    expect(lstatSync(path.join(ws.root, 'link.txt')).isSymbolicLink()).toBe(true);
  });

  it('multi-file: when the second write fails the first file is restored and nothing is journaled', async () => {
    setup({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const text = [sr('a.txt', 'alpha', 'ALPHA'), sr('b.txt', 'beta', 'BETA')].join('\n');
    const r = await applyEdits(
      { root: ws.root, text },
      {
        hooks: {
          beforeRename: (i) => {
            if (i === 1) throw new Error('disk full (injected)');
          },
        },
      },
    );
    expect(r).toMatchObject({ applied: false, reason: expect.stringContaining('every file was restored') });
    expect(read('a.txt')).toBe('alpha\n');
    expect(read('b.txt')).toBe('beta\n');
    expect(await listChangeSets(ws.root)).toEqual([]);
    expect(readdir(ws.root).filter((n) => n.includes('nootropic-tmp'))).toEqual([]);
  });

  it('multi-file: a refused block in the second file writes neither', async () => {
    setup({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const r = await applyEdits({ root: ws.root, text: [sr('a.txt', 'alpha', 'ALPHA'), sr('b.txt', 'gamma', 'GAMMA')].join('\n') });
    expect(r.applied).toBe(false);
    expect(read('a.txt')).toBe('alpha\n');
  });

  it('a write that fails for real (read-only folder) leaves everything as it was', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions; the injected failure above covers the rollback. Check the staged path instead:
      setup({ 'a.txt': 'alpha\n' });
      mkdirSync(path.join(ws.root, 'blocked'));
      writeFileSync(path.join(ws.root, 'blocked', 'b.txt'), 'x');
      const r = await applyEdits({ root: ws.root, text: [sr('a.txt', 'alpha', 'ALPHA'), 'blocked/b.txt/c.txt\n```\nnew\n```'].join('\n') });
      expect(r.applied).toBe(false);
      expect(read('a.txt')).toBe('alpha\n');
      return;
    }
    setup({ 'a.txt': 'alpha\n', 'ro/b.txt': 'beta\n' });
    chmodSync(path.join(ws.root, 'ro'), 0o555);
    try {
      const r = await applyEdits({ root: ws.root, text: [sr('a.txt', 'alpha', 'ALPHA'), sr('ro/b.txt', 'beta', 'BETA')].join('\n') });
      expect(r.applied).toBe(false);
      expect(read('a.txt')).toBe('alpha\n');
    } finally {
      chmodSync(path.join(ws.root, 'ro'), 0o755);
    }
  });
});

describe('single-file form, dry run, overlay', () => {
  it('targetFile wins over any path inside the text; dryRun writes and records nothing', async () => {
    setup({ 'src/math.ts': MATH, 'other.ts': MATH });
    const dry = await applyEdits({ root: ws.root, targetFile: 'src/math.ts', text: sr('other.ts', '  return a - b;', '  return a + b;'), dryRun: true });
    expect(dry).toMatchObject({ applied: true, changes: [{ path: 'src/math.ts' }] });
    expect(dry.changeSetId).toBeUndefined();
    expect(read('src/math.ts')).toBe(MATH);
    const r = await applyEdits({ root: ws.root, targetFile: path.join(ws.root, 'src/math.ts'), text: '<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n' });
    expect(r.applied, r.reason).toBe(true);
    expect(read('src/math.ts')).toBe(MATH.replace('a - b', 'a + b'));
    expect(read('other.ts')).toBe(MATH);
  });

  it('an overlay (unsaved buffer) is what the edit is computed from', async () => {
    setup({ 'a.txt': 'disk\n' });
    const r = await applyEdits({ root: ws.root, text: sr('a.txt', 'buffer', 'edited'), dryRun: true, overlay: (p) => (p.endsWith('a.txt') ? 'buffer\n' : undefined) });
    expect(r).toMatchObject({ applied: true, changes: [{ path: 'a.txt', before: 'buffer\n', after: 'edited\n' }] });
  });
});

describe('undo', () => {
  it('restores the last change set, then the one before; a runId undoes all of its sets', async () => {
    setup({ 'a.txt': 'one\n', 'b.txt': 'two\n' });
    const first = await applyEdits({ root: ws.root, text: sr('a.txt', 'one', 'ONE'), runId: 'run-1' });
    const second = await applyEdits({ root: ws.root, text: sr('b.txt', 'two', 'TWO'), runId: 'run-1' });
    const third = await applyEdits({ root: ws.root, text: 'c.txt\n```\nnew\n```', label: 'create c' });
    expect([first.applied, second.applied, third.applied]).toEqual([true, true, true]);
    expect(await undo(ws.root)).toEqual({ restored: ['c.txt'], changeSetIds: [third.changeSetId] });
    expect(existsSync(path.join(ws.root, 'c.txt'))).toBe(false);
    const run = await undo(ws.root, 'run-1');
    expect(run.changeSetIds).toEqual([second.changeSetId, first.changeSetId]);
    expect([read('a.txt'), read('b.txt')]).toEqual(['one\n', 'two\n']);
    await expect(undo(ws.root)).rejects.toThrow(/nothing to undo/);
    expect((await listChangeSets(ws.root)).every((s) => s.undoneAt)).toBe(true);
  });

  it('refuses to undo over a file changed since the edit', async () => {
    setup({ 'a.txt': 'one\n' });
    const r = await applyEdits({ root: ws.root, text: sr('a.txt', 'one', 'ONE') });
    writeFileSync(path.join(ws.root, 'a.txt'), 'hand edit\n');
    await expect(undo(ws.root, r.changeSetId)).rejects.toThrow(/a\.txt changed on disk since the edit/);
    expect(read('a.txt')).toBe('hand edit\n');
  });
});

function readdir(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of require('node:fs').readdirSync(d, { withFileTypes: true }) as import('node:fs').Dirent[]) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else out.push(e.name);
    }
  };
  walk(dir);
  return out;
}
void os;

describe('more tolerances and refusals', () => {
  it('Python: a block quoted without its indentation is re-indented (semantics kept)', async () => {
    const src = 'class A:\n    def f(self):\n        if self.x:\n            return 1\n        return 2\n';
    setup({ 'a.py': src });
    const r = await applyEdits({ root: ws.root, text: sr('a.py', 'if self.x:\n    return 1', 'if self.x:\n    log()\n    return 1', false) });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.py')).toBe('class A:\n    def f(self):\n        if self.x:\n            log()\n            return 1\n        return 2\n');
  });

  it('a diff hunk whose context occurs twice is placed by its neighbours, or by an exact line number', async () => {
    const src = ['function a() {', '  return 1;', '}', 'function b() {', '  return 1;', '}', ''].join('\n');
    setup({ 'x.js': src });
    // Hunk 2's context ("  return 1;\n}") occurs twice; hunk 1 is unique and comes first, so hunk 2 is the second.
    const diff = ['--- a/x.js', '+++ b/x.js', '@@ -1,2 +1,2 @@', '-function a() {', '+function a2() {', '   return 1;', '@@ -99,2 +99,2 @@', '-  return 1;', '+  return 2;', ' }'].join('\n');
    const r = await applyEdits({ root: ws.root, text: diff });
    expect(r.applied, r.reason).toBe(true);
    expect(read('x.js')).toBe(src.replace('function a()', 'function a2()').replace(/(function b\(\) \{\n)  return 1;/, '$1  return 2;'));
    writeFileSync(path.join(ws.root, 'x.js'), src);
    const alone = ['--- a/x.js', '+++ b/x.js', '@@ -5,2 +5,2 @@', '-  return 1;', '+  return 3;', ' }'].join('\n');
    const byLine = await applyEdits({ root: ws.root, text: alone, dryRun: true });
    expect(byLine.applied, byLine.reason).toBe(true);
    const wrongLine = await applyEdits({ root: ws.root, text: alone.replace('@@ -5,2 +5,2 @@', '@@ -40,2 +40,2 @@'), dryRun: true });
    expect(wrongLine).toMatchObject({ applied: false, reason: expect.stringMatching(/diff for x\.js, hunk 1: its context matches 2 places/) });
  });

  it('two blocks that change the same lines are refused; a hunk without context in a non-empty file too', async () => {
    setup({ 'a.txt': 'one\ntwo\nthree\n' });
    const overlap = await applyEdits({ root: ws.root, text: [sr('a.txt', 'one\ntwo', 'ONE\ntwo'), sr('a.txt', 'two\nthree', 'two\nTHREE')].join('\n') });
    expect(overlap).toMatchObject({ applied: false, reason: expect.stringMatching(/block 1 \(a\.txt\) and block 2 \(a\.txt\) change the same lines/) });
    const noCtx = await applyEdits({ root: ws.root, text: '--- a/a.txt\n+++ b/a.txt\n@@ -1,0 +2 @@\n+new\n' });
    expect(noCtx).toMatchObject({ applied: false, reason: expect.stringMatching(/hunk 1: it has no context or removed lines/) });
    expect(read('a.txt')).toBe('one\ntwo\nthree\n');
  });

  it('a diff creates and deletes files; .git/ and binary files are refused', async () => {
    setup({ 'old.txt': 'bye\n', 'bin.dat': 'a\u0000b', '.git/config': '[core]\n' });
    const r = await applyEdits({ root: ws.root, text: '--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n' });
    expect(r.applied, r.reason).toBe(true);
    expect(read('new.txt')).toBe('hello\nworld\n');
    expect(existsSync(path.join(ws.root, 'old.txt'))).toBe(false);
    expect(await undo(ws.root)).toMatchObject({ restored: ['new.txt', 'old.txt'] });
    expect(read('old.txt')).toBe('bye\n');
    expect(existsSync(path.join(ws.root, 'new.txt'))).toBe(false);
    expect((await applyEdits({ root: ws.root, text: sr('.git/config', '[core]', '[x]') })).reason).toMatch(/does not edit \.git\//);
    expect((await applyEdits({ root: ws.root, text: sr('bin.dat', 'a', 'b') })).reason).toMatch(/bin\.dat is a binary file/);
  });

  it('a file changed on disk between reading and writing is not overwritten', async () => {
    setup({ 'a.txt': 'alpha\n' });
    const r = await applyEdits(
      { root: ws.root, text: sr('a.txt', 'alpha', 'ALPHA') },
      { hooks: { afterStage: () => writeFileSync(path.join(ws.root, 'a.txt'), 'typed meanwhile\n') } },
    );
    expect(r).toMatchObject({ applied: false, reason: expect.stringMatching(/a\.txt changed on disk while the edit was being prepared/) });
    expect(read('a.txt')).toBe('typed meanwhile\n');
    expect(readdir(ws.root).filter((n) => n.includes('nootropic-tmp'))).toEqual([]);
  });
});

describe('repairs', () => {
  it('indentation written with spaces where the file has tabs: converted back to tabs', async () => {
    const src = 'class A {\n\tm() {\n\t\tif (x) {\n\t\t\tgo();\n\t\t}\n\t}\n}\n';
    setup({ 'a.js': src });
    const r = await applyEdits({ root: ws.root, text: sr('a.js', '        if (x) {\n            go();\n        }', '        if (x) {\n            go();\n            stop();\n        }') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.js')).toBe(src.replace('\t\t\tgo();\n', '\t\t\tgo();\n\t\t\tstop();\n'));
  });

  it('new lines indented with spaces in a tab-indented file get tabs, even when the quoted text had no indentation', async () => {
    const body = Array.from({ length: 6 }, (_, i) => `\tconst v${i} = ${i};`).join('\n');
    const src = `function f() {\n${body}\n}\n\n// end\n`;
    setup({ 'a.js': src });
    const r = await applyEdits({ root: ws.root, text: sr('a.js', '// end', 'function g() {\n    if (x) {\n        go();\n    }\n}\n// end') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.js')).toBe(src.replace('// end', 'function g() {\n\tif (x) {\n\t\tgo();\n\t}\n}\n// end'));
  });

  it('a block quoting text an earlier block writes applies in sequence; still refused when found nowhere', async () => {
    setup({ 'a.txt': 'one\ntwo\n' });
    const r = await applyEdits({ root: ws.root, text: [sr('a.txt', 'one', 'uno'), sr('a.txt', 'uno\ntwo', 'uno\ndos')].join('\n') });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.txt')).toBe('uno\ndos\n');
    const bad = await applyEdits({ root: ws.root, text: [sr('a.txt', 'uno', 'eins'), sr('a.txt', 'zwei', 'drei')].join('\n') });
    expect(bad).toMatchObject({ applied: false, reason: expect.stringMatching(/^block 2 \(a\.txt\): search text not found/) });
  });
});

describe('whole files next to other edits, symbols with wrappers', () => {
  it('a fenced block under an existing file name next to SEARCH/REPLACE blocks is not taken as the whole file; a new file is', async () => {
    setup({ 'a.ts': 'export const a = 1;\n', 'b.ts': 'export const b = 1;\n' });
    const text = [sr('a.ts', 'export const a = 1;', 'export const a = 2;'), 'Use it like this in b.ts:', '', 'b.ts', '```ts', "import { a } from './a';", '```', '', 'c.ts', '```ts', 'export const c = 3;', '```'].join('\n');
    const r = await applyEdits({ root: ws.root, text });
    expect(r.applied, r.reason).toBe(true);
    expect(read('a.ts')).toBe('export const a = 2;\n');
    expect(read('b.ts')).toBe('export const b = 1;\n');
    expect(read('c.ts')).toBe('export const c = 3;\n');
    expect(r.warnings?.join('\n')).toMatch(/ignored the fenced block under b\.ts/);
  });

  it('replace-symbol includes export and decorators when the new text has them', async () => {
    setup({ 'm.ts': 'export function f(): number {\n  return 1;\n}\n\nexport function g() {}\n', 'p.py': 'class A:\n    @staticmethod\n    def f():\n        return 1\n\n    def g(self):\n        pass\n' });
    const ts = await applyEdits({ root: ws.root, text: 'm.ts\n<<<<<<< SYMBOL f\nexport function f(): number {\n  return 2;\n}\n>>>>>>> REPLACE\n' });
    expect(ts.applied, ts.reason).toBe(true);
    expect(read('m.ts')).toBe('export function f(): number {\n  return 2;\n}\n\nexport function g() {}\n');
    const py = await applyEdits({ root: ws.root, text: 'p.py\n<<<<<<< SYMBOL A.f\n@staticmethod\ndef f():\n    return 2\n>>>>>>> REPLACE\n' });
    expect(py.applied, py.reason).toBe(true);
    expect(read('p.py')).toBe('class A:\n    @staticmethod\n    def f():\n        return 2\n\n    def g(self):\n        pass\n');
    const amb = await applyEdits({ root: ws.root, text: 'p.py\n<<<<<<< SYMBOL nope.f\ndef f(): pass\n>>>>>>> REPLACE\n' });
    expect(amb.reason).toMatch(/no function, method or class named nope\.f/);
  });
});
