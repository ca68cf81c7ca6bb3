/**
 * Commands are parsed, not prefix-matched. A command an agent wants to run is parsed as a shell program with
 * tree-sitter-bash (the grammar shipped in @vscode/tree-sitter-wasm, already our parser) and split into its simple
 * commands: each part of a chain (`;`, `&&`, `||`, newline), of a pipeline (`|`) and of every substitution
 * (`$(…)`, backticks, `<(…)`) is checked against `agents.allowCommands` on its own, so `npm test*` no longer
 * approves `npm test; curl … | sh`. Writes through redirections (`> file`), backgrounding (`&`), compound syntax
 * (subshells, functions, loops, here-documents) and words whose value is only known at run time (`$VAR` as a
 * command, assignments like `NODE_OPTIONS=…`) are never approved by the allow-list: the person decides. A command
 * that does not parse is refused outright.
 */
import type { Node } from 'web-tree-sitter';
import { parse } from '../syntax/parser';

/** One simple command: its words when every word is literal, else null (decided at run time). */
export interface CommandPart {
  text: string;
  words: string[] | null;
}

export type ParsedCommand =
  | { ok: true; parts: CommandPart[]; /** What keeps the allow-list from approving it (redirects, `&`, …). */ blockers: string[] }
  | { ok: false; error: string };

const MAX_COMMAND = 10_000;

const kids = (n: Node): Node[] => n.children.filter((c): c is Node => c !== null);
const named = (n: Node): Node[] => n.namedChildren.filter((c): c is Node => c !== null);

/** Redirections that write no file: duplicating a descriptor (`2>&1`), or /dev/null. */
function harmlessRedirect(node: Node): boolean {
  if (node.type !== 'file_redirect') return false;
  const op = kids(node).find((c) => !c.isNamed && /[<>]/.test(c.type))?.type ?? '';
  const dest = node.childForFieldName('destination') ?? named(node).filter((c) => c.type !== 'file_descriptor').pop();
  if (!dest) return false;
  if ((op === '>&' || op === '<&') && /^(\d+|-)$/.test(dest.text)) return true;
  return dest.text === '/dev/null';
}

interface Walk {
  parts: CommandPart[];
  blockers: Set<string>;
}

/** The literal value of a word, or null when it depends on the run (expansions); substitutions inside are walked. */
function literal(node: Node, w: Walk): string | null {
  switch (node.type) {
    case 'word':
    case 'number':
      return node.text.replace(/\\(.)/gs, '$1');
    case 'raw_string':
      return node.text.slice(1, -1);
    case 'string': {
      let out = '';
      let dynamic = false;
      for (const c of named(node)) {
        if (c.type === 'string_content') out += c.text.replace(/\\([$`"\\\n])/g, '$1');
        else {
          dynamic = true;
          walkExpansion(c, w);
        }
      }
      return dynamic ? null : out;
    }
    case 'concatenation': {
      let out = '';
      let dynamic = false;
      for (const c of named(node)) {
        const v = literal(c, w);
        if (v === null) dynamic = true;
        else out += v;
      }
      return dynamic ? null : out;
    }
    default:
      walkExpansion(node, w);
      return null;
  }
}

/** Expansions inside words: substitutions are commands of their own; anything else just makes the word dynamic. */
function walkExpansion(node: Node, w: Walk): void {
  if (node.type === 'command_substitution' || node.type === 'process_substitution') {
    for (const c of named(node)) walkStatement(c, w);
    return;
  }
  for (const c of named(node)) walkExpansion(c, w);
}

function walkCommand(node: Node, w: Walk): void {
  const words: Array<string | null> = [];
  for (const c of named(node)) {
    if (c.type === 'variable_assignment') {
      // `NODE_OPTIONS=--require=x npm test` is not `npm test`: the assignment is part of what must match.
      const name = c.childForFieldName('name')?.text ?? named(c)[0]?.text ?? '';
      const value = c.childForFieldName('value') ?? named(c)[1];
      const v = value ? literal(value, w) : '';
      words.push(v === null ? null : `${name}=${v}`);
    } else if (c.type === 'command_name') {
      const inner = named(c)[0];
      words.push(inner ? literal(inner, w) : null);
    } else if (c.type.endsWith('_redirect')) {
      walkRedirect(c, w);
    } else if (c.type === 'comment') {
      continue;
    } else words.push(literal(c, w));
  }
  const literalWords = words.every((x): x is string => x !== null) ? words : null;
  w.parts.push({ text: node.text, words: literalWords });
}

function walkRedirect(node: Node, w: Walk): void {
  if (node.type === 'heredoc_redirect' || node.type === 'herestring_redirect') w.blockers.add(`here-document or here-string (${node.text.split('\n')[0]})`);
  else if (!harmlessRedirect(node)) w.blockers.add(`redirection \`${node.text}\``);
  for (const c of named(node)) walkExpansion(c, w);
}

function walkStatement(node: Node, w: Walk): void {
  switch (node.type) {
    case 'program':
    case 'list':
    case 'pipeline':
    case 'negated_command':
      for (const c of kids(node)) {
        if (!c.isNamed) {
          if (c.type === '&') w.blockers.add('backgrounding (`&`)');
          continue;
        }
        walkStatement(c, w);
      }
      return;
    case 'redirected_statement':
      for (const c of named(node)) {
        if (c.type.endsWith('_redirect')) walkRedirect(c, w);
        else walkStatement(c, w);
      }
      return;
    case 'command':
      walkCommand(node, w);
      return;
    case 'comment':
      return;
    default: {
      // Subshells, functions, loops, conditionals, bare assignments, `[[ … ]]`: too much for a word list to vouch for.
      w.blockers.add(`shell syntax \`${node.type.replace(/_/g, ' ')}\``);
      const nested: Walk = { parts: [], blockers: new Set() };
      for (const c of named(node)) if (c.type !== 'word') walkStatement(c, nested);
      w.parts.push(...nested.parts);
      for (const b of nested.blockers) w.blockers.add(b);
    }
  }
}

function firstError(node: Node): Node | undefined {
  if (node.type === 'ERROR' || node.isMissing) return node;
  for (const c of kids(node)) {
    const e = firstError(c);
    if (e) return e;
  }
  return undefined;
}

export async function parseCommand(command: string): Promise<ParsedCommand> {
  if (command.length > MAX_COMMAND) return { ok: false, error: `longer than ${MAX_COMMAND} characters` };
  if (command.includes('\0')) return { ok: false, error: 'contains a NUL character' };
  if (!command.trim()) return { ok: false, error: 'empty' };
  const tree = await parse('bash', command);
  try {
    const root = tree.rootNode;
    if (root.hasError) {
      const e = firstError(root);
      const at = e ? ` at column ${e.startPosition.column + 1}${e.startPosition.row ? ` of line ${e.startPosition.row + 1}` : ''}` : '';
      return { ok: false, error: `a shell syntax error${at}` };
    }
    const w: Walk = { parts: [], blockers: new Set() };
    walkStatement(root, w);
    if (!w.parts.length) return { ok: false, error: 'no command in it' };
    return { ok: true, parts: w.parts, blockers: [...w.blockers] };
  } finally {
    tree.delete();
  }
}

/** An allow-list entry as words: `npm test` (exactly), `npm test*` (the last word a prefix, any arguments after), `npm test *` (any arguments), `*` (anything simple). */
interface Pattern {
  entry: string;
  words: string[];
  kind: 'exact' | 'word-prefix' | 'args';
}

async function patternOf(entry: string): Promise<Pattern | undefined> {
  const e = entry.trim();
  if (e === '*') return { entry: e, words: [], kind: 'args' };
  const star = e.endsWith('*');
  const body = star ? e.slice(0, -1) : e;
  const parsed = await parseCommand(body.trim() || 'x');
  if (!parsed.ok || parsed.blockers.length || parsed.parts.length !== 1 || !parsed.parts[0]!.words) return undefined;
  return { entry: e, words: parsed.parts[0]!.words, kind: !star ? 'exact' : /\s$/.test(body) ? 'args' : 'word-prefix' };
}

function matches(words: readonly string[], p: Pattern): boolean {
  const n = p.words.length;
  if (p.kind === 'exact') return words.length === n && words.every((x, i) => x === p.words[i]);
  if (words.length < n) return false;
  if (p.kind === 'args') return p.words.every((x, i) => words[i] === x);
  return p.words.every((x, i) => (i === n - 1 ? words[i]!.startsWith(x) : words[i] === x));
}

export type AllowlistVerdict = { allowed: true } | { allowed: false; why: string };

/** Whether the allow-list approves every part of an already parsed command. */
export async function allowlistVerdict(parsed: Extract<ParsedCommand, { ok: true }>, allowlist: readonly string[]): Promise<AllowlistVerdict> {
  if (!allowlist.length) return { allowed: false, why: 'agents.allowCommands is empty' };
  if (parsed.blockers.length) return { allowed: false, why: `the allow-list never covers ${parsed.blockers.join(', ')}` };
  const patterns = (await Promise.all(allowlist.map(patternOf))).filter((p): p is Pattern => p !== undefined);
  for (const part of parsed.parts) {
    if (!part.words) return { allowed: false, why: `\`${part.text}\` has words only known at run time (variables, substitutions)` };
    if (!patterns.some((p) => matches(part.words!, p))) return { allowed: false, why: `\`${part.text}\` is not on agents.allowCommands` };
  }
  return { allowed: true };
}
