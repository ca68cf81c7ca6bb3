import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { TextLines, countNewlines, ownCopy } from '../../../server/src/completion/text-lines';

describe('TextLines', () => {
  it('cuts out 1-based inclusive line ranges, clamped to the file, without line breaks', () => {
    const f = new TextLines('one\r\ntwo\nthree\n');
    expect(f.lines(1, 2)).toEqual(['one', 'two']);
    expect(f.lines(2, 99)).toEqual(['two', 'three', '']);
    expect(f.lines(0, 1)).toEqual(['one']);
    expect(f.lines(3, 2)).toEqual([]);
    expect(f.lines(5, 9)).toEqual([]);
  });

  it('a file kept as its UTF-8 bytes gives the same lines as its text (multi-byte characters, \\r\\n, no final newline)', () => {
    const text = 'naïve = 1\r\ndef größe(x):\n    return "日本語"\n\n# end';
    const asText = new TextLines(text);
    const asBytes = new TextLines(Buffer.from(text, 'utf8'));
    for (const [from, to] of [[1, 1], [1, 5], [2, 3], [4, 5], [5, 9], [0, 2], [3, 2]] as const) expect(asBytes.lines(from, to)).toEqual(asText.lines(from, to));
    expect(asBytes.lines(2, 3)).toEqual(['def größe(x):', '    return "日本語"']);
  });

  it('reads a one-line file and counts newlines in a range', () => {
    expect(new TextLines('x = 1').lines(1, 1)).toEqual(['x = 1']);
    expect(countNewlines('a\nb\nc\n', 0, 6)).toBe(3);
    expect(countNewlines('a\nb\nc\n', 2, 3)).toBe(0);
    expect(countNewlines('a\nb\nc\n', 1, 4)).toBe(2);
  });
});

describe('ownCopy', () => {
  it('is the same text, and unlike a slice it does not keep the large string it was cut from alive', () => {
    expect(ownCopy('short')).toBe('short');
    expect(ownCopy('ünïcödé text, longer than a dozen characters')).toBe('ünïcödé text, longer than a dozen characters');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // 40 documents of 1 MB each, and a 1.5 kB tail of each kept (as the completion cache keeps them).
    const keptGrowth = (keep: (s: string) => string) => {
      gc();
      const start = process.memoryUsage().heapUsed;
      const kept: string[] = [];
      for (let i = 0; i < 40; i++) kept.push(keep(`doc ${i} `.repeat(150_000).slice(-1500)));
      gc();
      const grown = process.memoryUsage().heapUsed - start;
      expect(kept.every((k) => k.length === 1500)).toBe(true);
      return grown / 1e6;
    };
    expect(keptGrowth((s) => s)).toBeGreaterThan(20);
    expect(keptGrowth(ownCopy)).toBeLessThan(5);
  });
});
