/**
 * Issue 16's kinds for the edit benchmark, from the same real before/after pairs: elided code (whole files with
 * runs of untouched definitions replaced by a marker comment; a changed function whose untouched middle is
 * elided), files of 2,500–20,000 lines, and multi-file answers (files that changed together between two versions).
 */
import path from 'node:path';
import { diffArrays } from 'diff';
import { listDefinitions } from '../../server/src/edits/symbols';
import type { Node } from 'web-tree-sitter';
import { grammarFor } from '../../server/src/syntax/grammars';
import { parse } from '../../server/src/syntax/parser';
import { countAt, regions, rng, srBlocks, srText, udiffText, type Case, type Kind, type Pair } from './devset';

const MARKERS = ['... existing code ...', '...', '... rest of the code unchanged ...', '… existing code …', 'rest of the file unchanged'];

function comment(rel: string, text: string): string {
  return rel.endsWith('.py') ? `# ${text}` : `// ${text}`;
}

function fenced(rel: string, body: string[]): string {
  const text = body.join('\n');
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)));
  return `${rel}\n${fence}${path.extname(rel).slice(1)}\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}\n`;
}

/** The nearest non-blank line before `i` (prevNonBlank) or at or after `j` (nextNonBlank). */
function prevNonBlank(lines: string[], i: number): string | undefined {
  for (let k = i - 1; k >= 0; k--) if (lines[k]!.trim()) return lines[k];
  return undefined;
}
function nextNonBlank(lines: string[], j: number): string | undefined {
  for (let k = j; k < lines.length; k++) if (lines[k]!.trim()) return lines[k];
  return undefined;
}

/**
 * Whether eliding b[s, e) says what the after-file is: the elided lines are one block of the before-file (found
 * once) whose nearest non-blank neighbours are the same lines as in the after-file. Otherwise the edit also
 * deleted or added code right beside the marker, which a marker cannot express (it stands for the original lines
 * between its anchors), and the expected file would not follow from the text.
 */
function elidable(a: string[], b: string[], s: number, e: number): boolean {
  const block = b.slice(s, e);
  if (countAt(a, block) !== 1) return false;
  let pos = -1;
  for (let i = 0; i + block.length <= a.length && pos < 0; i++) if (block.every((l, k) => a[i + k] === l)) pos = i;
  return prevNonBlank(a, pos) === prevNonBlank(b, s) && nextNonBlank(a, pos + block.length) === nextNonBlank(b, e);
}

/**
 * The after-file with every run of top-level definitions that did not change (same text, found once in the
 * before-file, with the same neighbours) replaced by one marker line, as a model writing "the whole file" lazily
 * does.
 */
async function elidedWholeFile(p: Pair, rand: () => number): Promise<string[] | undefined> {
  const grammar = grammarFor(undefined, p.rel);
  if (!grammar) return undefined;
  const a = p.before.split('\n');
  const b = p.after.split('\n');
  const defs = (await listDefinitions(grammar, p.after)).filter((d) => !d.qualified.includes('.') && d.endLine - d.startLine >= 2);
  const untouched = defs.filter((d) => countAt(a, b.slice(d.startLine, d.endLine)) === 1);
  if (!untouched.length) return undefined;
  // Runs of untouched definitions separated only by blank lines.
  const runs: { s: number; e: number }[] = [];
  for (const d of untouched.sort((x, y) => x.startLine - y.startLine)) {
    const last = runs.at(-1);
    if (last && b.slice(last.e, d.startLine).every((l) => l.trim() === '')) last.e = d.endLine;
    else runs.push({ s: d.startLine, e: d.endLine });
  }
  const kept = runs.filter((r) => elidable(a, b, r.s, r.e));
  if (!kept.length) return undefined;
  const out: string[] = [];
  let at = 0;
  const marker = MARKERS[Math.floor(rand() * MARKERS.length)]!;
  for (const r of kept) {
    out.push(...b.slice(at, r.s));
    out.push(/^[ \t]*/.exec(b[r.s]!)![0] + comment(p.rel, marker));
    at = r.e;
  }
  out.push(...b.slice(at));
  return out;
}

/** Does `node` occupy whole lines (nothing but indentation before it, nothing but `,` or `;` after it)? */
function wholeLines(lines: string[], node: Node): boolean {
  return lines[node.startPosition.row]!.slice(0, node.startPosition.column).trim() === '' && /^[,;]?\s*$/.test((lines[node.endPosition.row] ?? '').slice(node.endPosition.column));
}

/**
 * SEARCH = a changed function as it was; REPLACE = as it is, with untouched statements (or members) in its middle
 * elided: the longest run of consecutive children of one block in the new function that did not change, the run's
 * first and last child kept as the unchanged lines a model writes around "// ...", the children between them
 * replaced by one marker at their indentation. A marker stands for whole statements (the rule: a marker
 * inside a body stands for the unchanged statements), never half a comment or half a call's arguments.
 */
async function elidedFunction(p: Pair, rand: () => number): Promise<{ text: string; expected: string } | undefined> {
  const grammar = grammarFor(undefined, p.rel);
  if (!grammar) return undefined;
  const a = p.before.split('\n');
  const b = p.after.split('\n');
  const defsA = await listDefinitions(grammar, p.before);
  const defsB = await listDefinitions(grammar, p.after);
  const tree = await parse(grammar, p.after);
  try {
    for (const r of regions(a, b)) {
      const inner = defsA.filter((d) => d.startLine <= r.os && r.oe <= d.endLine && r.os < d.endLine).sort((x, y) => x.endLine - x.startLine - (y.endLine - y.startLine))[0];
      if (!inner) continue;
      const inB = defsB.filter((d) => d.qualified === inner.qualified);
      if (inB.length !== 1) continue;
      const { startLine: s0, endLine: e0 } = inB[0]!;
      const oldLines = a.slice(inner.startLine, inner.endLine);
      const newLines = b.slice(s0, e0);
      if (countAt(a, oldLines) !== 1) continue;
      // New-side lines (absolute) in an unchanged part, with the part's id: a run must lie in one part.
      const part = new Map<number, number>();
      let j = s0;
      diffArrays(oldLines, newLines).forEach((d, id) => {
        if (d.removed) return;
        if (!d.added) for (let k = 0; k < d.value.length; k++) part.set(j + k, id);
        j += d.value.length;
      });
      const samePart = (from: number, to: number) => {
        const id = part.get(from);
        if (id === undefined) return false;
        for (let k = from; k <= to; k++) if (part.get(k) !== id) return false;
        return true;
      };
      let best: { s: number; e: number; indent: string } | undefined;
      const visit = (n: Node) => {
        if (n.endPosition.row < s0 || n.startPosition.row >= e0) return;
        const kids = n.namedChildren.filter((c): c is Node => c !== null && c.startPosition.row >= s0 && c.endPosition.row < e0 && wholeLines(b, c));
        // Runs of consecutive children on their own lines, in one unchanged part; the first and last stay.
        for (let i = 0; i < kids.length; i++) {
          for (let k = i + 2; k < kids.length; k++) {
            if (kids[k]!.startPosition.row <= kids[k - 1]!.endPosition.row) break;
            if (!samePart(kids[i]!.startPosition.row, kids[k]!.endPosition.row)) break;
            const s = kids[i + 1]!.startPosition.row;
            const e = kids[k - 1]!.endPosition.row + 1;
            if (e - s >= 3 && (!best || e - s > best.e - best.s)) best = { s, e, indent: /^[ \t]*/.exec(b[s]!)![0] };
          }
        }
        for (const c of n.namedChildren) if (c) visit(c);
      };
      visit(tree.rootNode);
      if (!best) continue;
      const replace = [...b.slice(s0, best.s), best.indent + comment(p.rel, MARKERS[Math.floor(rand() * MARKERS.length)]!), ...b.slice(best.e, e0)];
      const expected = [...a.slice(0, inner.startLine), ...newLines, ...a.slice(inner.endLine)].join('\n');
      if (expected === p.before) continue;
      return { text: srText(p.rel, [{ search: oldLines, replace }]), expected };
    }
  } finally {
    tree.delete();
  }
  return undefined;
}

export async function renderElided(pairs: Pair[], seed: number, kinds: { whole: Kind; fn?: Kind }, skip: (k: string) => void): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [pi, p] of pairs.entries()) {
    const rand = rng(seed + pi);
    const lines = p.before.split('\n').length;
    const whole = await elidedWholeFile(p, rand);
    if (whole) cases.push({ id: `${p.id}#${kinds.whole}`, pair: p.id, kind: kinds.whole, format: 'whole', rel: p.rel, before: p.before, text: fenced(p.rel, whole), expect: 'apply', expected: p.after, lines, elided: true });
    else skip(`${kinds.whole}: no untouched definition to elide`);
    if (kinds.fn) {
      const fn = await elidedFunction(p, rand);
      if (fn) cases.push({ id: `${p.id}#${kinds.fn}`, pair: p.id, kind: kinds.fn, format: 'sr', rel: p.rel, before: p.before, text: fn.text, expect: 'apply', expected: fn.expected, lines, elided: true });
      else skip(`${kinds.fn}: no changed function with an untouched middle`);
    }
  }
  return cases;
}

/** Large files: exact SEARCH/REPLACE and a unified diff with wrong hunk numbers, plus an elided whole file. */
export async function renderLarge(pairs: Pair[], skip: (k: string) => void): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [pi, p] of pairs.entries()) {
    const rand = rng(1000 + pi);
    const a = p.before.split('\n');
    const b = p.after.split('\n');
    const lines = a.length;
    const blocks = srBlocks(a, b);
    if (blocks.every((bl) => countAt(a, a.slice(bl.s, bl.e)) === 1))
      cases.push({ id: `${p.id}#large-sr`, pair: p.id, kind: 'large-sr', format: 'sr', rel: p.rel, before: p.before, text: srText(p.rel, blocks.map((bl) => ({ search: a.slice(bl.s, bl.e), replace: b.slice(bl.ns, bl.ne) }))), expect: 'apply', expected: p.after, lines });
    else skip('large-sr: no unique context');
    const wrong = udiffText(p.rel, p.before, p.after).replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_m, o: string, oc = '', n: string, nc = '') => {
      const shift = 1 + Math.floor(rand() * 40) * (rand() < 0.5 ? -1 : 1);
      return `@@ -${Math.max(1, Number(o) + shift)}${oc} +${Math.max(1, Number(n) + shift)}${nc} @@`;
    });
    cases.push({ id: `${p.id}#large-udiff`, pair: p.id, kind: 'large-udiff', format: 'udiff', rel: p.rel, before: p.before, text: wrong, expect: 'apply', expected: p.after, lines });
  }
  cases.push(...(await renderElided(pairs, 2000, { whole: 'large-elided' }, skip)));
  return cases;
}

/**
 * Multi-file answers: the files that changed together between two versions (up to 4 per answer), as one text with
 * a block (or a diff) per file; and the same SEARCH/REPLACE answer with a hallucinated line in the last file's
 * first block, which must be refused with every file untouched.
 */
export function renderMulti(pairs: Pair[], skip: (k: string) => void): Case[] {
  const cases: Case[] = [];
  const byVersion = new Map<string, Pair[]>();
  for (const p of pairs) {
    const v = p.id.split(':')[0]!;
    byVersion.set(v, [...(byVersion.get(v) ?? []), p]);
  }
  for (const [v, ps] of byVersion) {
    for (let g = 0; g + 2 <= ps.length; g += 4) {
      const group = ps.slice(g, g + 4).filter((p) => {
        const a = p.before.split('\n');
        return srBlocks(a, p.after.split('\n')).every((bl) => countAt(a, a.slice(bl.s, bl.e)) === 1);
      });
      if (group.length < 2) {
        skip('multi-file: fewer than 2 files with unique context');
        continue;
      }
      const files = group.map((p) => ({ rel: p.rel, before: p.before, expected: p.after }));
      const sr = group.map((p) => {
        const a = p.before.split('\n');
        const b = p.after.split('\n');
        return srBlocks(a, b).map((bl) => ({ search: a.slice(bl.s, bl.e), replace: b.slice(bl.ns, bl.ne) }));
      });
      const id = `${v}:group${g / 4}`;
      const lines = Math.max(...group.map((p) => p.before.split('\n').length));
      const base = { pair: id, rel: group[0]!.rel, before: group[0]!.before, lines, files };
      cases.push({ ...base, id: `${id}#multi-file-sr`, kind: 'multi-file-sr', format: 'sr', text: group.map((p, i) => srText(p.rel, sr[i]!)).join('\n'), expect: 'apply', expected: group[0]!.after });
      cases.push({ ...base, id: `${id}#multi-file-udiff`, kind: 'multi-file-udiff', format: 'udiff', text: group.map((p) => udiffText(p.rel, p.before, p.after)).join('\n'), expect: 'apply', expected: group[0]!.after });
      const last = sr.length - 1;
      const broken = sr.map((blocks, i) =>
        i !== last ? blocks : blocks.map((bl, k) => (k !== 0 ? bl : { search: [...bl.search.slice(0, 1), '    hallucinatedHelper(42);', ...bl.search.slice(1)], replace: bl.replace })),
      );
      cases.push({ ...base, id: `${id}#multi-file-last-fails`, kind: 'multi-file-last-fails', format: 'sr', text: group.map((p, i) => srText(p.rel, broken[i]!)).join('\n'), expect: 'refuse' });
    }
  }
  return cases;
}
