// Incremental re-parse for the syntax check: an edit whose before-text has a cached tree is re-parsed from it
// (tree.edit + parse with the old tree) and gives exactly the tree a full parse gives, errors included.
import { describe, expect, it } from 'vitest';
import { checkSyntax } from '../../../server/src/edits/syntax-check';
import { changedRange, clearTreeCache, parseEdited, rememberTree } from '../../../server/src/edits/tree-cache';
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
});
