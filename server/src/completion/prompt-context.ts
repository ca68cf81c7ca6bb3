/**
 * The fill-in-the-middle prompt's context within a token budget: the prefix and suffix around the cursor, then
 * code from other files — definitions of the symbols used near the cursor, imported by the file (first those it
 * does not use yet) or called elsewhere in it (resolved through the index's symbol table), the regions the person
 * edited recently (by how many names they share with the code at the cursor), and the file's imports when the
 * prefix no longer shows them — ranked, deduplicated and cut to the budget, each snippet under a comment header
 * naming its file, as code models were trained to see repository context. The highest-ranked snippet sits nearest
 * the cursor.
 */
import { estimateTokens } from '../models/token-estimate';
import type { FimSnippet } from './fim-transport';
import type { NeighbourCounts } from './neighbour-calls';
import { receiverAt, receiverTypes } from './receiver-type';
import { countNewlines } from './text-lines';

export interface CursorDocument {
  text: string;
  /** UTF-16 offset of the cursor in `text`. */
  offset: number;
  /** Workspace-relative path (forward slashes) or a name when the document is not in the workspace. */
  path: string;
  languageId: string;
}

/** A definition the index knows: where it is (1-based lines, inclusive). */
export interface DefinitionSite {
  path: string;
  startLine: number;
  endLine: number;
}

export interface ContextSources {
  /** Definitions named exactly `name` anywhere in the workspace. */
  definitions(name: string): DefinitionSite[];
  /**
   * Lines [from, to] of a file (1-based, inclusive, clamped to the file) as it is now: open documents' text, else
   * the disk; undefined when unreadable.
   */
  lines(path: string, from: number, to: number): string[] | undefined;
  /** Regions edited recently, newest first. */
  recentEdits(): { path: string; startLine: number; endLine: number; at: number }[];
  /** Named definitions in files called `stem` (any extension): the members of a module used as `stem.member`. */
  moduleMembers?(stem: string): (DefinitionSite & { name: string })[];
  /** The members of a type (for a Go type: its package's methods, any receiver; filtered here). */
  typeMembers?(type: string): (DefinitionSite & { name: string })[];
}

export interface PromptContext {
  /** Snippets + the current file's header + the text before the cursor: what template prompts start with. */
  prefix: string;
  suffix: string;
  /** Text before the cursor only (llama-server's `input_prefix`; cache keys). */
  bareprefix: string;
  /** The snippets, ranked best first (llama-server's `input_extra`). */
  snippets: (FimSnippet & { kind: SnippetKind; score: number; startLine: number })[];
  tokens: number;
}

export type SnippetKind = 'definition' | 'signature' | 'edit' | 'imports';

/** Share of the budget the text around the cursor may take; what it leaves goes to other files' code. */
const PREFIX_SHARE = 0.4;
const SUFFIX_SHARE = 0.12;
/** A definition's full body is sent when it is at most this long, else only its signature. */
const FULL_DEFINITION_TOKENS = 220;
const NEAR_LINES_BEFORE = 40;
const NEAR_LINES_AFTER = 10;

const KEYWORDS = new Set(
  (
    'if else for while do return function const let var class new this super import export from as default async await yield ' +
    'try catch finally throw typeof instanceof in of void delete switch case break continue true false null undefined def self ' +
    'elif lambda pass with not and or is None True False print fn pub use mut impl struct enum trait match mod crate where loop ' +
    'func package type interface go defer chan map range select struct public private protected static final void int string bool ' +
    'number any unknown never readonly extends implements declare namespace module require let get set'
  ).split(' '),
);

/** `# ` for hash-comment languages, `// ` for the C family and most others. */
export function commentHeader(path: string, languageId: string): string {
  const hash = /^(python|ruby|shellscript|sh|bash|perl|r|yaml|toml|dockerfile|makefile|elixir|julia)$/.test(languageId) || /\.(py|pyi|rb|sh|bash|pl|r|ya?ml|toml|ex|exs|jl)$/i.test(path);
  if (/^(lua|sql|haskell)$/.test(languageId) || /\.(lua|sql|hs)$/i.test(path)) return `-- Path: ${path}`;
  if (languageId === 'css' || /\.css$/i.test(path)) return `/* Path: ${path} */`;
  if (/^(html|xml|markdown)$/.test(languageId) || /\.(html?|xml|md)$/i.test(path)) return `<!-- Path: ${path} -->`;
  return hash ? `# Path: ${path}` : `// Path: ${path}`;
}

/** Whole lines before the cursor (and the cursor line's start) within `budget` tokens. */
function cutPrefix(before: string, budget: number): string {
  const lastNl = before.lastIndexOf('\n');
  let out = before.slice(lastNl + 1);
  let used = estimateTokens(out);
  let end = lastNl;
  while (end > 0) {
    const start = before.lastIndexOf('\n', end - 1);
    const line = before.slice(start + 1, end + 1);
    const t = estimateTokens(line);
    if (used + t > budget) break;
    out = line + out;
    used += t;
    end = start;
  }
  return out;
}

/** Whole lines after the cursor (and the rest of the cursor line) within `budget` tokens. */
function cutSuffix(after: string, budget: number): string {
  const firstNl = after.indexOf('\n');
  if (firstNl < 0) return after;
  let out = after.slice(0, firstNl + 1);
  let used = estimateTokens(out);
  let start = firstNl + 1;
  while (start < after.length) {
    const nl = after.indexOf('\n', start);
    const end = nl < 0 ? after.length : nl + 1;
    const line = after.slice(start, end);
    const t = estimateTokens(line);
    if (used + t > budget) break;
    out += line;
    used += t;
    start = end;
  }
  return out;
}

/** Import statements, one line each (the first that matches names the imports). */
const IMPORT_FROM = /^\s*import\s+(?:type\s+)?(.+?)\s+from\s+['"]/;
const REQUIRE = /^\s*(?:const|let|var)\s+\{?([^=}]+)\}?\s*=\s*require\(/;
const PY_FROM_IMPORT = /^\s*from\s+\S+\s+import\s+\(?([^)#]+)/;
const PY_IMPORT = /^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$/;
const RUST_USE = /^\s*use\s+[\w:]+::\{?([^};]+)\}?;/;
const GO_IMPORT = /^\s*import\s*\(|^\s*"[\w./-]+"\s*$/;
const IMPORTED_NAME = /(?:\w+\s+as\s+)?([A-Za-z_$][\w$]*)\s*$/;
/** The last file head read by importedNames and what it found: the imports rarely change between keystrokes. */
let lastImports: { head: string; found: ReturnType<typeof readImports> } | undefined;

/**
 * Names the file imports (JS/TS, Python, Rust `use`, Go packages): what the code near the cursor may call next.
 * The answer is shared between calls on the same head of a file: callers only read it.
 */
export function importedNames(text: string): { names: ReadonlySet<string>; lines: readonly { line: number; text: string }[] } {
  // The first 400 lines only: imports sit at the top, and a large file is not split whole on every keystroke.
  let cut = -1;
  for (let n = 0; n < 400; n++) {
    cut = text.indexOf('\n', cut + 1);
    if (cut < 0) break;
  }
  const head = cut < 0 ? text : text.slice(0, cut);
  if (lastImports?.head !== head) lastImports = { head, found: readImports(head) };
  return lastImports.found;
}

function readImports(head: string): { names: Set<string>; lines: { line: number; text: string }[] } {
  const names = new Set<string>();
  const lines: { line: number; text: string }[] = [];
  const add = (list: string) => {
    for (const part of list.split(',')) {
      const m = IMPORTED_NAME.exec(part.replace(/[{}()*]/g, ' ').replace(/^\s*type\s+/, '').trim());
      if (m?.[1] && !KEYWORDS.has(m[1])) names.add(m[1]);
    }
  };
  const all = head.split('\n');
  for (let i = 0; i < all.length && i < 400; i++) {
    const l = all[i]!;
    let m: RegExpExecArray | null;
    if ((m = IMPORT_FROM.exec(l))) add(m[1]!.replace(/\*\s+as\s+/, ''));
    else if ((m = REQUIRE.exec(l))) add(m[1]!);
    else if ((m = PY_FROM_IMPORT.exec(l))) add(m[1]!);
    else if ((m = PY_IMPORT.exec(l))) add(m[2] ?? m[1]!.split('.').pop()!);
    else if ((m = RUST_USE.exec(l))) add(m[1]!);
    else if (GO_IMPORT.test(l)) {
      // Go import blocks name packages, not definitions; their members are reached as pkg.Name and found near the cursor.
    } else continue;
    lines.push({ line: i + 1, text: l });
  }
  return { names, lines };
}

/** Identifiers near the cursor, scored by closeness (nearer and more frequent first). */
function nearIdentifiers(text: string, offset: number): Map<string, number> {
  const lineStart = (o: number, n: number) => {
    let at = o;
    for (let i = 0; i < n && at > 0; i++) at = text.lastIndexOf('\n', at - 1);
    return Math.max(0, at);
  };
  const from = lineStart(offset, NEAR_LINES_BEFORE);
  let to = offset;
  for (let i = 0; i <= NEAR_LINES_AFTER && to >= 0 && to < text.length; i++) to = text.indexOf('\n', to + 1);
  if (to < 0) to = text.length;
  const cursorLine = countNewlines(text, from, offset);
  const scores = new Map<string, number>();
  // One pass over the characters (a regular expression per line allocated a match for every word, at every keystroke).
  let line = 0;
  for (let p = from; p < to; ) {
    const c = text.charCodeAt(p);
    if (c === 10) {
      line++;
      p++;
      continue;
    }
    // An identifier starts with a letter, `_` or `$`; a digit outside one is skipped alone.
    if (!isWordChar(c) || (c >= 48 && c <= 57)) {
      p++;
      continue;
    }
    let e = p + 1;
    while (e < to && isWordChar(text.charCodeAt(e))) e++;
    if (e - p >= 2) {
      const name = text.slice(p, e);
      if (!KEYWORDS.has(name)) scores.set(name, (scores.get(name) ?? 0) + 1 / (1 + Math.abs(line - cursorLine)));
    }
    p = e;
  }
  return scores;
}

/**
 * The first lines of a definition up to its body's opening (`{`, `:`, `=>`): a signature for a tight budget. It
 * starts at the line naming the definition, so a leading doc comment or decorator does not use up the lines.
 */
export function signatureOf(lines: string[], name?: string): string {
  const out: string[] = [];
  // The first code line naming it, else the first line naming it at all (Go doc comments start with the name).
  let at = 0;
  if (name) {
    let mention = -1;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (!usedIn(l, name, 0, l.length)) continue;
      if (!/^\s*(\/\/|#|\*|\/\*|--)/.test(l)) {
        mention = i;
        break;
      }
      if (mention < 0) mention = i;
    }
    at = Math.max(0, mention);
  }
  for (const l of lines.slice(at, at + 6)) {
    out.push(l);
    if (/[{:]\s*(\/\/.*|#.*)?$|=>\s*\{?\s*$|\)\s*(->\s*[^:]+)?:\s*$/.test(l.trimEnd())) break;
  }
  // Keep a docstring right after a Python signature: it says what the function returns.
  return out.join('\n');
}

/** At most this many names near the cursor are looked up in the index. */
const MAX_LOOKUPS = 40;
/** What a name the file imports adds to its nearness score: the file uses it, whether or not near the cursor. */
const IMPORTED_BONUS = 0.5;
/**
 * What an imported name the file does not use yet adds instead: the import was written for a call still to come,
 * so it is the likeliest name at a cursor where nothing of the call is typed.
 */
const UNUSED_IMPORT_BONUS = 2;
/** What each call of a name anywhere in the file adds (up to FILE_USES of them): the file calls it, if not near here. */
const FILE_USE_BONUS = 0.1;
const FILE_USES = 5;
/** Only this much of a file, around the cursor, is read for the names it calls and the imports it uses. */
const FILE_SCAN_CHARS = 64_000;
/** Definitions (by rank) that may go in whole; the rest show their signatures, so more of them fit. */
const FULL_DEFINITIONS = 2;
/**
 * At most this many of a definition's lines are read: enough to find the line naming it past decorators and doc
 * comments, and more than a definition that fits FULL_DEFINITION_TOKENS has.
 */
const DEFINITION_LINES = 60;
/** Lines read for a definition that can only show its signature: past decorators and a doc comment. */
const SIGNATURE_LINES = 40;
/**
 * What a name adds when every file beside this one calls it (in proportion to the share that do): the folder's
 * pattern, for a cursor where nothing of the call is typed.
 */
const NEIGHBOUR_BONUS = 0.6;
/** The same for a receiver's member, on the members' rank (where each use in this file adds 10). */
const NEIGHBOUR_MEMBER_BONUS = 50;
/**
 * What a name adds when the function the cursor is in is named for it (`TestAddFlagSet` and `AddFlagSet`, `do_urlize`
 * and `urlize`): tests and wrappers call what they are named after. On the members' rank, ENCLOSING_MEMBER_BONUS.
 */
const ENCLOSING_BONUS = 1;
const ENCLOSING_MEMBER_BONUS = 100;
/** How far back from the cursor the enclosing function's definition line is looked for. */
const ENCLOSING_CHARS = 8_000;
/** At most this many of the receiver's members are read (more never fit the members' share). */
const MAX_MEMBERS = 60;
/** What a module member named like its module adds to its rank: above members the file does not use yet. */
const MODULE_NAMESAKE_BONUS = 5;
/** Share of the context budget the receiver's members (a type's or a module's) may take. */
const MEMBERS_SHARE = 0.6;

/**
 * What the prompt will ask the index for at this cursor: the names near it and imported (best first), the module
 * before `stem.` / `stem::` when the cursor is on a member, and the receiver's possible types. The caller fetches
 * them in one lookup.
 */
export interface DefinitionLookup {
  names: string[];
  scores: Map<string, number>;
  /** The file's imports (importedNames), read once per request. */
  imports: ReturnType<typeof importedNames>;
  stem?: string;
  types: string[];
  /** What the files beside this one call (neighbour-calls.ts), when known. */
  neighbours?: NeighbourCounts;
  /** Names looked up only because the files beside this one call them. */
  guessed?: Set<string>;
  /** What the function around the cursor is named for (subjectOf). */
  subject?: string;
}

/** The part of a file read for the names it calls and uses: all of it, or FILE_SCAN_CHARS around the cursor. */
function scanWindow(text: string, offset: number): { from: number; to: number } {
  if (text.length <= FILE_SCAN_CHARS) return { from: 0, to: text.length };
  const from = Math.max(0, Math.min(offset - FILE_SCAN_CHARS / 2, text.length - FILE_SCAN_CHARS));
  return { from, to: from + FILE_SCAN_CHARS };
}

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;

/**
 * How often the file calls each name (3 characters or more, not a keyword) in [from, to): `name(`, found from each
 * `(` back (a regular expression trying every position costs twice as much on a large file). With `members`, calls
 * on a value are counted there instead, by the word before the dot and the name: `f.getFlagType(` as
 * `f.getFlagType`, `).name(` as `.name`.
 */
export function fileUses(text: string, from: number, to: number, members?: Map<string, number>): Map<string, number> {
  const uses = new Map<string, number>();
  for (let p = text.indexOf('(', from); p >= 0 && p < to; p = text.indexOf('(', p + 1)) {
    let e = p;
    while (e > from && (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
    let b = e;
    while (b > from && isWordChar(text.charCodeAt(b - 1))) b--;
    const first = text.charCodeAt(b);
    if (e - b < 3 || (first >= 48 && first <= 57)) continue;
    const name = text.slice(b, e);
    if (KEYWORDS.has(name)) continue;
    if (members && text.charCodeAt(b - 1) === 46) {
      let r = b - 1;
      while (r > from && isWordChar(text.charCodeAt(r - 1))) r--;
      const key = text.slice(r, b) + name;
      members.set(key, (members.get(key) ?? 0) + 1);
    } else uses.set(name, (uses.get(name) ?? 0) + 1);
  }
  return uses;
}

/** Whether `name` occurs as a whole word in text[from, to). */
function usedIn(text: string, name: string, from: number, to: number): boolean {
  for (let at = text.indexOf(name, from); at >= 0 && at < to; at = text.indexOf(name, at + name.length)) {
    if (!isWordChar(text.charCodeAt(at - 1)) && !isWordChar(text.charCodeAt(at + name.length))) return true;
  }
  return false;
}

export function definitionLookup(doc: CursorDocument, neighbours?: NeighbourCounts): DefinitionLookup {
  const before = doc.text.slice(0, doc.offset);
  const names = nearIdentifiers(doc.text, doc.offset);
  const { from, to } = scanWindow(doc.text, doc.offset);
  // forEach, not for-of: no [name, count] pair is allocated per name (hundreds per keystroke in a large file).
  fileUses(doc.text, from, to).forEach((n, name) => names.set(name, (names.get(name) ?? 0) + FILE_USE_BONUS * Math.min(n, FILE_USES)));
  // Imports used nowhere past the import lines (in a large file: nowhere in the window read around the cursor).
  const imports = importedNames(doc.text);
  const last = imports.lines.at(-1)?.line ?? 0;
  let pastImports = 0;
  for (let i = 0; i < last && pastImports >= 0; i++) pastImports = doc.text.indexOf('\n', pastImports) + 1 || -1;
  for (const name of imports.names) {
    const used = pastImports >= 0 && usedIn(doc.text, name, Math.max(from, pastImports), to);
    names.set(name, (names.get(name) ?? 0) + (used ? IMPORTED_BONUS : UNUSED_IMPORT_BONUS));
  }
  // Names only the files beside this one call are guesses at the folder's pattern: shown by their signature.
  const guessed = new Set<string>();
  if (neighbours?.files) {
    for (const name of neighbours.top) {
      if (!names.has(name)) guessed.add(name);
      names.set(name, (names.get(name) ?? 0) + (NEIGHBOUR_BONUS * neighbours.calling(name)) / neighbours.files);
    }
  }
  // The name the enclosing function is about is looked up too (a test's subject need not appear near the cursor).
  const subject = subjectOf(before);
  if (subject) {
    const named = plain(subject);
    names.forEach((score, name) => about(name, named) && names.set(name, score + ENCLOSING_BONUS));
    if (!names.has(subject) && !KEYWORDS.has(subject)) names.set(subject, ENCLOSING_BONUS);
  }
  const best = [...names].sort((a, b) => b[1] - a[1]).slice(0, MAX_LOOKUPS);
  const receiver = receiverAt(before);
  const stem = receiver ? receiver.expr.split(/\.|::/).pop()!.replace(/\(\)$/, '') : undefined;
  return { names: best.map(([n]) => n), scores: new Map(best), imports, ...(stem ? { stem } : {}), types: receiverTypes(doc.text, doc.offset, doc.languageId), ...(neighbours ? { neighbours, guessed } : {}), ...(subject ? { subject } : {}) };
}

interface Candidate {
  key: string;
  path: string;
  startLine: number;
  full: string;
  short?: string;
  kind: SnippetKind;
  score: number;
  /** A signature shown with the other signatures of its file under one header. */
  grouped?: boolean;
  /** A receiver's member: counts against the members' share of the budget. */
  member?: boolean;
}

/** The first line of a definition's signature (the line naming it). */
function firstLine(lines: string[], name: string): string {
  return signatureOf(lines, name).split('\n')[0]!.trim();
}

/** A Go method whose receiver is not `type` (the index answers a Go type with all its package's methods). */
function otherReceiver(line: string, type: string): boolean {
  const m = /^func\s*\(\s*(?:\w+\s+)?\*?\s*(\w+)/.exec(line);
  return !!m && m[1] !== type;
}

/**
 * What the function around the cursor is named for: its name (from the last definition line before the cursor)
 * without a test prefix. `func TestAddFlagSet(` → `AddFlagSet`, `def test_urlize(` → `urlize`, `def do_urlize(` →
 * `do_urlize`.
 */
function subjectOf(before: string): string | undefined {
  let name: string | undefined;
  const tail = before.length > ENCLOSING_CHARS ? before.slice(-ENCLOSING_CHARS) : before;
  for (const m of tail.matchAll(/^[ \t]*(?:(?:pub(?:\([\w:]+\))?|async|export|default|static|unsafe|const)\s+)*(?:function|func|def|fn)\b\s*(?:\([^)\n]*\)\s*)?\*?\s*([A-Za-z_$][\w$]*)/gm)) name = m[1];
  const subject = name?.replace(/^(?:Test|Benchmark|Example|Fuzz|test)_?(?=[A-Za-z])/, '');
  // `__init__`, `_helper`: named for no other definition.
  return subject && subject.length >= 4 && /^[A-Za-z]/.test(subject) ? subject : undefined;
}

/** A name as `about` compares it: lower case, no underscores. */
const plain = (name: string) => name.toLowerCase().replace(/_/g, '');

/** Whether a function named for `subject` (plain) is about `name`: the subject contains it (four letters or more). */
function about(name: string, subject: string): boolean {
  return name.length >= 4 && subject.includes(plain(name));
}

/** `group` and `grouping`, `parse` and `parser`: one name starts with the other, four letters or more shared. */
function namedLike(name: string, stem: string): boolean {
  const [a, b] = [name.toLowerCase(), stem.toLowerCase()].sort((x, y) => x.length - y.length) as [string, string];
  return a.length >= 4 && b.startsWith(a);
}

/** `.name` and `::name` occurrences in `text`: how much the file already uses each member. */
function memberUses(text: string): Map<string, number> {
  const uses = new Map<string, number>();
  for (const m of text.matchAll(/(?:\.|::)\s*([A-Za-z_$][\w$]*)/g)) uses.set(m[1]!, (uses.get(m[1]!) ?? 0) + 1);
  return uses;
}

/** `lookup`: what definitionLookup(doc) said (the caller asked the index with it), so it is not worked out twice. */
export function buildPromptContext(doc: CursorDocument, sources: ContextSources, budget: number, lookup: DefinitionLookup = definitionLookup(doc)): PromptContext {
  const before = doc.text.slice(0, doc.offset);
  const after = doc.text.slice(doc.offset);
  const prefix = cutPrefix(before, Math.floor(budget * PREFIX_SHARE));
  const suffix = cutSuffix(after, Math.floor(budget * SUFFIX_SHARE));
  const header = commentHeader(doc.path, doc.languageId) + '\n';
  let left = budget - estimateTokens(prefix) - estimateTokens(suffix) - estimateTokens(header);

  // What the model already sees of this file: lines [shownFrom, shownTo] (1-based).
  const shownFrom = 1 + countNewlines(before, 0, before.length - prefix.length);
  const shownTo = shownFrom + countNewlines(prefix, 0, prefix.length) + countNewlines(suffix, 0, suffix.length);

  const candidates: Candidate[] = [];
  const { imports } = lookup;
  // Definitions of the names near the cursor: the best few whole (when short), the others by their signature.
  let rank = 0;
  for (const [name, nearScore] of [...lookup.scores].sort((a, b) => b[1] - a[1])) {
    const sites = sources.definitions(name);
    const guess = lookup.guessed?.has(name) ?? false;
    // A name defined in several places (this file included) is a guess at each: its rank shares out.
    const score = nearScore / Math.max(1, sites.length);
    let added = false;
    for (const site of sites.slice(0, 2)) {
      if (site.path === doc.path) continue;
      const mayBeWhole = !guess && rank < FULL_DEFINITIONS && site.endLine - site.startLine < DEFINITION_LINES;
      const lines = sources.lines(site.path, site.startLine, Math.min(site.endLine, site.startLine + (mayBeWhole ? DEFINITION_LINES : SIGNATURE_LINES) - 1));
      if (!lines?.length) continue;
      const short = signatureOf(lines, name);
      const full = mayBeWhole ? lines.join('\n') : short;
      const whole = mayBeWhole && estimateTokens(full) <= FULL_DEFINITION_TOKENS;
      candidates.push({ key: `${site.path}:${site.startLine}`, path: site.path, startLine: site.startLine, full: whole ? full : short, ...(whole && short !== full ? { short } : {}), kind: whole ? 'definition' : 'signature', score, ...(whole ? {} : { grouped: true }) });
      added = true;
    }
    if (added && !guess) rank++;
  }
  const now = Date.now();
  const near = new Set(lookup.names);
  for (const edit of sources.recentEdits().slice(0, 6)) {
    if (edit.path === doc.path && edit.endLine >= shownFrom && edit.startLine <= shownTo) continue;
    const from = Math.max(1, edit.startLine - 3);
    const text = sources.lines(edit.path, from, edit.endLine + 3)?.join('\n');
    if (!text?.trim()) continue;
    const ageMin = (now - edit.at) / 60_000;
    // An edit elsewhere is worth its room when it shares names with the code at the cursor (as neighbouring-file
    // snippets are picked by their overlap): an unrelated one ranks below the definitions.
    const names = new Set([...text.matchAll(/[A-Za-z_$][\w$]{2,}/g)].map((m) => m[0]).filter((n) => !KEYWORDS.has(n)));
    let shared = 0;
    for (const n of names) if (near.has(n)) shared++;
    const overlap = names.size ? shared / (names.size + near.size - shared) : 0;
    candidates.push({ key: `${edit.path}:${from}`, path: edit.path, startLine: from, full: text, kind: 'edit', score: (0.5 / (1 + ageMin)) * Math.min(1, 0.2 + 2 * overlap) });
  }
  // `utils.|`, `self.pool.|`, `Type::|`: the cursor is on a member. The receiver's type's members and the module's
  // definitions, one signature line each: those the file already uses and those starting with what is typed first.
  const receiver = receiverAt(before);
  if (receiver) {
    const typed = receiver.typed;
    const uses = memberUses(doc.text);
    const usedHere = (name: string) => uses.get(name) ?? 0;
    const { neighbours, stem } = lookup;
    const subject = lookup.subject && plain(lookup.subject);
    // What the files beside this one call on a receiver spelled like this one (`f.`, `cmp.`, `self.buf.`: `buf.`).
    const usedBeside = (name: string) => (neighbours?.files && stem ? neighbours.callingOn(stem, name) / neighbours.files : 0);
    // Ranked by name first (typed prefix, uses in this file and beside it, the type before the module, declaration
    // order), so only the members that can fit are read for their signature line.
    const ranked: { site: DefinitionSite & { name: string }; type?: string; score: number }[] = [];
    const rank = (site: DefinitionSite & { name: string }, base: number, i: number, type?: string) =>
      ranked.push({ site, ...(type ? { type } : {}), score: base + (typed && site.name.startsWith(typed) ? 1000 : 0) + Math.min(usedHere(site.name), 9) * 10 + NEIGHBOUR_MEMBER_BONUS * usedBeside(site.name) + (subject && about(site.name, subject) ? ENCLOSING_MEMBER_BONUS : 0) - i / 10_000 });
    lookup.types.forEach((type, t) => (sources.typeMembers?.(type) ?? []).forEach((m, i) => rank(m, 200 - t * 20, i, type)));
    // A module's member named like the module (`grouping.group`, `parser.parse`) is often what it exists for.
    if (stem) (sources.moduleMembers?.(stem) ?? []).forEach((m, i) => m.path !== doc.path && rank(m, 100 + (namedLike(m.name, stem) ? MODULE_NAMESAKE_BONUS : 0), i));
    ranked.sort((a, b) => b.score - a.score);
    let kept = 0;
    for (const { site, type, score } of ranked) {
      if (kept >= MAX_MEMBERS) break;
      if (site.path === doc.path && site.startLine >= shownFrom && site.endLine <= shownTo) continue;
      const lines = sources.lines(site.path, site.startLine, Math.min(site.endLine, site.startLine + SIGNATURE_LINES - 1));
      if (!lines?.length) continue;
      const line = firstLine(lines, site.name);
      if (type && site.path.endsWith('.go') && otherReceiver(line, type)) continue;
      candidates.push({ key: `${site.path}:${site.startLine}`, path: site.path, startLine: site.startLine, full: line, kind: 'signature', score, grouped: true, member: true });
      kept++;
    }
  }
  const hiddenImports = imports.lines.filter((l) => l.line < shownFrom);
  if (hiddenImports.length) {
    candidates.push({ key: `${doc.path}:imports`, path: doc.path, startLine: hiddenImports[0]!.line, full: hiddenImports.map((l) => l.text).join('\n'), kind: 'imports', score: 0.9 });
  }

  candidates.sort((a, b) => b.score - a.score);
  const chosen: PromptContext['snippets'] = [];
  /** Signatures per file: one snippet (and one header) each. */
  const memberSnippets = new Map<string, PromptContext['snippets'][number]>();
  let membersLeft = Math.floor(left * MEMBERS_SHARE);
  const seen = new Set<string>();
  const seenText = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.key)) continue;
    if (c.grouped) {
      const body = c.full.replace(/\s+$/, '');
      if (seenText.has(body)) continue;
      const group = memberSnippets.get(c.path);
      const cost = estimateTokens(body + '\n') + (group ? 0 : estimateTokens(commentHeader(c.path, doc.languageId) + '\n\n'));
      if (cost > left || (c.member && cost > membersLeft)) continue;
      left -= cost;
      if (c.member) membersLeft -= cost;
      seen.add(c.key);
      seenText.add(body);
      if (group) group.text += '\n' + body;
      else {
        const snippet = { filename: c.path, text: body, kind: c.kind, score: c.score, startLine: c.startLine };
        memberSnippets.set(c.path, snippet);
        chosen.push(snippet);
      }
      continue;
    }
    const options = [c.full, ...(c.short ? [c.short] : [])];
    for (const text of options) {
      const body = text.replace(/\s+$/, '');
      if (seenText.has(body)) break;
      const cost = estimateTokens(commentHeader(c.path, doc.languageId) + '\n' + body + '\n\n');
      if (cost > left) continue;
      left -= cost;
      seen.add(c.key);
      seenText.add(body);
      chosen.push({ filename: c.path, text: body, kind: text === c.full ? c.kind : 'signature', score: c.score, startLine: c.startLine });
      break;
    }
  }
  // Best snippet last: nearest the cursor, where code models attend most.
  const rendered = [...chosen].reverse().map((s) => `${commentHeader(s.filename, doc.languageId)}\n${s.text}\n\n`).join('');
  const fullPrefix = rendered + header + prefix;
  return { prefix: fullPrefix, suffix, bareprefix: prefix, snippets: chosen, tokens: estimateTokens(fullPrefix) + estimateTokens(suffix) };
}
