// The unified diff the engine reports: git headers, real line numbers (only the changed middle is diffed), and
// exact round trips through an independent patch applier.
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../server/src/edits/diff-text';

const nums = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');

describe('unifiedDiff', () => {
  const cases: [string, string | null, string | null][] = [
    ['one changed line in the middle', nums(40), nums(40).replace('20\n', 'twenty\n')],
    ['no final newline on either side', 'x', 'y'],
    ['final newline removed', nums(12), nums(12).replace(/\n$/, '')],
    ['line added at the top', 'a\n', 'b\na\n'],
    ['empty file filled', '', 'x\n'],
    ['appended at the end', nums(8), `${nums(8)}nine\n`],
    ['CRLF lines', 'a\r\nb\r\nc\r\n', 'a\r\nB\r\nc\r\n'],
    ['created', null, 'new\n'],
    ['deleted', 'old\n', null],
  ];
  for (const [name, before, after] of cases) {
    it(`${name}: applies back exactly`, () => {
      const d = unifiedDiff([{ path: 'src/f.txt', before, after }]);
      expect(d.startsWith('diff --git a/src/f.txt b/src/f.txt\n')).toBe(true);
      expect(d).toMatch(before === null ? /^--- \/dev\/null$/m : /^--- a\/src\/f\.txt$/m);
      const patch = d.split('\n').slice(1).join('\n');
      expect(applyPatch(before ?? '', patch)).toBe(after ?? '');
    });
  }

  it('hunk headers carry the real line numbers', () => {
    expect(unifiedDiff([{ path: 'f', before: nums(40), after: nums(40).replace('20\n', 'twenty\n') }])).toContain('@@ -17,7 +17,7 @@');
  });
});

describe('unifiedDiff of a large file', () => {
  it('changes far apart are diffed cluster by cluster: separate hunks, real line numbers, exact round trip', () => {
    const before = nums(5000);
    const after = before.replace('\n10\n', '\nten\n').replace('\n2500\n', '\n2500\nadded\n').replace('\n4990\n', '\n');
    const d = unifiedDiff([{ path: 'f', before, after }]);
    expect(d.match(/^@@ /gm)).toHaveLength(3);
    expect(d).toContain('@@ -7,7 +7,7 @@');
    expect(d).toContain('@@ -2498,6 +2498,7 @@');
    expect(d).toContain('@@ -4987,7 +4988,6 @@');
    expect(d.match(/^--- a\/f$/gm)).toHaveLength(1);
    expect(applyPatch(before, d.split('\n').slice(1).join('\n'))).toBe(after);
  });
});
