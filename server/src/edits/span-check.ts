/**
 * The syntax tree's word on what an elision marker may stand for: a run of whole definitions or statements of one
 * parent (the definitions between two others at the top of a file or class, the statements of one body), never
 * part of one. elision.ts asks it for each marker's span; a span that cuts a node is the wrong reading of the
 * model's text (or no reading at all), and the edit is refused rather than applied.
 */
import type { Node, Tree } from 'web-tree-sitter';

/**
 * `spanOk(s, e)` for lines [s, e) of a text whose first line is line `offset` of the parsed file. `rawLines` are
 * the parsed text's lines (split on \n, as the tree counts rows).
 */
export function spanChecker(tree: Tree, rawLines: readonly string[], offset: number): (s: number, e: number) => boolean | undefined {
  return (s, e) => {
    let first = offset + s;
    let last = offset + e - 1;
    while (first <= last && (rawLines[first] ?? '').trim() === '') first++;
    while (last >= first && (rawLines[last] ?? '').trim() === '') last--;
    if (first > last) return true;
    if (last >= rawLines.length) return undefined;
    const startCol = /^[ \t\uFEFF]*/.exec(rawLines[first]!)![0].length;
    const endCol = rawLines[last]!.replace(/\s+$/, '').length;
    const node = tree.rootNode.descendantForPosition({ row: first, column: startCol }, { row: last, column: Math.max(0, endCol - 1) });
    if (!node) return undefined;
    // The span is exactly one node (or a token run inside one line of it).
    if (node.startPosition.row >= first && node.endPosition.row <= last) return node.isNamed;
    // The smallest node around the span: each child is wholly in the span or wholly out of it, and what is in it
    // is definitions, statements, items or comments.
    let firstChild = true;
    for (const c of node.children) {
      if (!c) continue;
      const out = c.endPosition.row < first || c.startPosition.row > last;
      if (out) continue;
      const inside = c.startPosition.row >= first && c.endPosition.row <= last;
      // A definition whose decorators the model kept before the marker (`@memoize` then `# ...`): the span may
      // start with the rest of it.
      if (!inside && firstChild && c.endPosition.row <= last && restAfterDecorators(c, first)) {
        firstChild = false;
        continue;
      }
      firstChild = false;
      // Separators between the items (`,` `;`) go with them; the parent's brackets and keywords do not.
      if (!inside || (!c.isNamed && c.type !== ',' && c.type !== ';')) return false;
    }
    return true;
  };
}

/** Decorators, attributes and annotations: what a model keeps above a definition it elides. */
const DECORATION = /^(decorator|attribute_item|attribute|annotation|marker_annotation|comment|line_comment|block_comment)$/;

/**
 * `node` starts before line `first` with decorations only, and what starts at `first` is the rest of it: whole
 * named children (the decorated definition itself).
 */
export function restAfterDecorators(node: Node, first: number): boolean {
  let sawRest = false;
  for (const c of node.children) {
    if (!c) continue;
    if (c.endPosition.row < first) {
      if (!DECORATION.test(c.type)) return false;
      continue;
    }
    if (c.startPosition.row < first || !c.isNamed) return false;
    sawRest = true;
  }
  return sawRest;
}

