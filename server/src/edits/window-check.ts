/**
 * The syntax check's cold path for large files: instead of parsing a 20,000-line file in full (before and/or after
 * the edit), parse only a window around each edited range — the whole statements or definitions enclosing it — in
 * the before-text and in the after-text, each on its own (inside a function or class wrapper when the window lies in
 * a function body or a class body). When both windows parse without an error, and the window's edges are
 * statement boundaries of the file, the edit introduced no syntax error: the parser enters and leaves the window in
 * the same state before and after the edit, and the rest of the file is the same text.
 *
 * The answer is only ever "no new error" or "don't know": anything else (an error in the after-window, an edge
 * that is not safe — a window that may start inside a block comment or a template or triple-quoted string, a
 * continuation line, an object literal, a context that is not a statement list) widens the window to the enclosing
 * level, and past a few levels or half of the file falls back to the full parse, which gives the exact
 * refusal with its position. Edges are judged by the text (indentation, the line before, the enclosing opener
 * line), then confirmed by the window's own parse: the wrapper must be the one top-level node and span the whole
 * window, so an edit that closes the enclosing block early or opens one it does not close is never taken as clean.
 * The after-window is parsed incrementally from the before-window's tree (each change edited into it), after a check
 * that the two windows differ by those changes only. In JS/TS, a window whose first lines open a block its end does
 * not close (a bundle's unindented wrapper function: `( function( window ) {` then `var i,` at column 0) is framed
 * again with its end where the bracket depth is back to the start's (bracket-depth.ts).
 * JavaScript, TypeScript (tsx) and Python only; other grammars parse in full.
 */
import type { GrammarName } from '../syntax/grammars';
import { syntaxProblems } from '../syntax/errors';
import { Parser, type Tree } from 'web-tree-sitter';
import { loadLanguage } from '../syntax/parser';
import { BracketLevels } from './bracket-depth';
import { countBelow } from './text';
import { changedRanges, newlines, pointAt, type ChangedRange } from './tree-cache';

export type Family = 'c' | 'py';
export const FAMILY: Partial<Record<GrammarName, Family>> = { javascript: 'c', typescript: 'c', tsx: 'c', python: 'py' };

/** Below this many characters the full parse is cheap: the window path is for large files. */
export const WINDOW_MIN_CHARS = 64 * 1024;
/** Windows (together) larger than this share of the file: parse in full instead (a window costs about what its share of the full parse does). */
const MAX_SHARE = 0.5;
/** Levels a window may widen to before the full parse is taken. */
export const MAX_TRIES = 6;

export interface WindowOptions {
  /** Files shorter than this are not windowed (default WINDOW_MIN_CHARS; tests pass 0). */
  minChars?: number;
  /** Windows covering more of the file than this share go to the full parse (default 0.25; tests pass 1). */
  maxShare?: number;
  /** Each window tried, with its outcome (benchmark and test diagnostics). */
  trace?: (line: string) => void;
}

/** What the window path found: why it fell back, or the windows it parsed (before-text offsets). */
export type WindowVerdict = { clean: true; windows: { start: number; end: number }[] } | { clean: false; why: string };

export function indentOf(line: string): number {
  let col = 0;
  for (const ch of line) {
    if (ch === ' ') col++;
    else if (ch === '\t') col = col - (col % 8) + 8;
    else break;
  }
  return col;
}

/** Line access by offset, without splitting the whole text. */
export class Lines {
  constructor(readonly s: string) {}
  startOf(i: number): number {
    return i <= 0 ? 0 : this.s.lastIndexOf('\n', i - 1) + 1;
  }
  endOf(ls: number): number {
    const e = this.s.indexOf('\n', ls);
    return e < 0 ? this.s.length : e;
  }
  next(ls: number): number {
    const e = this.s.indexOf('\n', ls);
    return e < 0 ? -1 : e + 1;
  }
  prev(ls: number): number {
    return ls <= 0 ? -1 : this.s.lastIndexOf('\n', ls - 2) + 1;
  }
  text(ls: number): string {
    const t = this.s.slice(ls, this.endOf(ls));
    return t.endsWith('\r') ? t.slice(0, -1) : t;
  }
}

const C_CONTINUES = /^(in|instanceof|of|as|satisfies|extends|implements|else|catch|finally|from|is|keyof)\b/;
const PY_CONTINUES = /^(else|elif|except|finally|and|or|in|is|not\s+in)\b/;
const C_CLASS = /^(export\s+)?(default\s+)?(declare\s+)?(abstract\s+)?class\b[^=]*\{$/;
const C_BLOCK = /(\)|=>|\belse|\btry|\bfinally|\bdo|^static)\s*\{$/;
const C_TYPE_DECL = /^(export\s+)?(declare\s+)?(type|interface|enum|namespace|module)\b/;

/** A line that can begin a statement or a definition (and cannot continue the line before it). */
function startsStatement(fam: Family, t: string): boolean {
  if (fam === 'c') return (/^[A-Za-z_$@#]/.test(t) && !C_CONTINUES.test(t)) || t.startsWith('//') || t.startsWith('/*');
  return /^[A-Za-z_@#]/.test(t) && !PY_CONTINUES.test(t);
}

/** Code of a line without a trailing line comment (only when nothing before it could be a string or a regex). */
function codeOf(fam: Family, t: string): string {
  const marker = fam === 'c' ? '//' : '#';
  const at = t.indexOf(marker);
  if (at < 0) return t.trimEnd();
  const head = t.slice(0, at);
  if (/["'`]/.test(head) || (fam === 'c' && head.includes('/'))) return t.trimEnd();
  return head.trimEnd();
}

/** The nearest line above `ls` with code (comments and blank lines skipped), as trimmed code; undefined at the top. */
function prevCode(fam: Family, L: Lines, ls: number): { ls: number; code: string } | undefined {
  for (let p = L.prev(ls); p >= 0; p = L.prev(p)) {
    let t = L.text(p).trim();
    if (t === '') continue;
    if (fam === 'py') {
      if (t.startsWith('#')) continue;
      return { ls: p, code: codeOf(fam, t) };
    }
    if (t.startsWith('//')) continue;
    if (t.endsWith('*/')) {
      // Skip the block comment back to its opening line; code before the `/*` on that line is the line's code.
      const open = L.s.lastIndexOf('/*', p + L.text(p).lastIndexOf('*/') - 1);
      if (open < 0) return undefined;
      const ols = L.startOf(open);
      const before = L.s.slice(ols, open).trim();
      if (before === '') {
        p = ols;
        continue;
      }
      t = before;
      return { ls: ols, code: t };
    }
    return { ls: p, code: codeOf(fam, t) };
  }
  return undefined;
}

function isOpener(fam: Family, code: string): 'class' | 'block' | undefined {
  if (fam === 'py') return code.endsWith(':') ? 'block' : undefined;
  if (!code.endsWith('{')) return undefined;
  if (C_CLASS.test(code)) return 'class';
  if (C_TYPE_DECL.test(code)) return undefined;
  return C_BLOCK.test(code) ? 'block' : undefined;
}

/** The line before `ls` ends a statement (or opens the block `ls` is in), so `ls` cannot continue it. */
function endsBefore(fam: Family, L: Lines, ls: number): boolean {
  const p = prevCode(fam, L, ls);
  if (!p) return true;
  const c = p.code;
  if (fam === 'c') return c.endsWith(';') || c.endsWith('}') || (c.endsWith('{') && isOpener(fam, c) !== undefined);
  // A decorator goes with the definition under it.
  return !c.startsWith('@') && !/[\\,([{+\-*/%&|^<>=.~@]$/.test(c);
}

/**
 * Line `ls` begins a statement the line before cannot run into: a word (or a comment) after a finished statement
 * or an opener; in JS/TS also `(` `[` a quote or a unary operator, but only after a `;` or at the top of the file
 * (after `}` they could continue an expression: `f = function () {}` then `(x)` is a call).
 */
function boundary(fam: Family, L: Lines, ls: number): boolean {
  const t = L.text(ls).trim();
  if (t === '') return false;
  if (startsStatement(fam, t)) return endsBefore(fam, L, ls);
  if (fam !== 'c' || !/^[([`'"!~+-]/.test(t)) return false;
  const p = prevCode(fam, L, ls);
  return !p || p.code.endsWith(';');
}

/** Offsets of every occurrence of `what` (non-overlapping), found once per text. */
function positions(s: string, what: string): number[] {
  const out: number[] = [];
  for (let at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + what.length)) out.push(at);
  return out;
}

/**
 * Nothing before `ls` leaves it inside a block comment, a template literal or a triple-quoted string (by counting
 * their delimiters: one inside a string or a comment can only make this say no, and the window widen).
 */
export class Lexical {
  private marks: { opens: number[]; closes: number[]; quotes: number[][] } | undefined;
  constructor(
    readonly fam: Family,
    readonly s: string,
  ) {}
  clear(ls: number): boolean {
    if (ls === 0) return true;
    const q3 = '"'.repeat(3);
    this.marks ??=
      this.fam === 'c'
        ? { opens: positions(this.s, '/*'), closes: positions(this.s, '*/'), quotes: [positions(this.s, '`')] }
        : { opens: [], closes: [], quotes: [positions(this.s, q3), positions(this.s, "'".repeat(3))] };
    const { opens, closes, quotes } = this.marks;
    const o = countBelow(opens, ls);
    if (o > 0) {
      const c = countBelow(closes, ls);
      if (c === 0 || closes[c - 1]! < opens[o - 1]! + 2) return false;
    }
    return quotes.every((q) => countBelow(q, ls) % 2 === 0);
  }
}

export interface Window {
  /** Before-text offsets [start, end): whole lines. */
  start: number;
  end: number;
  /** After-text offsets of the same window. */
  aStart: number;
  aEnd: number;
  mode: 'program' | 'block' | 'class';
  indent: number;
  /** The change it frames. */
  r: ChangedRange;
}

/** The smallest indentation of the non-blank lines a change touches (before and after). */
function changedIndent(B: Lines, A: Lines, r: ChangedRange): number {
  let d = Infinity;
  for (const [T, from, to] of [[B, r.oldStart, r.oldEnd], [A, r.newStart, r.newEnd]] as const) {
    for (let ls = T.startOf(from); ls >= 0 && ls <= to; ls = T.next(ls)) {
      const t = T.text(ls);
      if (t.trim() !== '') d = Math.min(d, indentOf(t));
      if (ls === to) break;
    }
  }
  return d;
}

/** The window around before[r.oldStart, r.oldEnd) ↔ after[r.newStart, r.newEnd) at level ≤ d, or why not. */
export function frame(
  fam: Family,
  B: Lines,
  A: Lines,
  lex: Lexical,
  r: ChangedRange,
  d: number,
  nextStart: number,
  balanced?: BracketLevels,
): Window | { widen: number; why: string } | { fail: string } | { merge: true } {
  const shiftStart = r.newStart - r.oldStart;
  const shiftEnd = r.newEnd - r.oldEnd;
  // Start: the nearest boundary line at or above the change, at indentation ≤ d (climbing out of deeper levels).
  let s = -1;
  for (let ls = B.startOf(r.oldStart); ls >= 0; ls = B.prev(ls)) {
    const t = B.text(ls);
    // Lines inside a block comment, a template or a triple-quoted string say nothing about the level.
    if (t.trim() !== '' && lex.clear(ls)) {
      const ind = indentOf(t);
      if (ind <= d && boundary(fam, B, ls) && boundary(fam, A, ls + shiftStart)) {
        s = ls;
        break;
      }
      d = Math.min(d, ind);
    }
    // The top of the file is a boundary whatever its first line is.
    if (ls === 0) s = 0;
  }
  if (s < 0) return { fail: 'no statement boundary above the change' };
  const level = indentOf(B.text(s));
  // Context: program level, or a function/class body whose opener line the text shows.
  let mode: Window['mode'] = 'program';
  let openerIndent = -1;
  if (level > 0) {
    let p = prevCode(fam, B, s);
    while (p && (indentOf(B.text(p.ls)) >= level || !lex.clear(p.ls))) p = prevCode(fam, B, p.ls);
    const kind = p ? isOpener(fam, p.code) : undefined;
    if (!p || !kind) return { widen: p ? indentOf(B.text(p.ls)) : level - 1, why: p ? `not a block or class: ${p.code.slice(0, 60)}` : 'no opener line' };
    mode = kind;
    openerIndent = indentOf(B.text(p.ls));
  }
  // End: the first boundary line after the change at indentation ≤ the start's (or the enclosing block's `}`).
  let e = B.s.length;
  const atLineStart = (T: Lines, i: number) => i === 0 || T.s.charCodeAt(i - 1) === 10;
  const first = atLineStart(B, r.oldEnd) ? r.oldEnd : B.next(B.startOf(r.oldEnd));
  for (let ls = first; ls >= 0 && ls < B.s.length; ls = B.next(ls)) {
    // Past the next change, after-text offsets shift again: frame the two changes as one.
    if (ls > nextStart) return { merge: true };
    const t = B.text(ls);
    if (t.trim() === '' || !lex.clear(ls)) continue;
    const ind = indentOf(t);
    if (ind > level) continue;
    if (boundary(fam, B, ls) && atLineStart(A, ls + shiftEnd) && boundary(fam, A, ls + shiftEnd)) {
      // Inside a block the window's first line opened (an unindented body: `(function () {` then `var i;`).
      if (balanced && ind === level && !balanced.level(s, ls)) continue;
      if (ind < level && fam === 'c') return { widen: ind, why: 'a statement at a lower level before the block ends' };
      e = ls;
      break;
    }
    if (ind < level) {
      if (fam === 'c' && mode !== 'program' && t.trim().startsWith('}') && ind === openerIndent && atLineStart(A, ls + shiftEnd)) {
        e = ls;
        break;
      }
      return { widen: ind, why: `the level ends at: ${t.trim().slice(0, 60)}` };
    }
  }
  if (e === B.s.length && nextStart < B.s.length) return { merge: true };
  if (e === B.s.length && mode !== 'program' && fam === 'c') return { fail: 'the enclosing block does not end' };
  return { start: s, end: e, aStart: s + shiftStart, aEnd: e + shiftEnd, mode, indent: level, r };
}

export function wrap(fam: Family, w: Window, text: string): string {
  if (w.mode === 'program') return text;
  if (fam === 'py') return `if 1:\n${text}`;
  return w.mode === 'class' ? `class __W {\n${text}\n}` : `async function* __w() {\n${text}\n}`;
}

/** The after-window's source is the before-window's with each of its changes made, and nothing else changed. */
function sameOutside(from: BeforeWindow, src: string, pre: number, w: Window): boolean {
  let b = 0;
  let a = 0;
  for (const x of from.changes) {
    const bs = pre + (x.oldStart - w.start);
    const as = pre + (x.newStart - w.aStart);
    if (bs - b !== as - a || from.src.slice(b, bs) !== src.slice(a, as)) return false;
    b = pre + (x.oldEnd - w.start);
    a = pre + (x.newEnd - w.aStart);
  }
  return from.src.length - b === src.length - a && from.src.slice(b) === src.slice(a);
}

/** The before-window's tree and source, from which the after-window is parsed incrementally, and the changes in it. */
interface BeforeWindow {
  tree: Tree;
  src: string;
  changes: ChangedRange[];
}

/**
 * The window's text parses without an error, and (wrapped) as exactly the wrapper, end to end: its tree (the
 * caller deletes it), or undefined. With `from` (the before-window of the same frame), only the changed range is
 * re-parsed.
 */
async function cleanTree(grammar: GrammarName, fam: Family, w: Window, text: string, from?: BeforeWindow): Promise<Tree | undefined> {
  // Python: a line of the window left of its indentation would leave the wrapper's block.
  if (fam === 'py' && w.indent > 0 && text.split('\n').some((l) => l.trim() !== '' && indentOf(l) < w.indent)) return undefined;
  const src = wrap(fam, w, text);
  const parser = new Parser();
  let tree: Tree | null;
  try {
    parser.setLanguage(await loadLanguage(grammar));
    const pre = wrap(fam, w, '\u0000').indexOf('\u0000');
    if (from && sameOutside(from, src, pre, w)) {
      const old = from.tree.copy();
      const nlB = newlines(from.src);
      const nlA = newlines(src);
      // Each change on its own (the last first, so the earlier ones keep their positions): re-parsing the span
      // from the first change to the last would cost what a fresh parse does.
      for (const x of [...from.changes].reverse()) {
        const startIndex = pre + (x.oldStart - w.start);
        const oldEndIndex = pre + (x.oldEnd - w.start);
        const length = x.newEnd - x.newStart;
        const start = pointAt(nlB, startIndex);
        const aStart = pointAt(nlA, pre + (x.newStart - w.aStart));
        const aEnd = pointAt(nlA, pre + (x.newEnd - w.aStart));
        const rows = aEnd.row - aStart.row;
        old.edit({
          startIndex,
          oldEndIndex,
          newEndIndex: startIndex + length,
          startPosition: start,
          oldEndPosition: pointAt(nlB, oldEndIndex),
          newEndPosition: rows === 0 ? { row: start.row, column: start.column + length } : { row: start.row + rows, column: aEnd.column },
        });
      }
      tree = parser.parse(src, old);
      old.delete();
    } else tree = parser.parse(src);
  } finally {
    parser.delete();
  }
  if (!tree) return undefined;
  const root = tree.rootNode;
  const clean = !syntaxProblems(tree, 1).length && (w.mode === 'program' || (root.childCount === 1 && root.child(0)!.endIndex >= src.trimEnd().length));
  if (clean) return tree;
  tree.delete();
  return undefined;
}

/**
 * Whether the edit before → after introduced no syntax error, decided from windows around its changes (see the
 * file comment). `clean: false` is "don't know" (with the reason): the caller parses in full.
 */
export async function windowCheck(grammar: GrammarName, before: string, after: string, opts: WindowOptions = {}): Promise<WindowVerdict> {
  const fam = FAMILY[grammar];
  if (!fam) return { clean: false, why: `no window rules for ${grammar}` };
  if (before.length < (opts.minChars ?? WINDOW_MIN_CHARS)) return { clean: false, why: 'small file' };
  const B = new Lines(before);
  const A = new Lines(after);
  const lex = new Lexical(fam, before);
  const ranges = changedRanges(before, after);
  const windows: Window[] = [];
  let total = 0;
  let brackets: BracketLevels | undefined;
  for (let i = 0; i < ranges.length; i++) {
    let r = ranges[i]!;
    let w: Window | undefined;
    for (let d = changedIndent(B, A, r), tries = 0; ; tries++) {
      if (tries >= MAX_TRIES) return { clean: false, why: 'no clean window within the levels tried' };
      const f = frame(fam, B, A, lex, r, d, ranges[i + 1]?.oldStart ?? Infinity, brackets);
      if ('fail' in f) return { clean: false, why: f.fail };
      if ('merge' in f) {
        const next = ranges[++i]!;
        r = { oldStart: r.oldStart, newStart: r.newStart, oldEnd: next.oldEnd, newEnd: next.newEnd };
        d = Math.min(d, changedIndent(B, A, r));
        tries--;
        continue;
      }
      if ('widen' in f) {
        opts.trace?.(`edges not safe at indent ≤ ${d} for the change at offset ${r.oldStart} (${f.why}): widen to ${Math.min(f.widen, d - 1)}`);
        d = Math.min(f.widen, d - 1);
        if (d < 0) return { clean: false, why: 'no enclosing level left' };
        continue;
      }
      // Overlapping an earlier window: frame the two changes as one range.
      const prev = windows.at(-1);
      if (prev && f.start < prev.end) {
        windows.pop();
        total -= prev.end - prev.start;
        r = { oldStart: prev.r.oldStart, newStart: prev.r.newStart, oldEnd: r.oldEnd, newEnd: r.newEnd };
        d = changedIndent(B, A, r);
        tries = -1;
        continue;
      }
      if (total + (f.end - f.start) > (opts.maxShare ?? MAX_SHARE) * before.length) {
        opts.trace?.(`window of ${f.end - f.start} characters at indent ${f.indent} (${f.mode}) for the change at offset ${r.oldStart}: too large`);
        return { clean: false, why: 'the windows would cover more than half of the file' };
      }
      const lineOf = (T: string, i: number) => T.slice(0, i).split('\n').length;
      opts.trace?.(`window lines ${lineOf(before, f.start)}–${lineOf(before, f.end) - 1} (${f.mode}, indent ${f.indent}) for the change at line ${lineOf(before, r.oldStart)}`);
      const bText = before.slice(f.start, f.end);
      const bTree = await cleanTree(grammar, fam, f, bText);
      if (!bTree) {
        opts.trace?.(`  before-window errors:\n${wrap(fam, f, before.slice(f.start, f.end))}`);
        if (f.indent === 0) {
          // Its end may be a statement of a body that the window opens and does not close (a bundle's unindented
          // wrapper function): frame it again, ending only where the brackets are back at the start's level.
          if (fam === 'c' && !brackets) {
            brackets = new BracketLevels(before);
            tries--;
            continue;
          }
          return { clean: false, why: 'the before-text window does not parse on its own' };
        }
        d = f.indent - 1;
        continue;
      }
      const aTree = await cleanTree(grammar, fam, f, after.slice(f.aStart, f.aEnd), {
        tree: bTree,
        src: wrap(fam, f, bText),
        changes: ranges.filter((x) => x.oldStart >= f.start && x.oldEnd <= f.end),
      });
      bTree.delete();
      aTree?.delete();
      if (!aTree) {
        opts.trace?.(`  after-window errors:\n${wrap(fam, f, after.slice(f.aStart, f.aEnd))}`);
        // A real new error, or an edge that the edit moved (an `else` added after the window's first statement):
        // the enclosing level decides, and past it the full parse.
        if (f.indent === 0) return { clean: false, why: 'the after-text window has a syntax error' };
        d = f.indent - 1;
        continue;
      }
      w = f;
      break;
    }
    windows.push(w);
    total += w.end - w.start;
  }
  return { clean: true, windows: windows.map((w) => ({ start: w.start, end: w.end })) };
}
