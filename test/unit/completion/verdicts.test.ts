import { describe, expect, it } from 'vitest';
import { CompletionVerdicts, type InlineCursor } from '../../../extension/completion-verdicts';

/** A document as the middleware sees it: its text now and the cursor's offset. */
const at = (text: string, offset: number, uri = 'file:///w/a.ts'): InlineCursor => ({ uri, offset, textBetween: (s, e) => text.slice(s, e) });

function tracker() {
  const sent: [string, string][] = [];
  const v = new CompletionVerdicts();
  v.setSink((id, verdict) => sent.push([id, verdict]));
  return { v, sent };
}

describe('verdicts on inline completions in VS Code (extension/completion-verdicts.ts)', () => {
  const text = 'const x = ';
  it('records accept when the item command runs, and no reject afterwards', () => {
    const { v, sent } = tracker();
    v.returned(at(text, text.length), 'c1', 'fine + 2;');
    v.accepted('c1');
    v.request(at('const x = fine + 2;\n', 20));
    expect(sent).toEqual([['c1', 'accept']]);
  });

  it('records reject when the person types something other than the ghost text', () => {
    const { v, sent } = tracker();
    v.returned(at(text, text.length), 'c1', 'fine + 2;');
    v.request(at('const x = z', 11));
    expect(sent).toEqual([['c1', 'reject']]);
    expect(v.pending).toBeUndefined();
  });

  it('records nothing while the person types along the ghost text, then rejects the next completion only', () => {
    const { v, sent } = tracker();
    v.returned(at(text, text.length), 'c1', 'fine + 2;');
    v.request(at('const x = fi', 12));
    v.request(at('const x = fi', 12)); // a re-trigger at the same place
    expect(sent).toEqual([]);
    v.returned(at('const x = fi', 12), 'c2', 'ne + 2;');
    v.request(at('const x = fi\n', 13));
    expect(sent).toEqual([['c2', 'reject']]);
  });

  it('records reject when the cursor moves away, the text before it changes, or another document asks', () => {
    for (const next of [at(text, 3), at('let x = ', 8), at('const y = ', 10), at(text, text.length, 'file:///w/b.ts')]) {
      const { v, sent } = tracker();
      v.returned(at(text, text.length), 'c1', 'fine + 2;');
      v.request(next);
      expect(sent).toEqual([['c1', 'reject']]);
    }
  });

  it('records reject when the editor switches to another document, not when it stays', () => {
    const { v, sent } = tracker();
    v.returned(at(text, text.length), 'c1', 'fine + 2;');
    v.leave('file:///w/a.ts');
    expect(sent).toEqual([]);
    v.leave(undefined);
    expect(sent).toEqual([['c1', 'reject']]);
  });

  it('tracks nothing for an answer without an id or text', () => {
    const { v, sent } = tracker();
    v.returned(at(text, text.length), undefined, 'x');
    v.returned(at(text, text.length), 'c1', '');
    v.request(at('zzz', 3));
    expect(sent).toEqual([]);
  });
});
