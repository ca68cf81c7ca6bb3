// Incremental re-parse for the syntax check: an edit whose before-text has a cached tree is re-parsed from it
// (tree.edit + parse with the old tree) and gives exactly the tree a full parse gives, errors included.
import { describe, expect, it } from 'vitest';
import { checkSyntax } from '../../../server/src/edits/syntax-check';
import { changedRange, changedRanges, clearTreeCache, parseEdited, rememberTree } from '../../../server/src/edits/tree-cache';
import { parse } from '../../../server/src/syntax/parser';

const big = Array.from({ length: 3000 }, (_, i) => `function f${i}(a) {\n  return a + ${i};\n}\n`).join('');

describe('incremental re-parse', () => {
  it('changedRange is the one differing span', () => {
    expect(changedRange('abcXdef', 'abcYYdef')).toEqual({ start: 3, oldEnd: 4, newEnd: 5 });
    expect(changedRange('same', 'same')).toEqual({ start: 4, oldEnd: 4, newEnd: 4 });
  });

  it('an edit re-parsed from the cached tree equals a full parse, and its new errors are found', async () => {
    clearTreeCache();
    await rememberTree('javascript', big);
    const after = big.replace('return a + 1500;', 'return (a + 1500) * 2;\n  // é ünïcode');
    const inc = await parseEdited('javascript', big, after);
    expect(inc.incremental).toBe(true);
    const full = await parse('javascript', after);
    expect(inc.tree.rootNode.toString()).toBe(full.rootNode.toString());
    inc.tree.delete();
    full.delete();
    const broken = after.replace('return (a + 1500) * 2;', 'return (a + 1500 * 2;');
    const v = await checkSyntax('x.js', after, broken);
    expect(v.checked && v.introduced.length).toBeGreaterThan(0);
    // A miss (nothing cached) parses in full.
    clearTreeCache();
    const miss = await parseEdited('javascript', big, after);
    expect(miss.incremental).toBe(false);
    miss.tree.delete();
  });

  it('hunks far apart are separate ranges, each edited into the tree; the result equals a full parse', async () => {
    // Three changes: near the top, in the middle (a line added, with a non-ASCII comment), near the bottom.
    const after = big.replace('return a + 3;', 'return a - 3;').replace('return a + 1500;', 'return a + 1500;\n  // é ünïcode\n  g();').replace('return a + 2990;', 'return [a, 2990];');
    const rs = changedRanges(big, after);
    expect(rs.length).toBe(3);
    for (const r of rs) expect(after.slice(r.newStart, r.newEnd)).not.toBe(big.slice(r.oldStart, r.oldEnd));
    // Outside the ranges the texts are the same.
    let rebuilt = '';
    let at = 0;
    for (const r of rs) {
      rebuilt += big.slice(at, r.oldStart) + after.slice(r.newStart, r.newEnd);
      at = r.oldEnd;
    }
    expect(rebuilt + big.slice(at)).toBe(after);
    clearTreeCache();
    await rememberTree('javascript', big);
    const inc = await parseEdited('javascript', big, after);
    expect(inc.incremental).toBe(true);
    const full = await parse('javascript', after);
    expect(inc.tree.rootNode.toString()).toBe(full.rootNode.toString());
    expect(inc.tree.rootNode.descendantForIndex(after.indexOf('g();'))?.startPosition).toEqual(full.rootNode.descendantForIndex(after.indexOf('g();'))?.startPosition);
    inc.tree.delete();
    full.delete();
    // A small change stays one range.
    expect(changedRanges('abcXdef', 'abcYYdef')).toEqual([{ oldStart: 3, oldEnd: 4, newStart: 3, newEnd: 5 }]);
  });
});

describe('common prefix and suffix by slice comparison', () => {
  it('equals a character-by-character scan', async () => {
    const { commonAffixes } = await import('../../../server/src/edits/text');
    const scan = (a: string, b: string) => {
      const n = Math.min(a.length, b.length);
      let p = 0;
      while (p < n && a[p] === b[p]) p++;
      let s = 0;
      while (s < n - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
      return { prefix: p, suffix: s };
    };
    const pairs: [string, string][] = [['', ''], ['a', ''], ['abc', 'abc'], ['abcXdef', 'abcYYdef'], ['aaaa', 'aa'], ['xaaa', 'aaa'], ['ab', 'ba'], [big, big.replace('a + 1500', 'a - 1500')], [big, `${big}x`], [`x${big}`, big]];
    for (const [a, b] of pairs) {
      expect(commonAffixes(a, b)).toEqual(scan(a, b));
      expect(commonAffixes(b, a)).toEqual(scan(b, a));
    }
  });
});
