/**
 * What makes ghost text trustworthy: the model's raw middle is cut to what belongs at the cursor.
 *  - single- or multi-line from the cursor's syntactic position (tree-sitter: inside a string or comment, or
 *    mid-line, one line; on an empty line or after a block opener, a block);
 *  - a multi-line completion stops at the end of the current block (a line indented less than the cursor's);
 *  - never repeats what already follows the cursor (the rest of the line, the next lines);
 *  - brackets balance: a closer the rest of the line already has ends the completion, openers left unclosed at
 *    the end are cut back to the last balanced point;
 *  - a completion that adds a syntax error to the document is dropped.
 * `streamCut` answers the same rules on a partial stream, so the HTTP request can stop as soon as the answer is
 * known (the block ended, the line ended).
 */
import type { Tree } from 'web-tree-sitter';
import { parseEdited } from '../edits/tree-cache';
import { parse } from '../syntax/parser';
import type { GrammarName } from '../syntax/grammars';
import { syntaxProblems } from '../syntax/errors';

export type CompletionMode = 'single' | 'multi';

export interface CursorText {
  text: string;
  offset: number;
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);
/** Sentinels that leak when a server ignores stop strings: nothing after one is code. */
const SENTINEL = /<\|(?:endoftext|fim_\w+|file_sep|repo_name|im_end|EOT)\|>|<fim_\w+>|<file_sep>|<｜[^｜]*｜>|<EOT>|<\/s>|\[(?:SUFFIX|PREFIX|INST)\]|<(?:PRE|SUF|MID)>/;
const MAX_LINES = 24;

function lineAround(doc: CursorText): { before: string; after: string; indent: string } {
  const start = doc.text.lastIndexOf('\n', doc.offset - 1) + 1;
  const nl = doc.text.indexOf('\n', doc.offset);
  const before = doc.text.slice(start, doc.offset);
  const after = doc.text.slice(doc.offset, nl < 0 ? doc.text.length : nl);
  return { before, after, indent: /^[ \t]*/.exec(before)![0] };
}

function positionOf(text: string, offset: number): { row: number; column: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let row = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) row++;
  return { row, column: offset - start };
}

/** True when the cursor sits inside a string or comment node. */
function inStringOrComment(tree: Tree, doc: CursorText): boolean {
  if (doc.offset === 0) return false;
  const pos = positionOf(doc.text, doc.offset);
  let node = tree.rootNode.descendantForPosition({ row: pos.row, column: Math.max(0, pos.column - 1) });
  for (let depth = 0; node && depth < 6; depth++, node = node.parent) {
    const t = node.type;
    if (/comment|string|template|heredoc|char_literal|raw_string/.test(t)) {
      // The cursor right after a closing quote is outside the string.
      const end = node.endPosition;
      if (end.row === pos.row && end.column <= pos.column && !/comment/.test(t)) return false;
      return true;
    }
  }
  return false;
}

/** Single-line inside strings and comments and mid-line; a block on an empty line or after a block opener. */
export function completionMode(doc: CursorText, tree?: Tree): CompletionMode {
  const { before, after } = lineAround(doc);
  if (tree && inStringOrComment(tree, doc)) return 'single';
  // Text after the cursor other than closers: the person is editing inside a line.
  if (/[^\s)\]}"'`;,]/.test(after)) return 'single';
  if (!before.trim()) return 'multi';
  if (/(\{|\(|\[|:|=>|\bthen|\bdo)\s*$/.test(before.trimEnd())) return 'multi';
  return 'single';
}

/** Leading closers of the rest of the line (`)`, `);`, `]`): what the completion must not write again. */
function trailingClosers(after: string): string {
  return /^[\s)\]}]*/.exec(after)![0].replace(/\s/g, '');
}

interface Scan {
  /** Index after which the completion must end (a closer that would repeat the rest of the line), or -1. */
  cutAt: number;
  /** Offsets (exclusive ends) where the completion's own brackets were balanced. */
  balancedAt: number[];
  /** Openers still open at the end. */
  open: string[];
}

/** Brackets outside string literals; a closer with nothing open closes the prefix's bracket. */
function scanBrackets(text: string, lineCloser: string): Scan {
  const stack: string[] = [];
  const balancedAt: number[] = [0];
  let quote: string | undefined;
  let closersUsed = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote || (ch === '\n' && quote !== '`')) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      continue;
    }
    if (OPENERS[ch]) stack.push(OPENERS[ch]);
    else if (CLOSERS.has(ch)) {
      if (stack.length && stack[stack.length - 1] === ch) stack.pop();
      else {
        // Closes a bracket opened before the cursor: if the rest of the line already closes it, stop here.
        if (lineCloser[closersUsed] === ch && !text.slice(0, i).includes('\n')) return { cutAt: i, balancedAt, open: stack };
        closersUsed++;
      }
    }
    if (!stack.length && (ch === '\n' || ch === ';' || CLOSERS.has(ch) || ch === ',')) balancedAt.push(i + 1);
  }
  if (!stack.length) balancedAt.push(text.length);
  return { cutAt: -1, balancedAt, open: stack };
}

/** The completion cut at the end of the current block: the first line indented less than the cursor's line. */
function cutAtBlockEnd(completion: string, doc: CursorText): string {
  const { before, indent } = lineAround(doc);
  const opener = /(\{|\(|\[|:|=>)\s*$/.test(before.trimEnd());
  const lines = completion.split('\n');
  const baseIndent = before.trim() ? indent.length + (opener ? 1 : 0) : before.length;
  const out: string[] = [lines[0]!];
  for (let i = 1; i < lines.length && i < MAX_LINES; i++) {
    const line = lines[i]!;
    if (!line.trim()) {
      out.push(line);
      continue;
    }
    const ind = /^[ \t]*/.exec(line)![0].length;
    if (ind < baseIndent) break;
    out.push(line);
  }
  return out.join('\n');
}

/** Drops the completion's tail that repeats the lines after the cursor. */
function cutRepeatOfSuffix(completion: string, doc: CursorText): string {
  const suffixLines = doc.text.slice(doc.offset).split('\n').slice(1, 40);
  const next = suffixLines.find((l) => l.trim());
  const lines = completion.split('\n');
  if (!next) return completion;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() && lines[i]!.trim() === next.trim()) return lines.slice(0, i).join('\n').replace(/\s+$/, '');
  }
  return completion;
}

/** The rest of the cursor line written again at the end of the completion's first line: drop it. */
function cutRepeatOfLine(completion: string, after: string): string {
  const rest = after.trim();
  if (!rest) return completion;
  const nl = completion.indexOf('\n');
  const first = nl < 0 ? completion : completion.slice(0, nl);
  if (first.trimEnd().endsWith(rest)) {
    const cut = first.trimEnd().slice(0, first.trimEnd().length - rest.length);
    return nl < 0 ? cut : cut + completion.slice(nl);
  }
  return completion;
}

export interface ProcessOptions {
  mode: CompletionMode;
  /** The stream ended before the model finished (length limit or an early stop). */
  truncated: boolean;
}

/** The rules that need no parse: sentinels, mode, block end, repeats, brackets. */
export function shapeCompletion(raw: string, doc: CursorText, opts: ProcessOptions): string {
  let text = raw;
  const sentinel = SENTINEL.exec(text);
  if (sentinel) text = text.slice(0, sentinel.index);
  const { after } = lineAround(doc);
  if (opts.mode === 'single') {
    const nl = text.indexOf('\n');
    if (nl >= 0) text = text.slice(0, nl);
  } else {
    text = cutAtBlockEnd(text, doc);
    text = cutRepeatOfSuffix(text, doc);
    // A last line the stream cut mid-way is not trusted.
    if (opts.truncated && text.includes('\n')) text = text.slice(0, text.lastIndexOf('\n'));
  }
  text = cutRepeatOfLine(text, after);
  const scan = scanBrackets(text, trailingClosers(after));
  if (scan.cutAt >= 0) text = text.slice(0, scan.cutAt);
  else if (scan.open.length) {
    // What the rest of the line closes counts; anything else open is cut back to the last balanced point.
    const closers = trailingClosers(after);
    const needed = [...scan.open].reverse().join('');
    if (!closers.startsWith(needed)) text = text.slice(0, scan.balancedAt[scan.balancedAt.length - 1] ?? 0);
  }
  text = text.replace(/[ \t]+$/, '').replace(/\n\s*$/, '');
  return text.trim() ? text : '';
}

/**
 * During streaming: true once more text cannot change the answer — a single-line completion has its line, a
 * multi-line one has left the block (or reached the line limit). Cheap: no parse.
 */
export function streamDone(partial: string, doc: CursorText, mode: CompletionMode): boolean {
  if (SENTINEL.test(partial)) return true;
  if (mode === 'single') return partial.includes('\n');
  const lines = partial.split('\n');
  if (lines.length > MAX_LINES) return true;
  if (lines.length < 3) return false;
  // The last complete line left the block.
  const complete = lines.slice(0, -1).join('\n');
  return cutAtBlockEnd(complete, doc).split('\n').length < lines.length - 1;
}

/**
 * True when inserting `completion` at the cursor adds syntax errors: more problems than before, or a problem that
 * starts inside the inserted text (the half-typed line before it is often an error itself, which a good
 * completion fixes, so counts alone would miss `x +* ;` replacing a missing expression).
 */
export async function addsSyntaxError(grammar: GrammarName, doc: CursorText, completion: string, beforeTree?: Tree): Promise<boolean> {
  const own = beforeTree ? undefined : await parse(grammar, doc.text);
  const base = beforeTree ?? own!;
  try {
    const before = syntaxProblems(base, 1000).length;
    const text = doc.text.slice(0, doc.offset) + completion + doc.text.slice(doc.offset);
    // Incremental from the document's tree (cached when the request parsed it): only the inserted text is parsed.
    const { tree } = await parseEdited(grammar, doc.text, text, false);
    try {
      const after = syntaxProblems(tree, 1000);
      if (after.length > before) return true;
      const from = positionOf(text, doc.offset);
      const to = positionOf(text, doc.offset + completion.length);
      const cmp = (a: { line: number; character: number }, b: { row: number; column: number }) => a.line - b.row || a.character - b.column;
      return after.some((p) => cmp(p.start, from) >= 0 && cmp(p.start, to) < 0);
    } finally {
      tree.delete();
    }
  } finally {
    own?.delete();
  }
}
