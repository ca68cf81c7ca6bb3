/**
 * Builds the retrieval dev set from real source in five languages: every function or method with a doc comment
 * (JSDoc/Javadoc `/** … *\/`, Go `//` lines above a func, Rust `///`, a Python docstring) gives a query (the
 * doc's first sentence) and a target (that definition). The indexed copy has every doc comment of a definition
 * blanked (replaced by spaces, line numbers kept; a docstring keeps its quotes so the Python stays valid), so a
 * query never matches its own text. Queries from test files are not taken; test files are indexed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { grammarFor } from '../../server/src/syntax/grammars';
import { parse } from '../../server/src/syntax/parser';
import type { Lang } from './sources';

export interface DevQuery {
  id: string;
  query: string;
  /** Path in the indexed copy: `<repo>/<file>`. */
  path: string;
  /** First line of the definition, doc comment and decorators included. */
  startLine: number;
  /** The line of the definition's own header (`def`, `func`, `fn`, the method's signature). */
  defLine: number;
  endLine: number;
  name: string;
  lang: Lang;
  repo: string;
}

const FUNCTIONS = new Set([
  'function_declaration', 'generator_function_declaration', 'method_definition', 'function_definition', 'method_declaration',
  'constructor_declaration', 'function_item', 'function_signature_item',
]);
const JS_WRAPPERS = new Set(['lexical_declaration', 'variable_declaration', 'expression_statement']);
const FUNCTION_VALUE = /^(arrow_function|function_expression|function|generator_function)$/;
const TEST_FILE = /(^|\/)(tests?|testing|testdata|__tests__)\/|_test\.go$|(^|\/)test_[^/]*\.py$|_tests?\.py$|\.(test|spec)\.[jt]s$/;

/** Cleans a doc comment or docstring into prose and returns its first sentence (4–40 words), if any. */
export function firstSentence(raw: string): string | undefined {
  const lines = raw
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*(\/\/\/?!?|\*(?!\*))\s?/, '').trimEnd());
  const para: string[] = [];
  for (const l of lines) {
    const t = l.trim();
    if (!t) {
      if (para.length) break;
      continue;
    }
    if (/^[@:]|^#|^(Args|Arguments|Returns|Parameters|Example|Examples|Raises)\b:?/.test(t)) break;
    para.push(t);
  }
  const body = para
    .join(' ')
    .replace(/\{@\w+\s+([^}|]+)(\|[^}]*)?\}/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\[`?([^\]`]+)`?\]\([^)]*\)/g, '$1')
    .replace(/\[`([^\]`]+)`\]/g, '$1')
    .replace(/[`*]/g, '')
    .replace(/:(func|class|meth|attr|data|obj|exc):/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(body);
  const s = (m ? m[1]! : body).trim();
  const words = s.split(' ').filter(Boolean);
  if (words.length < 4 || words.length > 40) return undefined;
  return s;
}

interface Found {
  name: string;
  /** The node whose line the definition's header is on. */
  def: Node;
  /** Where the definition starts (decorators, export). */
  outer: Node;
  /** Nodes holding the doc text, and the ranges to blank in the indexed copy. */
  doc: { text: string; blank: [number, number][] } | undefined;
}

/** The comments directly above `node` (attributes between them and the item skipped, as Rust writes them). */
function commentsAbove(node: Node, accept: (text: string) => boolean): Node[] {
  const out: Node[] = [];
  let line = node.startPosition.row;
  let prev = node.previousSibling;
  while (prev && (prev.type === 'attribute_item' || /comment/.test(prev.type)) && prev.endPosition.row >= line - 1) {
    if (/comment/.test(prev.type)) {
      if (!accept(prev.text)) break;
      out.unshift(prev);
    }
    line = prev.startPosition.row;
    prev = prev.previousSibling;
  }
  return out;
}

function docOf(lang: Lang, def: Node, outer: Node): Found['doc'] {
  if (lang === 'python') {
    const first = def.childForFieldName('body')?.namedChildren[0];
    const str = first?.type === 'expression_statement' ? first.namedChildren[0] : undefined;
    if (str?.type !== 'string') return undefined;
    const content = str.namedChildren.filter((c): c is Node => c?.type === 'string_content');
    if (!content.length) return undefined;
    return { text: content.map((c) => c.text).join(''), blank: content.map((c) => [c.startIndex, c.endIndex]) };
  }
  const accept =
    lang === 'go' ? (t: string) => t.startsWith('//') : lang === 'rust' ? (t: string) => t.startsWith('///') : (t: string) => t.startsWith('/**');
  const cs = commentsAbove(outer, accept);
  if (!cs.length) return undefined;
  // JSDoc/Javadoc: only the last block is the doc.
  const used = lang === 'go' || lang === 'rust' ? cs : cs.slice(-1);
  return { text: used.map((c) => c.text).join('\n'), blank: used.map((c) => [c.startIndex, c.endIndex]) };
}

function definitions(lang: Lang, root: Node): Found[] {
  const out: Found[] = [];
  const visit = (node: Node, outer: Node) => {
    if (node.type === 'decorated_definition' || node.type === 'export_statement') {
      const inner = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'decorator' && c.type !== 'comment');
      for (const c of inner) visit(c, inner.length === 1 ? outer : c);
      return;
    }
    let name: string | undefined;
    if (FUNCTIONS.has(node.type)) name = node.childForFieldName('name')?.text;
    else if (lang === 'js/ts' && JS_WRAPPERS.has(node.type)) {
      if (node.type === 'expression_statement') {
        const a = node.namedChildren[0];
        if (a?.type === 'assignment_expression' && FUNCTION_VALUE.test(a.childForFieldName('right')?.type ?? '')) name = a.childForFieldName('left')?.text.split('.').pop();
      } else {
        const d = node.namedChildren.find((c) => c?.type === 'variable_declarator');
        if (d && FUNCTION_VALUE.test(d.childForFieldName('value')?.type ?? '')) name = d.childForFieldName('name')?.text;
      }
    }
    if (name) {
      out.push({ name, def: node, outer, doc: docOf(lang, node, outer) });
    }
    for (const c of node.namedChildren) if (c) visit(c, c);
  };
  visit(root, root);
  return out;
}

function blank(text: string, ranges: [number, number][]): string {
  if (!ranges.length) return text;
  const chars = text.split('');
  for (const [s, e] of ranges) for (let i = s; i < e; i++) if (chars[i] !== '\n') chars[i] = ' ';
  return chars.join('');
}

/** Copies one repository's files into `outDir/<repo>/` with doc comments blanked; returns its queries. */
export async function addRepo(repo: { name: string; lang: Lang; dir: string }, files: string[], outDir: string): Promise<DevQuery[]> {
  const queries: DevQuery[] = [];
  for (const abs of files) {
    const rel = `${repo.name}/${path.relative(repo.dir, abs).split(path.sep).join('/')}`;
    const text = readFileSync(abs, 'utf8');
    const target = path.join(outDir, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    const grammar = grammarFor(undefined, abs);
    if (!grammar || text.length > 1_000_000 || /\.min\.js$/.test(abs)) {
      writeFileSync(target, text);
      continue;
    }
    const tree = await parse(grammar, text);
    try {
      const defs = definitions(repo.lang, tree.rootNode);
      writeFileSync(target, blank(text, defs.flatMap((d) => d.doc?.blank ?? [])));
      if (TEST_FILE.test(rel)) continue;
      for (const d of defs) {
        const q = d.doc && firstSentence(d.doc.text);
        if (!q) continue;
        const docStart = d.doc && repo.lang !== 'python' ? (tree.rootNode.descendantForIndex(d.doc.blank[0]![0])?.startPosition.row ?? d.outer.startPosition.row) : d.outer.startPosition.row;
        queries.push({
          id: '',
          query: q,
          path: rel,
          startLine: Math.min(docStart, d.outer.startPosition.row) + 1,
          defLine: d.def.startPosition.row + 1,
          endLine: d.def.endPosition.row + 1,
          name: d.name,
          lang: repo.lang,
          repo: repo.name,
        });
      }
    } finally {
      tree.delete();
    }
  }
  return queries;
}

/**
 * Drops queries whose text several definitions share (no single right answer), then keeps at most `cap` per
 * repository, spread evenly over its files, so one large repository does not decide a language's figure.
 */
export function finishQueries(all: DevQuery[], cap: number): DevQuery[] {
  const counts = new Map<string, number>();
  for (const q of all) counts.set(q.query.toLowerCase(), (counts.get(q.query.toLowerCase()) ?? 0) + 1);
  const unique = all.filter((q) => counts.get(q.query.toLowerCase()) === 1);
  const byRepo = new Map<string, DevQuery[]>();
  for (const q of unique) (byRepo.get(q.repo) ?? byRepo.set(q.repo, []).get(q.repo)!).push(q);
  const out: DevQuery[] = [];
  for (const list of byRepo.values()) {
    const step = Math.max(1, list.length / cap);
    for (let i = 0; i < list.length; i += step) {
      const q = list[Math.floor(i)]!;
      if (!out.includes(q)) out.push(q);
    }
  }
  return out.map((q, i) => ({ ...q, id: String(i) }));
}
