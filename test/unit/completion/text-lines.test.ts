import { describe, expect, it } from 'vitest';
import { TextLines, countNewlines } from '../../../server/src/completion/text-lines';

describe('TextLines', () => {
  it('cuts out 1-based inclusive line ranges, clamped to the file, without line breaks', () => {
    const f = new TextLines('one\r\ntwo\nthree\n');
    expect(f.lines(1, 2)).toEqual(['one', 'two']);
    expect(f.lines(2, 99)).toEqual(['two', 'three', '']);
    expect(f.lines(0, 1)).toEqual(['one']);
    expect(f.lines(3, 2)).toEqual([]);
    expect(f.lines(5, 9)).toEqual([]);
  });

  it('reads a one-line file and counts newlines in a range', () => {
    expect(new TextLines('x = 1').lines(1, 1)).toEqual(['x = 1']);
    expect(countNewlines('a\nb\nc\n', 0, 6)).toBe(3);
    expect(countNewlines('a\nb\nc\n', 2, 3)).toBe(0);
    expect(countNewlines('a\nb\nc\n', 1, 4)).toBe(2);
  });
});
