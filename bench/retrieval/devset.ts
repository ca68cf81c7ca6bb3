/**
 * Builds the retrieval dev set from real npm packages: every function with a JSDoc comment gives a query (the
 * comment's first sentence) and a target (that function). The indexed copy has every doc comment blanked
 * (replaced by spaces, so line numbers hold), so a query can never match its own text.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { parse } from '../../server/src/syntax/parser';

export interface DevQuery {
  id: string;
  query: string;
  path: string;
  startLine: number;
  endLine: number;
  name: string;
}

const FUNCTION_TYPES = new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'lexical_declaration', 'variable_declaration', 'expression_statement', 'export_statement', 'pair']);

function firstSentence(comment: string): string | undefined {
  const body = comment
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, ''))
    .filter((l) => !l.trim().startsWith('@'))
    .join(' ')
    .replace(/\{@\w+\s+([^}|]+)(\|[^}]*)?\}/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(body);
  const s = (m ? m[1]! : body).trim();
  const words = s.split(' ').filter(Boolean);
  if (words.length < 4 || words.length > 40) return undefined;
  return s;
}

function isFunctionLike(node: Node): { name: string; start: number; end: number } | undefined {
  const fnValue = (n: Node | null) => n && /^(arrow_function|function_expression|function|generator_function)$/.test(n.type);
  if (node.type === 'export_statement') {
    const inner = node.namedChildren.find((c) => c && c.type !== 'comment');
    return inner ? isFunctionLike(inner) : undefined;
  }
  if (node.type === 'function_declaration' || node.type === 'generator_function_declaration' || node.type === 'method_definition') {
    const name = node.childForFieldName('name')?.text;
    return name ? { name, start: node.startPosition.row + 1, end: node.endPosition.row + 1 } : undefined;
  }
  if (node.type === 'lexical_declaration' || node.type === 'variable_declaration') {
    const d = node.namedChildren.find((c) => c?.type === 'variable_declarator');
    if (d && fnValue(d.childForFieldName('value'))) return { name: d.childForFieldName('name')?.text ?? '', start: node.startPosition.row + 1, end: node.endPosition.row + 1 };
  }
  if (node.type === 'expression_statement') {
    const a = node.namedChildren[0];
    if (a?.type === 'assignment_expression' && fnValue(a.childForFieldName('right'))) {
      const left = a.childForFieldName('left')?.text ?? '';
      return { name: left.split('.').pop() ?? left, start: node.startPosition.row + 1, end: node.endPosition.row + 1 };
    }
  }
  return undefined;
}

/** Blanks every doc comment (keeps newlines). */
function blankDocComments(text: string): string {
  return text.replace(/\/\*\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
}

export async function buildDevSet(packages: { name: string; dir: string }[], outRepo: string, files: (dir: string) => string[]): Promise<DevQuery[]> {
  const queries: DevQuery[] = [];
  for (const pkg of packages) {
    for (const abs of files(pkg.dir)) {
      const rel = `${pkg.name}/${path.relative(pkg.dir, abs).split(path.sep).join('/')}`;
      const text = readFileSync(abs, 'utf8');
      const target = path.join(outRepo, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, blankDocComments(text));
      if (text.length > 400_000 || /\.min\.js$/.test(abs)) continue;
      const grammar = abs.endsWith('.ts') ? 'typescript' : 'javascript';
      const tree = await parse(grammar, text);
      try {
        const comments = tree.rootNode.descendantsOfType('comment');
        for (const c of comments) {
          if (!c || !c.text.startsWith('/**')) continue;
          const next = c.nextNamedSibling;
          if (!next || !FUNCTION_TYPES.has(next.type)) continue;
          const fn = isFunctionLike(next);
          const q = firstSentence(c.text);
          if (!fn || !fn.name || !q) continue;
          queries.push({ id: `${queries.length}`, query: q, path: rel, startLine: fn.start, endLine: fn.end, name: fn.name });
        }
      } finally {
        tree.delete();
      }
    }
  }
  // A query text shared by several functions has no single right answer: drop those.
  const counts = new Map<string, number>();
  for (const q of queries) counts.set(q.query.toLowerCase(), (counts.get(q.query.toLowerCase()) ?? 0) + 1);
  return queries.filter((q) => counts.get(q.query.toLowerCase()) === 1);
}
