// Reading what models write: every format, bare and fenced, and problems reported rather than dropped.
import { describe, expect, it } from 'vitest';
import { parseModelEdits } from '../../../server/src/edits/formats';

describe('parseModelEdits', () => {
  it('SEARCH/REPLACE: path above the fence, several blocks, a blank-line block kept distinct from an empty one', () => {
    const text = ['a.ts', '```ts', '<<<<<<< SEARCH', 'x', '=======', '', '>>>>>>> REPLACE', '```', '', 'b.ts', '<<<<<<< SEARCH', 'y', '=======', '>>>>>>> REPLACE'].join('\n');
    expect(parseModelEdits(text)).toEqual({
      edits: [
        { kind: 'search-replace', path: 'a.ts', search: 'x\n', replace: '\n' },
        { kind: 'search-replace', path: 'b.ts', search: 'y\n', replace: '' },
      ],
      problems: [],
    });
  });

  it('unified diffs: git headers, several files, bare or fenced, numbers optional, \\ No newline markers', () => {
    const bare = ['diff --git a/x.js b/x.js', 'index 1..2 100644', '--- a/x.js', '+++ b/x.js', '@@ -1 +1 @@', '-a', '+b', '\\ No newline at end of file', 'diff --git a/y.js b/y.js', '--- a/y.js', '+++ b/y.js', '@@ @@', ' k', '-c', '+d'].join('\n');
    const parsed = parseModelEdits(`Here you go:\n${bare}\nThat's all.`);
    expect(parsed.problems).toEqual([]);
    expect(parsed.edits).toMatchObject([
      { kind: 'unified-diff', path: 'x.js', parsed: [{ oldLines: ['a'], newLines: ['b'], noEolOld: false, noEolNew: true, oldStart: 1 }] },
      { kind: 'unified-diff', path: 'y.js', parsed: [{ oldLines: ['k', 'c'], newLines: ['k', 'd'] }] },
    ]);
    const headerless = parseModelEdits('src/z.ts\n```diff\n@@ -3,2 +3,2 @@\n keep\n-old\n+new\n```');
    expect(headerless.edits).toMatchObject([{ kind: 'unified-diff', path: 'src/z.ts', parsed: [{ oldLines: ['keep', 'old'], newLines: ['keep', 'new'] }] }]);
    expect(parseModelEdits('--- /dev/null\n+++ b/n.ts\n@@ -0,0 +1 @@\n+x\n').edits).toMatchObject([{ path: 'n.ts', creates: true }]);
    expect(parseModelEdits('--- a/gone.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n').edits).toMatchObject([{ path: 'gone.ts', deletes: true }]);
  });

  it('whole files: a fence under a file path; a word is not a path; single-file form takes one bare block', () => {
    expect(parseModelEdits('src/a.py\n```python\nx = 1\n```\n').edits).toEqual([{ kind: 'whole-file', path: 'src/a.py', content: 'x = 1\n' }]);
    expect(parseModelEdits('Example\n```python\nx = 1\n```\n').edits).toEqual([]);
    expect(parseModelEdits('Sure:\n```python\nx = 1\n```\n', { singleFile: true }).edits).toEqual([{ kind: 'whole-file', path: '', content: 'x = 1\n' }]);
    expect(parseModelEdits('```js\na\n```\n```js\nb\n```\n', { singleFile: true }).problems[0]).toMatch(/2 code blocks/);
    // A longer fence holds a file that contains ``` itself.
    expect(parseModelEdits('README.md\n````md\n```sh\nls\n```\n````\n').edits).toEqual([{ kind: 'whole-file', path: 'README.md', content: '```sh\nls\n```\n' }]);
  });

  it('SYMBOL blocks', () => {
    expect(parseModelEdits('a.ts\n<<<<<<< SYMBOL Foo.bar\nbar() {}\n>>>>>>> REPLACE\n').edits).toEqual([{ kind: 'replace-symbol', path: 'a.ts', symbol: 'Foo.bar', replace: 'bar() {}\n' }]);
  });

  it('reports what it cannot read', () => {
    expect(parseModelEdits('a.ts\n<<<<<<< SEARCH\nx\n').problems[0]).toMatch(/line 2 has no ======= divider/);
    expect(parseModelEdits('a.ts\n<<<<<<< SEARCH\nx\n=======\ny\n').problems[0]).toMatch(/no >>>>>>> REPLACE end/);
    expect(parseModelEdits('<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE').problems[0]).toMatch(/no file path/);
    expect(parseModelEdits('<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE', { singleFile: true }).problems).toEqual([]);
  });
});
