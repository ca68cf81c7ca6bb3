/**
 * Chunking for retrieval: definition-level chunks from tree-sitter (functions, methods, classes, types, and
 * functions nested in them), each with its path, 1-based inclusive line range, symbol, kind and enclosing
 * scope; the lines between top-level definitions as blocks; markdown by heading; line windows for files without a grammar. Sizes are bounded by
 * splitting, never by dropping: every non-blank line of a file lands in at least one chunk.
 */
import type { Node } from 'web-tree-sitter';
import { grammarFor } from '../syntax/grammars';
import { parse } from '../syntax/parser';

export interface Chunk {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string;
  kind: string;
  scope: string;
  text: string;
}

const MAX_LINES = 120;
const WINDOW = 60;
const OVERLAP = 8;
const MAX_CHARS = 12_000;

/** Definition node types → a short kind name. Containers also have their members chunked. */
const DEFINITIONS: Record<string, string> = {
  function_declaration: 'function', generator_function_declaration: 'function', function_definition: 'function',
  function_item: 'function', method_definition: 'method', method_declaration: 'method', constructor_declaration: 'method',
  method: 'method', singleton_method: 'method', function_signature_item: 'function',
  class_declaration: 'class', abstract_class_declaration: 'class', class_definition: 'class', class_specifier: 'class',
  class: 'class', struct_item: 'type', struct_specifier: 'type', struct_declaration: 'type', record_declaration: 'class',
  interface_declaration: 'interface', trait_item: 'interface', type_alias_declaration: 'type', type_item: 'type',
  enum_declaration: 'enum', enum_item: 'enum', impl_item: 'impl', mod_item: 'module', module: 'module',
  type_declaration: 'type',
};
const NAME_TYPES = new Set(['identifier', 'type_identifier', 'property_identifier', 'field_identifier', 'constant', 'name', 'private_property_identifier']);

function nameOf(node: Node): string {
  const byField = node.childForFieldName('name');
  if (byField) return byField.text;
  if (node.type === 'impl_item') return node.childForFieldName('type')?.text ?? 'impl';
  if (node.type === 'type_declaration') {
    const spec = node.namedChildren.find((c) => c?.type === 'type_spec');
    return spec?.childForFieldName('name')?.text ?? 'type';
  }
  const declarator = node.childForFieldName('declarator');
  if (declarator) {
    const id = declarator.descendantsOfType(['identifier', 'field_identifier', 'qualified_identifier'])[0];
    if (id) return id.text;
  }
  const direct = node.namedChildren.find((c) => c && NAME_TYPES.has(c.type));
  return direct?.text ?? '';
}

const FUNCTION_VALUE = /^(arrow_function|function_expression|function|generator_function)$/;

/**
 * Functions by other syntaxes: `const f = () => …`, `let g = function () {…}`, and assignments such as
 * `app.use = function use() {…}` or `exports.parse = (s) => …` (named by the last property).
 */
function variableFunction(node: Node): { name: string } | undefined {
  if (node.type === 'expression_statement') {
    const a = node.namedChildren[0];
    if (a?.type === 'assignment_expression' && FUNCTION_VALUE.test(a.childForFieldName('right')?.type ?? '')) {
      const left = a.childForFieldName('left')?.text ?? '';
      return { name: left.split('.').pop() ?? left };
    }
    return undefined;
  }
  if (node.type !== 'lexical_declaration' && node.type !== 'variable_declaration') return undefined;
  for (const d of node.namedChildren) {
    if (d?.type !== 'variable_declarator') continue;
    const value = d.childForFieldName('value');
    if (value && FUNCTION_VALUE.test(value.type)) {
      return { name: d.childForFieldName('name')?.text ?? '' };
    }
  }
  return undefined;
}

/** Leading comment lines directly above a definition belong to it (doc comments). */
function startWithComments(node: Node): number {
  let start = node.startPosition.row;
  let prev = node.previousSibling;
  while (prev && prev.type === 'comment' && prev.endPosition.row >= start - 1) {
    start = prev.startPosition.row;
    prev = prev.previousSibling;
  }
  return start;
}

function sliceLines(lines: string[], start: number, end: number): string {
  return lines.slice(start, end + 1).join('\n');
}

function pushBounded(out: Chunk[], lines: string[], c: Omit<Chunk, 'text'>): void {
  const span = c.endLine - c.startLine + 1;
  const text = sliceLines(lines, c.startLine - 1, c.endLine - 1);
  if (span <= MAX_LINES && text.length <= MAX_CHARS) {
    if (text.trim()) out.push({ ...c, text });
    return;
  }
  if (span === 1) {
    // One enormous line (minified code): windows of characters, same line number.
    for (let i = 0; i < text.length; i += MAX_CHARS) out.push({ ...c, text: text.slice(i, i + MAX_CHARS) });
    return;
  }
  if (span <= WINDOW) {
    // Few lines but too many characters: halve until each part fits (always progresses).
    const mid = c.startLine + Math.floor(span / 2) - 1;
    pushBounded(out, lines, { ...c, endLine: mid });
    pushBounded(out, lines, { ...c, startLine: mid + 1 });
    return;
  }
  for (let s = c.startLine; s <= c.endLine; s += WINDOW - OVERLAP) {
    const e = Math.min(c.endLine, s + WINDOW - 1);
    pushBounded(out, lines, { ...c, startLine: s, endLine: e });
    if (e === c.endLine) break;
  }
}

function windows(path: string, lines: string[], from: number, to: number, kind: string, out: Chunk[], symbol = '', scope = ''): void {
  for (let s = from; s <= to; s += WINDOW - OVERLAP) {
    const e = Math.min(to, s + WINDOW - 1);
    pushBounded(out, lines, { path, startLine: s, endLine: e, symbol, kind, scope });
    if (e === to) break;
  }
}

/** Definitions whose members are chunked on their own: a large one is not also cut into overlapping windows. */
const CONTAINERS = new Set(['class', 'interface', 'impl', 'module', 'enum', 'type']);

/**
 * A container too large for one chunk (a class of many methods) is its members' chunks plus what lies between
 * them: the header (declaration, fields, up to the first member) under the container's name and kind, later
 * stretches (fields between methods, the closing lines) as blocks scoped to it. Overlapping 60-line windows of
 * the whole class would repeat every method two or three times in a result list.
 */
function containerRest(path: string, lines: string[], out: Chunk[], membersFrom: number, c: { start: number; end: number; name: string; kind: string; scope: string }): void {
  const inMember = new Uint8Array(c.end - c.start + 2);
  for (const m of out.slice(membersFrom)) {
    for (let l = Math.max(m.startLine, c.start); l <= Math.min(m.endLine, c.end); l++) inMember[l - c.start] = 1;
  }
  const inner = c.scope ? `${c.scope}.${c.name}` : c.name;
  let run = 0;
  let first = true;
  for (let l = c.start; l <= c.end + 1; l++) {
    const free = l <= c.end && !inMember[l - c.start];
    if (free && !run) run = l;
    if (!free && run) {
      if (first) windows(path, lines, run, l - 1, c.kind, out, c.name, c.scope);
      else windows(path, lines, run, l - 1, 'block', out, '', inner);
      first = false;
      run = 0;
    }
  }
}

function markdownChunks(path: string, lines: string[]): Chunk[] {
  const out: Chunk[] = [];
  let start = 1;
  let heading = '';
  let inFence = false;
  const flush = (end: number) => {
    if (end >= start) windows(path, lines, start, end, 'section', out, heading);
  };
  lines.forEach((line, i) => {
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) {
      flush(i);
      start = i + 1;
      heading = m[1]!.trim();
    }
  });
  flush(lines.length);
  return out;
}

export async function chunkFile(path: string, text: string, languageId?: string): Promise<Chunk[]> {
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start another one.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (/\.(md|markdown|mdx)$/i.test(path)) return markdownChunks(path, lines);
  const grammar = grammarFor(languageId, path);
  if (!grammar || text.length > 2_000_000) {
    const out: Chunk[] = [];
    windows(path, lines, 1, lines.length, 'lines', out);
    return out;
  }
  const tree = await parse(grammar, text);
  const out: Chunk[] = [];
  const covered = new Uint8Array(lines.length + 2);
  try {
    // `outer` is the export/decorator wrapper whose line (and doc comment) belongs to the definition.
    const visit = (node: Node, scope: string[], topLevel: boolean, outer: Node = node): void => {
      let kind = DEFINITIONS[node.type];
      let name = '';
      if (kind) {
        name = nameOf(node);
        // Python's root node is also called `module`: only a named module is a definition.
        if (kind === 'module' && !name) kind = undefined;
      }
      else {
        const vf = variableFunction(node);
        if (vf) {
          kind = 'function';
          name = vf.name;
        }
      }
      if (node.type === 'decorated_definition' || node.type === 'export_statement') {
        const inner = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'decorator' && c.type !== 'comment');
        if (inner.length === 1) visit(inner[0]!, scope, topLevel, outer);
        else for (const c of inner) visit(c, scope, topLevel);
        return;
      }
      if (kind) {
        const start = startWithComments(outer) + 1;
        const end = node.endPosition.row + 1;
        const split = CONTAINERS.has(kind) && (end - start + 1 > MAX_LINES || node.text.length > MAX_CHARS);
        if (!split) pushBounded(out, lines, { path, startLine: start, endLine: end, symbol: name, kind, scope: scope.join('.') });
        if (topLevel) for (let l = start; l <= end; l++) covered[l] = 1;
        // Members of containers get their own chunks; so do functions nested in functions (helpers defined
        // inside a long operator), which a query may well be about.
        const before = out.length;
        for (const c of node.namedChildren) if (c) visit(c, [...scope, name], false);
        if (split) containerRest(path, lines, out, before, { start, end, name, kind, scope: scope.join('.') });
        return;
      }
      for (const c of node.namedChildren) if (c) visit(c, scope, topLevel && node.type !== 'function_body');
    };
    visit(tree.rootNode, [], true);
  } finally {
    tree.delete();
  }
  // Lines outside any top-level definition (imports, statements, constants) become blocks.
  let runStart = 0;
  for (let l = 1; l <= lines.length + 1; l++) {
    const free = l <= lines.length && !covered[l];
    if (free && !runStart) runStart = l;
    if (!free && runStart) {
      windows(path, lines, runStart, l - 1, 'block', out);
      runStart = 0;
    }
  }
  return out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}
