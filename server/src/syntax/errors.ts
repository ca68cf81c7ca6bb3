/**
 * Syntax errors from a tree-sitter tree: each outermost ERROR node and each MISSING node becomes one problem.
 * Only subtrees that contain an error are visited, so a clean 10k-line file costs one check at the root.
 */
import type { Node, Tree } from 'web-tree-sitter';

export interface SyntaxProblem {
  /** 0-based LSP positions; columns in UTF-16 code units, which is what web-tree-sitter reports for JS strings. */
  start: { line: number; character: number };
  end: { line: number; character: number };
  message: string;
}

const MAX_SNIPPET = 30;

function snippet(text: string): string {
  // An error node can span the rest of a file (an unclosed bracket): only its start is shown.
  const oneLine = text.slice(0, 16 * MAX_SNIPPET).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_SNIPPET ? `${oneLine.slice(0, MAX_SNIPPET)}…` : oneLine;
}

function position(p: { row: number; column: number }): { line: number; character: number } {
  return { line: p.row, character: p.column };
}

export function syntaxProblems(tree: Tree, limit = 100): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: Node): void => {
    if (problems.length >= limit) return;
    if (node.isMissing) {
      problems.push({
        start: position(node.startPosition),
        end: position(node.endPosition),
        message: `Syntax error: missing ${node.type === '' ? 'token' : `\`${node.type}\``}`,
      });
      return;
    }
    if (node.isError) {
      const text = snippet(node.text);
      problems.push({
        start: position(node.startPosition),
        end: position(node.endPosition),
        message: text ? `Syntax error: unexpected \`${text}\`` : 'Syntax error',
      });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}
