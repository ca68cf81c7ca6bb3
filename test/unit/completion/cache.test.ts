import { describe, expect, it } from 'vitest';
import { CompletionCache } from '../../../server/src/completion/cache';
import { RecentEdits } from '../../../server/src/completion/recent-edits';

describe('CompletionCache', () => {
  it('answers the same text around the cursor again (backspace, retype) and types through the ghost text', () => {
    const c = new CompletionCache();
    c.set('file:///a.ts', 'm', 'const total = ', ';\n', 'items.length');
    expect(c.get('file:///a.ts', 'm', 'const total = ', ';\n')).toBe('items.length');
    // Typing what the ghost text showed keeps the rest of it.
    expect(c.get('file:///a.ts', 'm', 'const total = ite', ';\n')).toBe('ms.length');
    // Typing something else, another model or another suffix: no answer.
    expect(c.get('file:///a.ts', 'm', 'const total = x', ';\n')).toBeUndefined();
    expect(c.get('file:///a.ts', 'other', 'const total = ', ';\n')).toBeUndefined();
    expect(c.get('file:///a.ts', 'm', 'const total = ', ')\n')).toBeUndefined();
  });
});

describe('RecentEdits', () => {
  it('locates a change by lines and merges typing on the same lines into one region', () => {
    const r = new RecentEdits(() => 1000);
    r.opened('a.ts', 'one\ntwo\nthree\nfour');
    r.changed('a.ts', 'one\ntwo!\nthree\nfour');
    r.changed('a.ts', 'one\ntwo!!\nthree\nfour');
    r.changed('a.ts', 'one\ntwo!!\nthree\nfour\nfive');
    expect(r.list()).toEqual([
      { path: 'a.ts', startLine: 5, endLine: 5, at: 1000 },
      { path: 'a.ts', startLine: 2, endLine: 2, at: 1000 },
    ]);
  });

  it('locates inserted, deleted and joined lines in the new text', () => {
    const at = (prev: string, next: string) => {
      const r = new RecentEdits(() => 1);
      r.opened('a.py', prev);
      r.changed('a.py', next);
      return r.list().map((e) => [e.startLine, e.endLine]);
    };
    const text = 'a = 1\nb = 2\nc = 3\nd = 4\n';
    expect(at(text, 'a = 1\nb = 2\nx = 0\ny = 0\nc = 3\nd = 4\n')).toEqual([[3, 4]]);
    expect(at(text, 'a = 1\nc = 3\nd = 4\n')).toEqual([[2, 2]]);
    expect(at(text, 'a = 1\nb = 2c = 3\nd = 4\n')).toEqual([[2, 2]]);
    expect(at(text, 'z\n' + text)).toEqual([[1, 1]]);
    expect(at(text, text)).toEqual([]);
  });
});
