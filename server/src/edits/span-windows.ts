/**
 * The elision markers' span check (span-check.ts) on a large file without parsing it in full. A marker's span of
 * the original is a run of whole definitions or statements of one parent exactly when its first line starts a
 * child of some statement list and its last line ends a child of the same list. Both edges are judged from windows
 * of the file around them, framed and parsed the way the syntax check's windows are (window-check.ts: statement
 * boundaries by the text, then each window's own clean parse, wrapped as a function or class body when it lies in
 * one); that both edges belong to one list is judged by the text between them: in Python no line there is indented
 * less than the windows' level, in JS/TS the bracket depth is the same at both ends and never below it in between
 * (bracket-depth.ts). A short span is framed and parsed as one window instead, and span-check.ts's own rule runs on
 * that window's tree.
 *
 * Windows answer "whole" (and "cuts a definition" when a definition the windows show starts before the span and
 * ends inside it, or the other way round); anything they cannot settle goes to the full parse, once per file, and
 * from then on every span of that file is judged by the full tree. The full tree also goes to the tree cache, so
 * the syntax check after the edit re-parses only what changed. `bench:edits` compares the two answers on random
 * spans of its large files.
 */
import { Parser, type Language, type Node, type Tree } from 'web-tree-sitter';
import { syntaxProblems } from '../syntax/errors';
import type { GrammarName } from '../syntax/grammars';
import { loadLanguage } from '../syntax/parser';
import { restAfterDecorators, spanChecker } from './span-check';
import { countBelow } from './text';
import { BracketLevels } from './bracket-depth';
import { parseWhole } from './tree-cache';
import { FAMILY, frame, indentOf, Lexical, Lines, MAX_TRIES, WINDOW_MIN_CHARS, wrap, type Family, type Window } from './window-check';

/** Spans up to this many characters are framed and parsed as one window; longer ones by their two edges. */
const ONE_WINDOW_CHARS = 2 * 1024;
/** Windows parsed for one file (together) past this share of it: the full parse judges the rest. */
const WINDOW_BUDGET = 0.5;

/** The check for lines [s, e) of a text whose first line is line `offset` of the file (see span-check.ts). */
export type SpanOk = (s: number, e: number) => boolean | undefined;

export interface SpanJudge {
  at(offset: number): SpanOk;
  /** Spans judged by windows alone, and by the full tree (benchmark and test diagnostics). */
  readonly stats: { windowed: number; full: number };
  dispose(): void;
}

export interface SpanJudgeOptions {
  /** Files shorter than this are parsed in full (default WINDOW_MIN_CHARS; tests pass 0). */
  minChars?: number;
  /** `false`: always the full tree (the benchmark's reference answer). */
  windows?: boolean;
}

/** A window's parse: its statement list, and how its rows map to the file's. */
interface Parsed {
  w: Window;
  tree: Tree;
  list: Node;
  /** File row of window row r: r - shift. */
  shift: number;
  /** The parsed text's lines. */
  lines: string[];
}

let defaults: SpanJudgeOptions = {};
/** Spans judged by windows alone and by the full tree since the start (benchmark diagnostics). */
export const spanJudgeCounts = { windowed: 0, full: 0 };

/**
 * Benchmarks and tests only: `false` judges every span by the full tree (the reference answer); `minChars` (0) puts
 * small files through windows too.
 */
export function useSpanWindows(on: boolean, minChars?: number): void {
  defaults = { windows: on, ...(minChars !== undefined ? { minChars } : {}) };
}

/** What the model's elision markers in `text` (a file in `grammar`) may stand for; throws when the grammar cannot load. */
export async function spanJudge(grammar: GrammarName, text: string, opts: SpanJudgeOptions = defaults): Promise<SpanJudge> {
  const language = await loadLanguage(grammar);
  const fam = FAMILY[grammar];
  const windowed = fam !== undefined && opts.windows !== false && text.length >= (opts.minChars ?? WINDOW_MIN_CHARS);
  const stats = { windowed: 0, full: 0 };
  let full: { tree: Tree; rawLines: string[] } | undefined;
  const fullTree = () => (full ??= { tree: parseWhole(grammar, language, text), rawLines: text.split('\n') });
  const edges = windowed ? new Edges(fam, language, text) : undefined;
  return {
    stats,
    at(offset) {
      return (s, e) => {
        if (edges && !full) {
          const verdict = edges.judge(offset + s, offset + e - 1);
          if (verdict !== undefined) {
            stats.windowed++;
            spanJudgeCounts.windowed++;
            return verdict;
          }
        }
        stats.full++;
        spanJudgeCounts.full++;
        let f: { tree: Tree; rawLines: string[] };
        try {
          f = fullTree();
        } catch {
          return undefined; // no tree: the markers are resolved by text and indentation alone
        }
        return spanChecker(f.tree, f.rawLines, offset)(s, e);
      };
    },
    dispose() {
      full?.tree.delete();
      edges?.dispose();
    },
  };
}

/** Child nodes in a span: definitions, statements, items, comments, and the separators between them. */
function itemLike(c: Node): boolean {
  return c.isNamed || c.type === ',' || c.type === ';';
}

/** The window list's children, and the one (with its index) whose rows hold window row `row`; none when a gap between children does. */
function childAt(p: Parsed, row: number): { kids: Node[]; at: number; c: Node | undefined } {
  const kids = p.list.children.filter((c): c is Node => c !== null);
  const at = kids.findIndex((c) => c.endPosition.row >= row);
  const c = kids[at];
  return { kids, at, c: c && c.startPosition.row <= row ? c : undefined };
}

class Edges {
  private readonly L: Lines;
  private readonly lex: Lexical;
  private readonly parser = new Parser();
  /** Offset of each line's start. */
  private readonly starts: number[] = [0];
  /** Characters parsed in windows so far (see WINDOW_BUDGET). */
  private parsed = 0;
  /** Each window parsed, by its offsets and kind (null: it does not parse clean); the spans of a marker's readings share them. */
  private readonly windows = new Map<string, Parsed | null>();
  /** Bracket depths of the lines (JS/TS), read once, when a span is judged by its two edges. */
  private brackets: BracketLevels | undefined;

  constructor(
    private readonly fam: Family,
    language: Language,
    text: string,
  ) {
    this.L = new Lines(text);
    this.lex = new Lexical(fam, text);
    this.parser.setLanguage(language);
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  dispose(): void {
    for (const p of this.windows.values()) p?.tree.delete();
    this.parser.delete();
  }

  private line(i: number): string {
    return this.L.text(this.starts[i]!);
  }

  private lineOf(offset: number): number {
    return countBelow(this.starts, offset + 1) - 1;
  }

  /** Lines [first, last] of the file (blank edges trimmed here): true, false, or undefined (the full tree decides). */
  judge(first: number, last: number): boolean | undefined {
    if (first < 0 || last >= this.starts.length) return undefined;
    while (first <= last && this.line(first).trim() === '') first++;
    while (last >= first && this.line(last).trim() === '') last--;
    if (first > last) return true;
    const spanChars = (this.starts[last + 1] ?? this.L.s.length) - this.starts[first]!;
    if (spanChars <= ONE_WINDOW_CHARS) return this.oneWindow(first, last);
    const a = this.window(first, first, indentOf(this.line(first)));
    if (!a) return undefined;
    // The window of the first line reaches past the last (one long definition, say): it has the whole span.
    if (a.w.end > this.starts[last]!) return spanChecker(a.tree, a.lines, a.shift)(first, last + 1);
    const aSays = this.startEdge(a, first, last);
    if (aSays !== true) return aSays;
    const b = this.window(last, last, a.w.indent);
    if (!b) return undefined;
    const bSays = this.endEdge(b, first, last);
    if (bSays !== true) return bSays;
    // One list: the same level and kind of body, windows apart, and the text between them staying in that list.
    if (b.w.mode !== a.w.mode || b.w.indent !== a.w.indent || b.w.start < a.w.end) return undefined;
    return this.levelHolds(a.w.start, b.w.end, a.w.indent) ? true : undefined;
  }

  /** A short span: one window around all of it, and span-check.ts's rule on that window's tree. */
  private oneWindow(first: number, last: number): boolean | undefined {
    const d = Math.min(indentOf(this.line(first)), indentOf(this.line(last)));
    const p = this.window(first, last, d);
    if (!p) return undefined;
    return spanChecker(p.tree, p.lines, p.shift)(first, last + 1);
  }

  /**
   * The span's first line in window `a`: it starts a child of the window's list (or the rest of one after its
   * decorators), and what follows it in the window is whole items (all in the span, which runs past the window).
   */
  private startEdge(a: Parsed, first: number, last: number): boolean | undefined {
    const row = first + a.shift;
    const { kids, at, c } = childAt(a, row);
    if (!c) return undefined;
    if (c.startPosition.row < row && !restAfterDecorators(c, row)) {
      // A child that starts above the span and ends inside it: the span cuts it.
      return c.endPosition.row - a.shift < last ? false : undefined;
    }
    if (kids.slice(at).some((k) => k.endPosition.row - a.shift > last || !itemLike(k))) return undefined;
    return true;
  }

  /** The span's last line in window `b`: it ends a child of the window's list, and nothing on it goes on past it. */
  private endEdge(b: Parsed, first: number, last: number): boolean | undefined {
    const row = last + b.shift;
    const { kids, at, c } = childAt(b, row);
    if (!c) return undefined;
    if (c.endPosition.row > row) {
      // A child that starts inside the span and ends below it: the span cuts it.
      return c.startPosition.row - b.shift > first ? false : undefined;
    }
    const next = kids[at + 1];
    if (next && next.startPosition.row <= row) return undefined;
    if (kids.slice(0, at + 1).some((k) => k.startPosition.row - b.shift < first || !itemLike(k))) return undefined;
    return true;
  }

  /**
   * The text from `from` to `to` (line starts) stays in one list at `level`: in Python no line the level can be
   * read from is indented less; in JS/TS (whose bodies may be unindented, as a bundle's wrapper function is) the
   * bracket depth at `to` is the one at `from`, and nothing between closes a bracket opened before `from`.
   */
  private levelHolds(from: number, to: number, level: number): boolean {
    if (this.fam === 'py') {
      for (let ls = from; level > 0 && ls >= 0 && ls < to; ls = this.L.next(ls)) {
        const t = this.L.text(ls);
        if (t.trim() !== '' && indentOf(t) < level && this.lex.clear(ls)) return false;
      }
      return true;
    }
    return (this.brackets ??= new BracketLevels(this.L.s)).level(from, to);
  }

  /** The window framed around lines [from, to] at indentation ≤ d that parses clean, widening as the syntax check does. */
  private window(from: number, to: number, d: number): Parsed | undefined {
    const r = { oldStart: this.starts[from]!, oldEnd: this.starts[to + 1] ?? this.L.s.length, newStart: 0, newEnd: 0 };
    r.newStart = r.oldStart;
    r.newEnd = r.oldEnd;
    let balanced: BracketLevels | undefined;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const f = frame(this.fam, this.L, this.L, this.lex, r, d, Infinity, balanced);
      if ('fail' in f || 'merge' in f) return undefined;
      if ('widen' in f) {
        d = Math.min(f.widen, d - 1);
        if (d < 0) return undefined;
        continue;
      }
      const key = `${f.start}:${f.end}:${f.mode}`;
      let p = this.windows.get(key);
      if (p === undefined) {
        this.parsed += f.end - f.start;
        if (this.parsed > WINDOW_BUDGET * this.L.s.length) return undefined;
        p = this.parse(f) ?? null;
        this.windows.set(key, p);
      }
      if (p) return p;
      if (f.indent > 0) {
        d = f.indent - 1;
        continue;
      }
      // As the syntax check does: the end may lie in a block the window's first lines open (window-check.ts).
      if (this.fam !== 'c' || balanced) return undefined;
      balanced = this.brackets ??= new BracketLevels(this.L.s);
    }
    return undefined;
  }

  /** The window's tree when it parses without an error, as its wrapper end to end; its statement list. */
  private parse(w: Window): Parsed | undefined {
    const text = this.L.s.slice(w.start, w.end);
    if (this.fam === 'py' && w.indent > 0 && text.split('\n').some((l) => l.trim() !== '' && indentOf(l) < w.indent)) return undefined;
    const src = wrap(this.fam, w, text);
    const tree = this.parser.parse(src);
    if (!tree) return undefined;
    let list: Node | null = null;
    if (!syntaxProblems(tree, 1).length) {
      const root = tree.rootNode;
      if (w.mode === 'program') list = root;
      else if (root.childCount === 1 && root.child(0)!.endIndex >= src.trimEnd().length) {
        list = root.child(0)!.childForFieldName(this.fam === 'py' ? 'consequence' : 'body');
      }
    }
    if (!list) {
      tree.delete();
      return undefined;
    }
    return { w, tree, list, shift: (w.mode === 'program' ? 0 : 1) - this.lineOf(w.start), lines: src.split('\n') };
  }
}
