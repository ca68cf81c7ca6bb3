/**
 * Incremental re-parsing for the syntax check. The tree of the last few texts checked is kept (keyed by grammar and
 * content hash); when an edit's before-text has a cached tree, the edited range is applied to a copy of it with
 * `tree.edit` (one edit per hunk when they lie far apart) and only those ranges are re-parsed (tree-sitter reuses every untouched subtree). That is the common
 * path for repeated edits to one file — an agent loop's steps, a preview followed by its apply — and it keeps a
 * one-line change in a 20,000-line file from costing a full parse. A miss parses in full, as before.
 */
import { createHash } from 'node:crypto';
import { diffArrays } from 'diff';
import { type Language, Parser, type Tree } from 'web-tree-sitter';
import type { GrammarName } from '../syntax/grammars';
import { loadLanguage } from '../syntax/parser';
import { commonAffixes, countBelow, splitKeepingNewlines } from './text';

const MAX_TREES = 8;
const cache = new Map<string, Tree>();
/** `grammar:length` of every cached text: a text of another length is a miss without hashing it. */
const sizes = new Map<string, number>();

function sizeKey(grammar: GrammarName, text: string): string {
  return `${grammar}:${text.length}`;
}

function lookup(grammar: GrammarName, text: string): Tree | undefined {
  return sizes.has(sizeKey(grammar, text)) ? cache.get(key(grammar, text)) : undefined;
}

function key(grammar: GrammarName, text: string): string {
  return `${grammar}:${text.length}:${createHash('sha1').update(text).digest('hex')}`;
}

/** One cached text of `sk` (`grammar:length`) fewer. */
function forget(sk: string): void {
  const n = (sizes.get(sk) ?? 1) - 1;
  if (n > 0) sizes.set(sk, n);
  else sizes.delete(sk);
}

function remember(grammar: GrammarName, text: string, tree: Tree): void {
  const k = key(grammar, text);
  const old = cache.get(k);
  if (old) {
    old.delete();
    forget(sizeKey(grammar, text));
  }
  cache.delete(k);
  cache.set(k, tree.copy());
  sizes.set(sizeKey(grammar, text), (sizes.get(sizeKey(grammar, text)) ?? 0) + 1);
  while (cache.size > MAX_TREES) {
    const [first, t] = cache.entries().next().value as [string, Tree];
    t.delete();
    cache.delete(first);
    forget(first.slice(0, first.lastIndexOf(':'))); // the key without its hash is the size key
  }
}

/** Offsets of every \n in `text`, for rows and columns by binary search (one pass per text, not one per edit). */
export function newlines(text: string): number[] {
  const out: number[] = [];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) out.push(at);
  return out;
}

/** Row and column (UTF-16 units, as web-tree-sitter counts for JS strings) of index `i`, given `text`'s newlines. */
export function pointAt(nl: number[], i: number): { row: number; column: number } {
  const lo = countBelow(nl, i);
  return { row: lo, column: i - (lo > 0 ? nl[lo - 1]! : -1) - 1 };
}

/** The one range that differs between `a` and `b` (common prefix and suffix excluded). */
export function changedRange(a: string, b: string): { start: number; oldEnd: number; newEnd: number } {
  const { prefix, suffix } = commonAffixes(a, b);
  return { start: prefix, oldEnd: a.length - suffix, newEnd: b.length - suffix };
}

/** Above this many changed characters, the changed range is split into the edit's separate hunks. */
const SPLIT_ABOVE = 4096;

export interface ChangedRange {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/**
 * The ranges that differ between `a` and `b`, in order: one when the change is small or contiguous; otherwise one
 * per hunk of a line diff of the part between the common prefix and suffix. An edit with blocks far apart (the
 * first near the top of a 6,000-line file, the last near the bottom) then re-parses its hunks, not everything
 * between them.
 */
export function changedRanges(a: string, b: string): ChangedRange[] {
  const one = changedRange(a, b);
  const whole = { oldStart: one.start, oldEnd: one.oldEnd, newStart: one.start, newEnd: one.newEnd };
  if (one.oldEnd - one.start <= SPLIT_ABOVE && one.newEnd - one.start <= SPLIT_ABOVE) return [whole];
  const al = splitKeepingNewlines(a.slice(one.start, one.oldEnd));
  const bl = splitKeepingNewlines(b.slice(one.start, one.newEnd));
  const out: ChangedRange[] = [];
  let ia = one.start;
  let ib = one.start;
  let cur: ChangedRange | undefined;
  for (const part of diffArrays(al, bl)) {
    const len = part.value.reduce((n, l) => n + l.length, 0);
    if (!part.added && !part.removed) {
      if (cur) out.push(cur);
      cur = undefined;
      ia += len;
      ib += len;
      continue;
    }
    cur ??= { oldStart: ia, oldEnd: ia, newStart: ib, newEnd: ib };
    if (part.removed) cur.oldEnd = ia += len;
    else cur.newEnd = ib += len;
  }
  if (cur) out.push(cur);
  return out.length ? out : [whole];
}

/**
 * The tree of `after`; incremental from `before`'s cached tree when there is one. The caller owns the result and
 * must `delete()` it. `keep: false` for a tree used once (a completion's trial insertion): caching it would push
 * out trees that later parses start from.
 */
export async function parseEdited(grammar: GrammarName, before: string | null, after: string, keep = true): Promise<{ tree: Tree; incremental: boolean }> {
  const language = await loadLanguage(grammar);
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    const hitAfter = lookup(grammar, after);
    if (hitAfter) return { tree: hitAfter.copy(), incremental: true };
    const old = before !== null ? lookup(grammar, before)?.copy() : undefined;
    let tree: Tree | null;
    if (old && before !== null) {
      // Last range first: the ranges before it keep their positions in the before-text.
      const nlBefore = newlines(before);
      const nlAfter = newlines(after);
      for (const r of changedRanges(before, after).reverse()) {
        const start = pointAt(nlBefore, r.oldStart);
        const newStartInAfter = pointAt(nlAfter, r.newStart);
        const newEndInAfter = pointAt(nlAfter, r.newEnd);
        // Where the new text ends when only this range (and the ones after it) is applied.
        const rows = newEndInAfter.row - newStartInAfter.row;
        old.edit({
          startIndex: r.oldStart,
          oldEndIndex: r.oldEnd,
          newEndIndex: r.oldStart + (r.newEnd - r.newStart),
          startPosition: start,
          oldEndPosition: pointAt(nlBefore, r.oldEnd),
          newEndPosition: rows === 0 ? { row: start.row, column: start.column + (r.newEnd - r.newStart) } : { row: start.row + rows, column: newEndInAfter.column },
        });
      }
      tree = parser.parse(after, old);
      old.delete();
    } else tree = parser.parse(after);
    if (!tree) throw new Error(`tree-sitter returned no tree for a ${grammar} document`);
    if (keep) remember(grammar, after, tree);
    return { tree, incremental: Boolean(old) };
  } finally {
    parser.delete();
  }
}

/**
 * The tree of `text` parsed in full (the cached one when there is one), with its language already loaded: for a
 * caller that cannot wait (the elision span check runs inside a synchronous resolution). Kept in the cache, so the
 * syntax check after the edit re-parses incrementally. The caller owns the result and must `delete()` it.
 */
export function parseWhole(grammar: GrammarName, language: Language, text: string): Tree {
  const hit = lookup(grammar, text);
  if (hit) return hit.copy();
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    const tree = parser.parse(text);
    if (!tree) throw new Error(`tree-sitter returned no tree for a ${grammar} document`);
    remember(grammar, text, tree);
    return tree;
  } finally {
    parser.delete();
  }
}

/** Whether `text`'s tree is cached (an edit from it re-parses incrementally). */
export function hasTree(grammar: GrammarName, text: string): boolean {
  return lookup(grammar, text) !== undefined;
}

/** Keeps the tree of a text about to be edited (its first check), so the edit's check can be incremental. */
export async function rememberTree(grammar: GrammarName, text: string): Promise<void> {
  if (lookup(grammar, text)) return;
  const { tree } = await parseEdited(grammar, null, text);
  tree.delete();
}

/**
 * Drops `text`'s cached tree: a closed document's tree is freed when it closes, not in whatever parse later evicts
 * it (freeing a large tree takes milliseconds).
 */
export function releaseTree(grammar: GrammarName, text: string): void {
  if (!sizes.has(sizeKey(grammar, text))) return;
  const k = key(grammar, text);
  const tree = cache.get(k);
  if (!tree) return;
  tree.delete();
  cache.delete(k);
  forget(sizeKey(grammar, text));
}

/** Drops every cached tree (benchmarks measure the cold path). */
export function clearTreeCache(): void {
  for (const t of cache.values()) t.delete();
  cache.clear();
  sizes.clear();
}
