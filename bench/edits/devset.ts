/**
 * The edit benchmark's dev set, built from real code changes: consecutive versions of npm packages (tarballs via
 * bench/fetch-npm.mjs), each file that changed between them is a before/after pair (a real "commit"). Each pair is
 * rendered as edits in every format, with the mistakes models make. Cases that must be refused (hallucinated
 * search text, syntax-breaking edits) are checked against an independent oracle (TypeScript's parser), not
 * against the engine's own tree-sitter check (TypeScript's parser for JS/TS, CPython's for Python).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { diffArrays, createTwoFilesPatch } from 'diff';
import { listDefinitions } from '../../server/src/edits/symbols';
import { grammarFor } from '../../server/src/syntax/grammars';
// @ts-expect-error plain JS helper shared by the benchmarks
import { fetchPackage } from '../fetch-npm.mjs';

// click, requests, cobra, gin, express, zod and ky are left out: the held-out set is built from them.
export const VERSION_PAIRS: [string, string][] = [
  ['semver@7.6.0', 'semver@7.6.1'],
  ['semver@7.6.2', 'semver@7.6.3'],
  ['semver@7.7.0', 'semver@7.7.1'],
  ['commander@11.0.0', 'commander@11.1.0'],
  ['commander@12.0.0', 'commander@12.1.0'],
  ['commander@13.0.0', 'commander@13.1.0'],
  ['ws@8.16.0', 'ws@8.17.0'],
  ['ws@8.17.0', 'ws@8.18.0'],
  ['ws@8.18.0', 'ws@8.18.1'],
  ['webpack@5.108.0', 'webpack@5.109.0'],
  ['eslint@10.13.0', 'eslint@10.14.0'],
  ['webpack@5.110.0', 'webpack@5.111.0'],
  ['eslint@10.12.0', 'eslint@10.13.0'],
  // gyp's Python sources ship inside node-gyp: Python, where indentation is syntax.
  ['node-gyp@10.0.1', 'node-gyp@10.1.0'],
  ['node-gyp@10.1.0', 'node-gyp@10.2.0'],
];

/**
 * For the large kinds only (not in the other kinds' dev set): releases whose changed files have 8,000–20,000 lines —
 * lodash.js (17,162), jQuery's dist builds (8,606–10,994), Chart.js's CommonJS build (11,497). Each is the
 * package's real source as published, a real change between two releases.
 */
export const LARGE_VERSION_PAIRS: [string, string][] = [
  ['lodash@4.17.20', 'lodash@4.17.21'],
  ['jquery@3.6.3', 'jquery@3.6.4'],
  ['jquery@3.7.0', 'jquery@3.7.1'],
  ['chart.js@4.4.0', 'chart.js@4.4.1'],
];

const EXTS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.py'];

export interface Pair {
  id: string;
  rel: string;
  before: string;
  after: string;
}

export type Kind =
  | 'sr-exact'
  | 'sr-shuffled'
  | 'sr-crlf-bom'
  | 'sr-trailing-ws'
  | 'sr-lost-indent'
  | 'sr-tabs-as-spaces'
  | 'udiff'
  | 'udiff-wrong-numbers'
  | 'udiff-wrong-counts'
  | 'udiff-crlf'
  | 'whole-file'
  | 'symbol'
  | 'sr-missing-search'
  | 'udiff-missing-context'
  | 'sr-syntax-break'
  | 'udiff-syntax-break'
  // Elided code: a whole file with runs of untouched definitions replaced by `// ... existing code ...`, and a
  // changed function (SEARCH/REPLACE) whose untouched middle is elided.
  | 'elided-whole-file'
  | 'elided-function'
  // Files of 2,500–20,000 lines.
  | 'large-sr'
  | 'large-udiff'
  | 'large-elided'
  // One answer for several files (a real multi-file change between two versions), and the same with the last
  // file's block wrong: refused with every file untouched.
  | 'multi-file-sr'
  | 'multi-file-udiff'
  | 'multi-file-last-fails';

export interface Case {
  id: string;
  pair: string;
  kind: Kind;
  format: 'sr' | 'udiff' | 'whole' | 'symbol';
  rel: string;
  /** File content on disk before the edit. */
  before: string;
  /** What the model wrote. */
  text: string;
  expect: 'apply' | 'refuse';
  /** For 'apply': the exact content the file must end with. */
  expected?: string;
  lines: number;
  /** Multi-file cases: every file (the first is rel/before/expected too). */
  files?: { rel: string; before: string; expected: string }[];
  /** Elided kinds: the model's text has markers; a result with fewer lines than expected lost code to a marker. */
  elided?: boolean;
}

function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    if (n === 'node_modules') continue;
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else if (EXTS.some((e) => n.endsWith(e))) out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

interface Region {
  os: number;
  oe: number;
  ns: number;
  ne: number;
}

export function regions(a: string[], b: string[]): Region[] {
  const out: Region[] = [];
  let i = 0;
  let j = 0;
  let cur: Region | undefined;
  for (const part of diffArrays(a, b)) {
    const n = part.value.length;
    if (!part.added && !part.removed) {
      if (cur) out.push(cur);
      cur = undefined;
      i += n;
      j += n;
      continue;
    }
    cur ??= { os: i, oe: i, ns: j, ne: j };
    if (part.removed) {
      i += n;
      cur.oe = i;
    } else {
      j += n;
      cur.ne = j;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function minified(text: string): boolean {
  const lines = text.split('\n');
  return lines.some((l) => l.length > 1000) || text.length / Math.max(1, lines.length) > 150;
}

/** Changed files of 2,500–20,000 lines (a separate set: buildPairs takes the first N files of each version pair). */
export function buildLargePairs(): Pair[] {
  return buildPairs(Infinity, { minLines: 2500, maxLines: 20_000, maxBytes: 2_000_000 }, [...VERSION_PAIRS, ...LARGE_VERSION_PAIRS]);
}

export function buildPairs(limitPerVersion = 60, size: { minLines?: number; maxLines?: number; maxBytes?: number } = {}, versions = VERSION_PAIRS): Pair[] {
  const pairs: Pair[] = [];
  for (const [a, b] of versions) {
    const da: string = fetchPackage(a);
    const db: string = fetchPackage(b);
    const files = walk(da).sort();
    let n = 0;
    for (const rel of files) {
      if (n >= limitPerVersion) break;
      const pb = path.join(db, rel);
      if (!existsSync(pb)) continue;
      const before = readFileSync(path.join(da, rel), 'utf8');
      const after = readFileSync(pb, 'utf8');
      if (before === after || before.length > (size.maxBytes ?? 400_000) || minified(before) || minified(after)) continue;
      const n0 = before.split('\n').length;
      if (n0 < (size.minLines ?? 0) || n0 > (size.maxLines ?? Infinity)) continue;
      const rs = regions(before.split('\n'), after.split('\n'));
      const changed = rs.reduce((s, r) => s + (r.oe - r.os) + (r.ne - r.ns), 0);
      if (!rs.length || rs.length > 12 || changed > 200) continue;
      pairs.push({ id: `${a}..${b.split('@').pop()}:${rel}`, rel, before, after });
      n++;
    }
  }
  return pairs;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

/** Deterministic PRNG so the dev set is the same on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function countAt(lines: string[], block: string[]): number {
  if (!block.length) return Infinity;
  let n = 0;
  outer: for (let s = 0; s + block.length <= lines.length; s++) {
    for (let k = 0; k < block.length; k++) if (lines[s + k] !== block[k]) continue outer;
    n++;
  }
  return n;
}

interface Block {
  /** Old-side line range of the quoted block, and its replacement range on the new side. */
  s: number;
  e: number;
  ns: number;
  ne: number;
}

/** SEARCH/REPLACE blocks for a pair: each change with enough context to be unique (as models are told). */
export function srBlocks(a: string[], b: string[]): Block[] {
  let blocks: Block[] = regions(a, b).map((r) => ({ s: r.os, e: r.oe, ns: r.ns, ne: r.ne }));
  const widen = (bl: Block): Block => {
    let { s, e, ns, ne } = bl;
    // Two lines of context, more until the quoted text is unique and not blank.
    for (let k = 0; k < 2; k++) {
      if (s > 0) (s--, ns--);
      if (e < a.length) (e++, ne++);
    }
    for (let guard = 0; guard < 400; guard++) {
      const q = a.slice(s, e);
      if (q.some((l) => l.trim()) && countAt(a, q) === 1) break;
      if (s === 0 && e === a.length) break;
      if (s > 0) (s--, ns--);
      if (e < a.length) (e++, ne++);
    }
    return { s, e, ns, ne };
  };
  for (;;) {
    const wide = blocks.map(widen);
    const merged: Block[] = [];
    let mergedAny = false;
    for (let i = 0; i < wide.length; i++) {
      const last = merged.at(-1);
      if (last && wide[i]!.s <= last.e) {
        // Overlapping context: one block covers both changes (from the original regions).
        const prev = blocks[merged.length - 1]!;
        blocks.splice(merged.length - 1, 2, { s: prev.s, e: blocks[merged.length]!.e, ns: prev.ns, ne: blocks[merged.length]!.ne });
        mergedAny = true;
        break;
      }
      merged.push(wide[i]!);
    }
    if (!mergedAny) return wide;
  }
}

export function srText(rel: string, blocks: { search: string[]; replace: string[] }[]): string {
  const lang = path.extname(rel).slice(1);
  return blocks
    .map((bl) => `${rel}\n\`\`\`${lang}\n<<<<<<< SEARCH\n${bl.search.map((l) => `${l}\n`).join('')}=======\n${bl.replace.map((l) => `${l}\n`).join('')}>>>>>>> REPLACE\n\`\`\`\n`)
    .join('\n');
}

export function udiffText(rel: string, before: string, after: string): string {
  const body = createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after, '', '', { context: 3 }).replace(/^=+\n/, '');
  return `\`\`\`diff\n${body}\`\`\`\n`;
}

/** Syntax errors by an oracle independent of tree-sitter: TypeScript's parser, or CPython's for .py (0 or 1). */
function parseErrors(rel: string, text: string): number {
  if (rel.endsWith('.py')) {
    const r = spawnSync('python3', ['-c', 'import ast,sys\ntry:\n ast.parse(sys.stdin.read())\nexcept SyntaxError:\n sys.exit(3)'], { input: text });
    return r.status === 3 ? 1 : 0;
  }
  const kind = /\.(ts|mts|cts)$/.test(rel) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, false, kind);
  return (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length;
}

const crlf = (t: string) => t.replace(/\r?\n/g, '\r\n');

function lostIndent(search: string[], replace: string[]): { search: string[]; replace: string[] } {
  const nonBlank = [...search, ...replace].filter((l) => l.trim());
  const ind = nonBlank.map((l) => /^[ \t]*/.exec(l)![0]);
  let common = ind[0] ?? '';
  for (const i of ind) while (!i.startsWith(common)) common = common.slice(0, -1);
  const strip = (l: string) => (l.startsWith(common) ? l.slice(common.length) : l);
  return { search: search.map(strip), replace: replace.map(strip) };
}

export async function renderCases(pairs: Pair[]): Promise<{ cases: Case[]; skipped: Record<string, number> }> {
  const cases: Case[] = [];
  const skipped: Record<string, number> = {};
  const skip = (k: string) => (skipped[k] = (skipped[k] ?? 0) + 1);
  for (const [pi, p] of pairs.entries()) {
    const rand = rng(pi + 1);
    const a = p.before.split('\n');
    const b = p.after.split('\n');
    const lines = a.length;
    const add = (kind: Kind, format: Case['format'], text: string, expect: Case['expect'], expected?: string, before = p.before) =>
      cases.push({ id: `${p.id}#${kind}`, pair: p.id, kind, format, rel: p.rel, before, text, expect, ...(expected !== undefined ? { expected } : {}), lines });
    const blocks = srBlocks(a, b);
    const sr = blocks.map((bl) => ({ search: a.slice(bl.s, bl.e), replace: b.slice(bl.ns, bl.ne) }));
    const unique = blocks.every((bl) => countAt(a, a.slice(bl.s, bl.e)) === 1);
    if (!unique) skip('sr: no unique context');
    if (unique) {
      add('sr-exact', 'sr', srText(p.rel, sr), 'apply', p.after);
      const shuffled = [...sr];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      if (shuffled.length > 1 && shuffled.every((x, i) => x === sr[i])) shuffled.reverse();
      add('sr-shuffled', 'sr', srText(p.rel, shuffled), 'apply', p.after);
      add('sr-crlf-bom', 'sr', srText(p.rel, sr), 'apply', '\uFEFF' + crlf(p.after), '\uFEFF' + crlf(p.before));
      // Trailing whitespace the model added to the lines it echoed (context), on both sides alike.
      const ws = sr.map((bl) => {
        const keep = new Set(bl.search.filter((l) => bl.replace.includes(l)));
        const pad = (l: string) => (keep.has(l) && l.trim() ? `${l}  ` : l);
        return { search: bl.search.map(pad), replace: bl.replace.map(pad) };
      });
      add('sr-trailing-ws', 'sr', srText(p.rel, ws), 'apply', p.after);
      add('sr-lost-indent', 'sr', srText(p.rel, sr.map((bl) => lostIndent(bl.search, bl.replace))), 'apply', p.after);
      // Tabs written as spaces (4 per tab), as models re-indenting code tend to.
      if (sr.some((bl) => bl.search.some((l) => l.startsWith('\t')))) {
        const sp = (l: string) => l.replace(/^\t+/, (t) => '    '.repeat(t.length));
        add('sr-tabs-as-spaces', 'sr', srText(p.rel, sr.map((bl) => ({ search: bl.search.map(sp), replace: bl.replace.map(sp) }))), 'apply', p.after);
      } else skip('sr-tabs-as-spaces: no tab-indented block');
      // A hallucinated line in the middle of one block's search text.
      const k = Math.floor(rand() * sr.length);
      const missing = sr.map((bl, i) => {
        if (i !== k) return bl;
        const mid = Math.floor(bl.search.length / 2);
        return { search: [...bl.search.slice(0, mid), '    hallucinatedHelper(42);', ...bl.search.slice(mid)], replace: bl.replace };
      });
      add('sr-missing-search', 'sr', srText(p.rel, missing), 'refuse');
    }
    add('udiff', 'udiff', udiffText(p.rel, p.before, p.after), 'apply', p.after);
    // Wrong line numbers only (counts right), and wrong numbers and counts together.
    const shifted = (counts: boolean) =>
      udiffText(p.rel, p.before, p.after).replace(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm, (_m, os: string, oc: string | undefined, ns: string, nc: string | undefined) => {
        const shift = 1 + Math.floor(rand() * 40) * (rand() < 0.5 ? -1 : 1);
        const o = Math.max(1, Number(os) + shift);
        const n = Math.max(1, Number(ns) + shift);
        return counts ? `@@ -${o},${Number(oc ?? 1) + 2} +${n},${Number(nc ?? 1) + 1} @@` : `@@ -${o}${oc !== undefined ? `,${oc}` : ''} +${n}${nc !== undefined ? `,${nc}` : ''} @@`;
      });
    const wrong = shifted(false);
    add('udiff-wrong-numbers', 'udiff', wrong, 'apply', p.after);
    add('udiff-wrong-counts', 'udiff', shifted(true), 'apply', p.after);
    add('udiff-crlf', 'udiff', udiffText(p.rel, p.before, p.after), 'apply', crlf(p.after), crlf(p.before));
    const fenceLen = Math.max(3, ...[...p.after.matchAll(/`{3,}/g)].map((m) => m[0].length + 1));
    const fence = '`'.repeat(fenceLen);
    add('whole-file', 'whole', `${p.rel}\n${fence}${path.extname(p.rel).slice(1)}\n${p.after.endsWith('\n') ? p.after : `${p.after}\n`}${fence}\n`, 'apply', p.after);

    // Hallucinated context in the middle of one hunk.
    const ud = udiffText(p.rel, p.before, p.after).split('\n');
    const ctxLines = ud.map((l, i) => (l.startsWith(' ') && l.trim() ? i : -1)).filter((i) => i >= 0);
    if (ctxLines.length) {
      const at = ctxLines[Math.floor(rand() * ctxLines.length)]!;
      ud.splice(at, 0, ' hallucinatedHelper(42);');
      add('udiff-missing-context', 'udiff', ud.join('\n'), 'refuse');
    } else skip('udiff-missing-context: no context lines');

    // Syntax-breaking: one closing bracket dropped from a changed region of the after-file, kept only when
    // TypeScript's parser (the oracle) finds more errors than in the before-file.
    const baseErrors = parseErrors(p.rel, p.before);
    let broken: string[] | undefined;
    for (const bl of blocks) {
      for (let li = bl.ne - 1; li >= bl.ns && !broken; li--) {
        const line = b[li]!;
        const at = Math.max(line.lastIndexOf('}'), line.lastIndexOf(')'), line.lastIndexOf(']'));
        if (at < 0) continue;
        const mutated = [...b];
        mutated[li] = line.slice(0, at) + line.slice(at + 1);
        if (parseErrors(p.rel, mutated.join('\n')) > baseErrors) broken = mutated;
      }
      if (broken) break;
    }
    if (broken && unique) {
      add('sr-syntax-break', 'sr', srText(p.rel, blocks.map((bl) => ({ search: a.slice(bl.s, bl.e), replace: broken!.slice(bl.ns, bl.ne) }))), 'refuse');
      add('udiff-syntax-break', 'udiff', udiffText(p.rel, p.before, broken.join('\n')), 'refuse');
    } else skip('syntax-break: no bracket to drop that breaks the parse');

    // Replace-symbol: the first changed definition that is unique by name in both versions.
    const grammar = grammarFor(undefined, p.rel);
    if (grammar) {
      const defsA = await listDefinitions(grammar, p.before);
      const defsB = await listDefinitions(grammar, p.after);
      const changed = regions(a, b);
      let done = false;
      for (const r of changed) {
        const inner = defsA.filter((d) => d.startLine <= r.os && r.oe <= d.endLine && r.os < d.endLine).sort((x, y) => x.endLine - x.startLine - (y.endLine - y.startLine))[0];
        if (!inner) continue;
        const same = (ds: typeof defsA) => ds.filter((d) => d.qualified === inner.qualified || d.qualified.endsWith(`.${inner.qualified}`) || inner.qualified.endsWith(`.${d.qualified}`));
        const inB = defsB.filter((d) => d.qualified === inner.qualified);
        if (same(defsA).length !== 1 || inB.length !== 1 || same(defsB).length !== 1) continue;
        const nb = b.slice(inB[0]!.startLine, inB[0]!.endLine);
        const expected = [...a.slice(0, inner.startLine), ...nb, ...a.slice(inner.endLine)].join('\n');
        if (expected === p.before) continue;
        // The replacement is written dedented, as a model quoting a method would.
        const { replace } = lostIndent([], nb);
        const lang = path.extname(p.rel).slice(1);
        add('symbol', 'symbol', `${p.rel}\n\`\`\`${lang}\n<<<<<<< SYMBOL ${inner.qualified}\n${replace.map((l) => `${l}\n`).join('')}>>>>>>> REPLACE\n\`\`\`\n`, 'apply', expected);
        done = true;
        break;
      }
      if (!done) skip('symbol: no changed definition unique by name');
    }
  }
  return { cases, skipped };
}

/**
 * A span [s, e) of `lines` for the span-check comparisons: a random one (mostly cutting a definition), or with
 * `statementEdges` one between two statement-like lines of the same indentation (mostly whole definitions).
 */
export function randomSpan(lines: readonly string[], rand: () => number, statementEdges: boolean): [number, number] {
  let s = Math.floor(rand() * lines.length);
  let e = Math.min(lines.length, s + 1 + Math.floor(rand() * (rand() < 0.5 ? 40 : 3000)));
  if (statementEdges) {
    const starts = (i: number) => /^\s*(function|class|def|const|let|var|export|async|@|if|for|return|[A-Za-z_$][\w$.]*\s*[=(])/.test(lines[i] ?? '');
    while (s < lines.length && !starts(s)) s++;
    const ind = /^\s*/.exec(lines[s] ?? '')![0];
    let f = Math.min(lines.length - 1, e);
    while (f < lines.length && !(starts(f) && /^\s*/.exec(lines[f]!)![0] === ind)) f++;
    e = f;
  }
  return [s, e];
}
