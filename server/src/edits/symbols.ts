/**
 * "Replace symbol X": finds the definition of a function, method, class (or similar) named X with tree-sitter.
 * `Class.method` qualifies the name; a bare name must be unique in the file. The result is a line range, so the
 * replacement is re-indented to where the definition sits.
 */
import type { Node } from 'web-tree-sitter';
import type { GrammarName } from '../syntax/grammars';
import { parse } from '../syntax/parser';

const DEFINITION = /(^|_)(function|method|class|interface|struct|enum|trait|impl|type_alias|module|constructor|namespace|record)(_|$)|^(function_definition|function_item|method_declaration|class_specifier|struct_specifier|singleton_method|def)$/;
const NOT_DEFINITION = /(call|expression|parameters|type_arguments|body|heritage|clause|pattern)$/;

interface Definition {
  qualified: string;
  node: Node;
}

function nameOf(node: Node): string | undefined {
  const n = node.childForFieldName('name') ?? node.childForFieldName('declarator');
  if (!n) return undefined;
  // C/C++ declarators nest: take the identifier inside.
  if (/declarator/.test(n.type)) {
    const id = n.descendantsOfType(['identifier', 'field_identifier', 'qualified_identifier'])[0];
    return id?.text;
  }
  return n.text;
}

function variableFunction(node: Node): string | undefined {
  if (node.type !== 'lexical_declaration' && node.type !== 'variable_declaration') return undefined;
  const decls = node.namedChildren.filter((c) => c?.type === 'variable_declarator');
  if (decls.length !== 1) return undefined;
  const value = decls[0]!.childForFieldName('value');
  if (!value || !/^(arrow_function|function_expression|function|generator_function|class)$/.test(value.type)) return undefined;
  return decls[0]!.childForFieldName('name')?.text;
}

function collect(node: Node, scope: string[], out: Definition[]): void {
  for (const child of node.namedChildren) {
    if (!child) continue;
    let name: string | undefined;
    if (DEFINITION.test(child.type) && !NOT_DEFINITION.test(child.type)) name = nameOf(child);
    name ??= variableFunction(child);
    if (name) {
      out.push({ qualified: [...scope, name].join('.'), node: child });
      collect(child, [...scope, name], out);
    } else collect(child, scope, out);
  }
}

export interface SymbolRange {
  /** 0-based, inclusive first line; exclusive end line. */
  startLine: number;
  endLine: number;
  indent: string;
}

/** The outermost node to replace: an `export`/decorator wrapper is included when the new text has it too. */
function widen(node: Node, replacement: string): Node {
  const head = replacement.trimStart();
  let cur = node;
  for (;;) {
    const p = cur.parent;
    if (!p) return cur;
    if (p.type === 'export_statement' && head.startsWith('export')) cur = p;
    else if (p.type === 'decorated_definition' && head.startsWith('@')) cur = p;
    else return cur;
  }
}

export async function findSymbol(grammar: GrammarName, text: string, symbol: string, replacement: string): Promise<SymbolRange | { error: string }> {
  const tree = await parse(grammar, text);
  try {
    const defs: Definition[] = [];
    collect(tree.rootNode, [], defs);
    const hits = defs.filter((d) => d.qualified === symbol || d.qualified.endsWith(`.${symbol}`));
    // A bare name that is both a top-level symbol and a nested one: the exact qualified match wins.
    const exact = hits.filter((d) => d.qualified === symbol);
    const chosen = exact.length === 1 ? exact : hits;
    if (!chosen.length) return { error: `no function, method or class named ${symbol}` };
    if (chosen.length > 1) return { error: `${chosen.length} definitions match ${symbol} (${chosen.map((d) => `${d.qualified} at line ${d.node.startPosition.row + 1}`).join(', ')}); qualify the name` };
    const node = widen(chosen[0]!.node, replacement);
    const lines = text.split('\n');
    const startLine = node.startPosition.row;
    const endRow = node.endPosition.row;
    const before = lines[startLine]!.slice(0, node.startPosition.column);
    const after = (lines[endRow] ?? '').slice(node.endPosition.column).replace(/\r$/, '');
    if (before.trim() !== '' || after.trim() !== '') {
      return { error: `${symbol} shares its lines with other code (line ${startLine + 1}); use a SEARCH/REPLACE block` };
    }
    return { startLine, endLine: endRow + 1, indent: before };
  } finally {
    tree.delete();
  }
}

/** Every definition that occupies whole lines: qualified name and 0-based line range (end exclusive). */
export async function listDefinitions(grammar: GrammarName, text: string): Promise<{ qualified: string; startLine: number; endLine: number }[]> {
  const tree = await parse(grammar, text);
  try {
    const defs: Definition[] = [];
    collect(tree.rootNode, [], defs);
    const lines = text.split('\n');
    return defs
      .filter((d) => lines[d.node.startPosition.row]!.slice(0, d.node.startPosition.column).trim() === '' && (lines[d.node.endPosition.row] ?? '').slice(d.node.endPosition.column).trim() === '')
      .map((d) => ({ qualified: d.qualified, startLine: d.node.startPosition.row, endLine: d.node.endPosition.row + 1 }));
  } finally {
    tree.delete();
  }
}
