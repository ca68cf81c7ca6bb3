import { describe, expect, it } from 'vitest';
import { parseWindow } from '../../../server/src/completion/parse-window';

const filler = (n: number, name = 'helper') => Array.from({ length: n }, (_, i) => `def ${name}_${i}(x):\n    return x + ${i}\n`).join('\n');

describe('parseWindow', () => {
  it('parses a small document whole', () => {
    const text = 'def f():\n    return 1\n';
    expect(parseWindow(text, 10)).toEqual({ start: 0, end: text.length });
  });

  it('a large document: from the definition holding the cursor to the next one at its indentation', () => {
    const head = `${filler(500)}\n`;
    const target = 'class Target:\n    def a(self):\n        x = \n        return x\n\n    def b(self):\n        pass\n';
    const tail = `\n${filler(10, 'after')}`;
    const text = head + target + tail;
    const offset = head.length + target.indexOf('x = ') + 4;
    const w = parseWindow(text, offset);
    const block = text.slice(w.start, w.end);
    expect(block.startsWith('    def a(self):')).toBe(true);
    expect(block).toContain('        return x');
    expect(block).not.toContain('def b(self)');
    expect(block).not.toContain('after_0');
  });

  it('parses the whole document when no definition line is near above the cursor', () => {
    const text = `${'x = 1\n'.repeat(5000)}y = `;
    expect(parseWindow(text, text.length)).toEqual({ start: 0, end: text.length });
  });

  it('a doc comment line naming a definition is not a start: only code lines are', () => {
    const text = `${filler(700)}\n# def not_a_start():\ndef real(a):\n    a = \n`;
    const w = parseWindow(text, text.length - 1);
    expect(text.slice(w.start).startsWith('def real(a):')).toBe(true);
  });
});
