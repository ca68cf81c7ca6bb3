/**
 * Issue 16's kinds for the edit benchmark, from the same real before/after pairs: elided code (whole files with
 * runs of untouched definitions replaced by a marker comment; a changed function whose untouched middle is
 * elided), files of 2,500–20,000 lines, and multi-file answers (files that changed together between two versions).
 */
import path from 'node:path';
import { diffArrays } from 'diff';
import { listDefinitions } from '../../server/src/edits/symbols';
import { grammarFor } from '../../server/src/syntax/grammars';
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

/**
 * The after-file with every run of top-level definitions that did not change (same text, found once in the
 * before-file) replaced by one marker line, as a model writing "the whole file" lazily does.
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
  const out: string[] = [];
  let at = 0;
  const marker = MARKERS[Math.floor(rand() * MARKERS.length)]!;
  for (const r of runs) {
    out.push(...b.slice(at, r.s));
    out.push(/^[ \t]*/.exec(b[r.s]!)![0] + comment(p.rel, marker));
    at = r.e;
  }
  out.push(...b.slice(at));
  return out;
}

/** SEARCH = a changed function as it was; REPLACE = as it is, with its longest untouched middle run elided. */
async function elidedFunction(p: Pair, rand: () => number): Promise<{ text: string; expected: string } | undefined> {
  const grammar = grammarFor(undefined, p.rel);
  if (!grammar) return undefined;
  const a = p.before.split('\n');
  const b = p.after.split('\n');
  const defsA = await listDefinitions(grammar, p.before);
  const defsB = await listDefinitions(grammar, p.after);
  for (const r of regions(a, b)) {
    const inner = defsA.filter((d) => d.startLine <= r.os && r.oe <= d.endLine && r.os < d.endLine).sort((x, y) => x.endLine - x.startLine - (y.endLine - y.startLine))[0];
    if (!inner) continue;
    const inB = defsB.filter((d) => d.qualified === inner.qualified);
    if (inB.length !== 1) continue;
    const oldLines = a.slice(inner.startLine, inner.endLine);
    const newLines = b.slice(inB[0]!.startLine, inB[0]!.endLine);
    if (countAt(a, oldLines) !== 1) continue;
    // The longest untouched run of the new body; its first and last lines stay as context (the anchors a model
    // writes around "// ..."), the lines between them are elided. Without unchanged lines beside it a marker
    // cannot say whether the changed lines next to it replace or add to the original, so none is generated.
    let best: { s: number; e: number } | undefined;
    let j = 0;
    for (const part of diffArrays(oldLines, newLines)) {
      const n = part.value.length;
      if (!part.added && !part.removed) {
        const s = Math.max(j + 1, 1);
        const e = Math.min(j + n - 1, newLines.length - 1);
        if (e - s >= 3 && (!best || e - s > best.e - best.s)) best = { s, e };
      }
      if (!part.removed) j += n;
    }
    if (!best) continue;
    // The marker sits at the shallowest indentation of what it stands for.
    const indent = newLines
      .slice(best.s, best.e)
      .filter((l) => l.trim())
      .map((l) => /^[ \t]*/.exec(l)![0])
      .reduce((x, y) => (y.length < x.length ? y : x));
    const replace = [...newLines.slice(0, best.s), indent + comment(p.rel, MARKERS[Math.floor(rand() * MARKERS.length)]!), ...newLines.slice(best.e)];
    const expected = [...a.slice(0, inner.startLine), ...newLines, ...a.slice(inner.endLine)].join('\n');
    if (expected === p.before) continue;
    return { text: srText(p.rel, [{ search: oldLines, replace }]), expected };
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
