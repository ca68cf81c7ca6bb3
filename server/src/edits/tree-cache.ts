/**
 * Incremental re-parsing for the syntax check. The tree of the last few texts checked is kept (keyed by grammar and
 * content hash); when an edit's before-text has a cached tree, the edited range is applied to a copy of it with
 * `tree.edit` and only that range is re-parsed (tree-sitter reuses every untouched subtree). That is the common
 * path for repeated edits to one file — an agent loop's steps, a preview followed by its apply — and it keeps a
 * one-line change in a 20,000-line file from costing a full parse. A miss parses in full, as before.
 */
import { createHash } from 'node:crypto';
import { Parser, type Tree } from 'web-tree-sitter';
import type { GrammarName } from '../syntax/grammars';
import { loadLanguage } from '../syntax/parser';

const MAX_TREES = 8;
const cache = new Map<string, Tree>();

function key(grammar: GrammarName, text: string): string {
  return `${grammar}:${createHash('sha1').update(text).digest('hex')}`;
}

function remember(k: string, tree: Tree): void {
  const old = cache.get(k);
  if (old) old.delete();
  cache.delete(k);
  cache.set(k, tree.copy());
  while (cache.size > MAX_TREES) {
    const [first, t] = cache.entries().next().value as [string, Tree];
    t.delete();
    cache.delete(first);
  }
}

/** Row and column (UTF-16 units, as web-tree-sitter counts for JS strings) of index `i` in `text`. */
function pointAt(text: string, i: number): { row: number; column: number } {
  let row = 0;
  let last = -1;
  for (let at = text.indexOf('\n'); at >= 0 && at < i; at = text.indexOf('\n', at + 1)) {
    row++;
    last = at;
  }
  return { row, column: i - last - 1 };
}

/** The one range that differs between `a` and `b` (common prefix and suffix excluded). */
export function changedRange(a: string, b: string): { start: number; oldEnd: number; newEnd: number } {
  let p = 0;
  const n = Math.min(a.length, b.length);
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  while (s < n - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  return { start: p, oldEnd: a.length - s, newEnd: b.length - s };
}

/**
 * The tree of `after`; incremental from `before`'s cached tree when there is one. The caller owns the result and
 * must `delete()` it.
 */
export async function parseEdited(grammar: GrammarName, before: string | null, after: string): Promise<{ tree: Tree; incremental: boolean }> {
  const language = await loadLanguage(grammar);
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    const hitAfter = cache.get(key(grammar, after));
    if (hitAfter) return { tree: hitAfter.copy(), incremental: true };
    const old = before !== null ? cache.get(key(grammar, before))?.copy() : undefined;
    let tree: Tree | null;
    if (old && before !== null) {
      const r = changedRange(before, after);
      old.edit({
        startIndex: r.start,
        oldEndIndex: r.oldEnd,
        newEndIndex: r.newEnd,
        startPosition: pointAt(before, r.start),
        oldEndPosition: pointAt(before, r.oldEnd),
        newEndPosition: pointAt(after, r.newEnd),
      });
      tree = parser.parse(after, old);
      old.delete();
    } else tree = parser.parse(after);
    if (!tree) throw new Error(`tree-sitter returned no tree for a ${grammar} document`);
    remember(key(grammar, after), tree);
    return { tree, incremental: Boolean(old) };
  } finally {
    parser.delete();
  }
}

/** Keeps the tree of a text about to be edited (its first check), so the edit's check can be incremental. */
export async function rememberTree(grammar: GrammarName, text: string): Promise<void> {
  if (cache.has(key(grammar, text))) return;
  const { tree } = await parseEdited(grammar, null, text);
  tree.delete();
}

/** Drops every cached tree (benchmarks measure the cold path). */
export function clearTreeCache(): void {
  for (const t of cache.values()) t.delete();
  cache.clear();
}
