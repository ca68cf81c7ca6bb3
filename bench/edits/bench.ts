/**
 * Edit engine benchmark (npm run bench:edits). Dev set: real before/after file pairs from consecutive npm package
 * versions (bench/edits/devset.ts), each rendered as edits in every format with the mistakes models make. A case
 * is correct when the edit is applied byte-identical to the expected file, or refused with the file untouched where
 * refusal is right (hallucinated search text, syntax-breaking edits). Baselines measured in the same run on the
 * same cases: exact-match SEARCH/REPLACE (unique indexOf, applied in order) and GNU patch (unified diffs).
 * Timing: applyEdits in-process (as the server and the agent loop call it), writes and the journal included.
 * Compute time per edit by file size: cold (tree cache cleared), with the full-parse syntax check as the baseline in
 * the same run (windows off), and with the before-tree cached. Every case is also computed with the syntax check's
 * windows forced on and off, and --fuzz N random edits to the large files (default 400) compare the two verdicts.
 * Flags: --per-version N (files per version pair, default 60), --show N (failures to print, default 15),
 * --kinds a,b (only these kinds, plus their baselines), --no-timing (one applyEdits per case, no repeated runs),
 * --fuzz N.
 *
 * Tune and report halves: every before/after pair falls in one half by a hash of its id. Failures are printed
 * (and written to bench/.cache/edits/failures.json) for the tune half only; the report half's rates are printed
 * beside it so a rule fitted to the printed failures shows as a gap between the two.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyEdits } from '../../server/src/edits';
import { spanJudge, spanJudgeCounts, useSpanWindows } from '../../server/src/edits/span-windows';
import { checkSyntax, grammarForPath, useWindowCheck } from '../../server/src/edits/syntax-check';
import { windowCheck, WINDOW_MIN_CHARS } from '../../server/src/edits/window-check';
import { clearTreeCache, rememberTree } from '../../server/src/edits/tree-cache';
import { parseModelEdits } from '../../server/src/edits/formats';
// @ts-expect-error plain JS helper shared by the benchmarks
import { percentile } from '../fetch-npm.mjs';
import { buildLargePairs, buildPairs, LARGE_VERSION_PAIRS, randomSpan, renderCases, rng, VERSION_PAIRS, type Case, type Kind, type Pair } from './devset';
import { renderElided, renderLarge, renderMulti } from './more-cases';

const argNum = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

interface Outcome {
  /** applyEdits computing only (dryRun): median of 3 runs. */
  computeMs?: number;
  /** The same with the before-text's tree cached (incremental re-parse). */
  warmMs?: number;
  /** Baseline: the same cold computation with the syntax check's windows off (full parses), files ≥ 64 KB. */
  fullParseMs?: number;
  correct: boolean;
  applied: boolean;
  /** Applied but not byte-identical, or refused yet the file changed. */
  corrupted: boolean;
  /** Elided kinds: applied with fewer lines than expected (code lost to a marker). */
  deleted?: boolean;
  ms?: number;
  reason?: string;
}

function filesOf(c: Case): { rel: string; before: string; expected?: string }[] {
  return c.files ?? [{ rel: c.rel, before: c.before, ...(c.expected !== undefined ? { expected: c.expected } : {}) }];
}

function writeCase(c: Case, dir: string): void {
  for (const f of filesOf(c)) {
    mkdirSync(path.dirname(path.join(dir, f.rel)), { recursive: true });
    writeFileSync(path.join(dir, f.rel), f.before);
  }
}

/** Judged on every file of the case, as they are on disk now. */
function judge(c: Case, applied: boolean, dir: string): Omit<Outcome, 'ms' | 'reason'> {
  const fs = filesOf(c).map((f) => ({ ...f, disk: readFileSync(path.join(dir, f.rel), 'utf8') }));
  const untouched = fs.every((f) => f.disk === f.before);
  const exact = fs.every((f) => f.disk === f.expected);
  const deleted = c.elided ? applied && fs.some((f) => f.disk.split('\n').length < (f.expected ?? '').split('\n').length) : undefined;
  const d = deleted !== undefined ? { deleted } : {};
  if (c.expect === 'apply') return { applied, correct: applied && exact, corrupted: (applied && !exact) || (!applied && !untouched), ...d };
  return { applied, correct: !applied && untouched, corrupted: !applied && !untouched, ...d };
}

/** Unique indexOf, blocks applied in order, each file written as its blocks succeed (what a plain applier does). */
function exactBaseline(c: Case, dir: string): Outcome {
  const parsed = parseModelEdits(c.text);
  let ok = parsed.problems.length === 0 && parsed.edits.length > 0;
  for (const e of parsed.edits) {
    if (!ok || e.kind !== 'search-replace') {
      ok = false;
      break;
    }
    const file = path.join(dir, c.files ? e.path : c.rel);
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf(e.search);
    if (at < 0 || text.indexOf(e.search, at + 1) >= 0 || e.search === '') {
      ok = false;
      break;
    }
    writeFileSync(file, text.slice(0, at) + e.replace + text.slice(at + e.search.length));
  }
  return judge(c, ok, dir);
}

function patchBaseline(c: Case, dir: string): Outcome {
  const diff = c.text.replace(/^```diff\n/gm, '').replace(/^```\n?/gm, '');
  const patchFile = path.join(os.tmpdir(), `nootropic-bench-${process.pid}.patch`);
  writeFileSync(patchFile, diff);
  const r = spawnSync('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch', '--reject-file=-', '-s', '-i', patchFile], { cwd: dir, encoding: 'utf8' });
  return judge(c, r.status === 0, dir);
}

/** Elided kinds: what a tool that takes the text as written does (whole file written as is; REPLACE applied as is). */
function naiveBaseline(c: Case, dir: string): Outcome {
  if (c.format !== 'whole') return exactBaseline(c, dir);
  const e = parseModelEdits(c.text).edits[0];
  if (e?.kind !== 'whole-file') return judge(c, false, dir);
  writeFileSync(path.join(dir, c.rel), e.content);
  return judge(c, true, dir);
}

/**
 * Random edits to the large files (a line deleted, duplicated or swapped with the next; a bracket, a quote, a
 * comment opener or a template backtick inserted at a random place): the syntax check's verdict with windows forced
 * on must be the full parse's for every one. Prints how many agree and how many the windows decided alone.
 */
async function fuzzWindows(large: Pair[], n: number): Promise<void> {
  const rand = rng(7);
  const inserts = ['{', '}', '(', ')', '/*', '*/', '`', '"', "'", '"'.repeat(3), 'else {', '} else {', '\\', ',', '=>', 'class X {', '  foo() {', '#', '\n', '\n}\n', 'if (x) {\n', 'def f():\n'];
  let same = 0;
  let decided = 0;
  let refusals = 0;
  let tried = 0;
  const differ: string[] = [];
  const targets = large.filter((p) => grammarForPath(p.rel));
  for (let k = 0; k < n && targets.length; k++) {
    const p = targets[k % targets.length]!;
    const lines = p.before.split('\n');
    const at = Math.floor(rand() * lines.length);
    const kind = Math.floor(rand() * 4);
    const out = [...lines];
    if (kind === 0) out.splice(at, 1);
    else if (kind === 1) out.splice(at, 0, lines[at]!);
    else if (kind === 2 && at + 1 < lines.length) [out[at], out[at + 1]] = [lines[at + 1]!, lines[at]!];
    else {
      const ins = inserts[Math.floor(rand() * inserts.length)]!;
      const col = Math.floor(rand() * (lines[at]!.length + 1));
      out[at] = lines[at]!.slice(0, col) + ins + lines[at]!.slice(col);
    }
    const after = out.join('\n');
    if (after === p.before) continue;
    tried++;
    clearTreeCache();
    useWindowCheck(true, 0);
    const w = await checkSyntax(p.rel, p.before, after);
    clearTreeCache();
    useWindowCheck(false);
    const f = await checkSyntax(p.rel, p.before, after);
    useWindowCheck(true);
    const bad = (v: typeof w) => v.checked && v.introduced.length > 0;
    if (bad(f)) refusals++;
    if (bad(w) === bad(f)) same++;
    else differ.push(`${p.id} line ${at + 1} (${['deleted', 'duplicated', 'swapped', 'insert'][kind]}): windows ${bad(w) ? 'refuse' : 'accept'}, full parse ${bad(f) ? 'refuse' : 'accept'}`);
    if ((await windowCheck(grammarForPath(p.rel)!, p.before, after, { minChars: 0 })).clean) decided++;
  }
  console.log(
    `syntax check windows vs full parse, ${tried} random edits to the large files: ${same}/${tried} same verdict (${refusals} introduce a syntax error; the windows alone accepted ${decided}, the rest went to the full parse)` +
      (differ.length ? `\n  differ: ${differ.slice(0, 10).join('\n  ')}` : ''),
  );
}

/**
 * The elision span check by windows against the full tree, on spans of the large files: random ones (mostly cutting
 * a definition) and ones between two lines at one indentation that start statements (mostly whole ones).
 */
async function fuzzSpans(large: Pair[], n: number): Promise<void> {
  const rand = rng(11);
  const targets = large.filter((p) => grammarForPath(p.rel) && /\.(js|cjs|mjs|ts|py)$/.test(p.rel));
  let tried = 0;
  let same = 0;
  let whole = 0;
  const before = { ...spanJudgeCounts };
  const differ: string[] = [];
  for (let k = 0; k < n && targets.length; k++) {
    const p = targets[k % targets.length]!;
    const lines = p.before.split('\n');
    const [s, e] = randomSpan(lines, rand, k % 2 === 1);
    if (s >= e) continue;
    const g = grammarForPath(p.rel)!;
    tried++;
    useSpanWindows(true, 0);
    const w = await spanJudge(g, p.before);
    useSpanWindows(false);
    const f = await spanJudge(g, p.before);
    useSpanWindows(true);
    const wv = w.at(0)(s, e);
    const fv = f.at(0)(s, e);
    w.dispose();
    f.dispose();
    if (fv) whole++;
    if (wv === fv) same++;
    else differ.push(`${p.id} lines ${s + 1}–${e}: windows ${wv}, full tree ${fv}`);
  }
  const byWindows = spanJudgeCounts.windowed - before.windowed;
  console.log(
    `elision span check windows vs full tree, ${tried} spans of the large files (${whole} whole): ${same}/${tried} same answer; windows alone decided ${byWindows}, the rest went to the full tree` +
      (differ.length ? `\n  differ: ${differ.slice(0, 10).join('\n  ')}` : ''),
  );
}

/** Which half a case's before/after pair is in (FNV-1a of the pair id): 'tune' failures are shown, 'report' not. */
function halfOf(pairId: string): 'tune' | 'report' {
  let h = 0x811c9dc5;
  for (let i = 0; i < pairId.length; i++) h = Math.imul(h ^ pairId.charCodeAt(i), 0x01000193) >>> 0;
  return h % 2 === 0 ? 'tune' : 'report';
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const pairs = buildPairs(argNum('--per-version', 60));
  const kindsArg = process.argv.indexOf('--kinds');
  const only = kindsArg >= 0 ? new Set(process.argv[kindsArg + 1]!.split(',')) : undefined;
  const timing = !process.argv.includes('--no-timing');
  const wanted = (k: string) => !only || only.has(k);
  const { cases: basic, skipped } = [...only ?? []].some((k) => !/^(elided|large|multi)-/.test(k)) || !only ? await renderCases(pairs) : { cases: [], skipped: {} as Record<string, number> };
  const cases = [...basic];
  const skip = (k: string) => (skipped[k] = (skipped[k] ?? 0) + 1);
  if (wanted('elided-whole-file') || wanted('elided-function')) cases.push(...(await renderElided(pairs, 500, { whole: 'elided-whole-file', fn: 'elided-function' }, skip)));
  const large = [...(only ?? ['large-']).values()].some((k) => k.startsWith('large-')) ? buildLargePairs() : [];
  cases.push(...(await renderLarge(large, skip)));
  if ([...(only ?? ['multi-']).values()].some((k) => k.startsWith('multi-'))) cases.push(...renderMulti(pairs, skip));
  for (let i = cases.length - 1; i >= 0; i--) if (!wanted(cases[i]!.kind)) cases.splice(i, 1);
  console.log(`large files (2,500–20,000 lines): ${large.length} changed files (${large.map((p) => `${p.rel} ${p.before.split('\n').length}`).join(', ')})`);
  const patchVersion = execFileSync('patch', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.log(`large-only version pairs: ${LARGE_VERSION_PAIRS.map(([a, b]) => `${a}→${b.split('@').pop()}`).join(', ')}`);
  console.log(`dev set: ${pairs.length} changed files from ${VERSION_PAIRS.length} version pairs (${VERSION_PAIRS.map(([a, b]) => `${a}→${b.split('@').pop()}`).join(', ')})`);
  console.log(`cases: ${cases.length} (${cases.filter((c) => c.expect === 'refuse').length} must be refused); not renderable: ${JSON.stringify(skipped)}; built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`baselines: exact-match SEARCH/REPLACE (in order, unique indexOf) and ${patchVersion} (-p1 --forward, default fuzz)\n`);

  const ws = path.join(os.tmpdir(), `nootropic-bench-edits-${process.pid}`);
  const engine = new Map<string, Outcome>();
  const exact = new Map<string, Outcome>();
  const gnu = new Map<string, Outcome>();
  // Warm the grammars once so the first case does not pay for loading WASM.
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'w.ts'), 'const a = 1;\n');
  writeFileSync(path.join(ws, 'w.js'), 'const a = 1;\n');
  await applyEdits({ root: ws, text: 'w.ts\n<<<<<<< SEARCH\nconst a = 1;\n=======\nconst a = 2;\n>>>>>>> REPLACE\n', dryRun: true });
  await applyEdits({ root: ws, text: 'w.js\n<<<<<<< SEARCH\nconst a = 1;\n=======\nconst a = 2;\n>>>>>>> REPLACE\n', dryRun: true });
  let tempLeft = 0;
  const disagree: string[] = [];
  const naive = new Map<string, Outcome>();
  for (const c of cases) {
    rmSync(ws, { recursive: true, force: true });
    writeCase(c, ws);
    clearTreeCache(); // every timing below is the cold path unless it says otherwise
    const s = performance.now();
    const r = await applyEdits({ root: ws, text: c.text, label: c.id });
    const ms = performance.now() - s;
    engine.set(c.id, { ...judge(c, r.applied, ws), ms, ...(r.reason ? { reason: r.reason } : {}) });
    for (const f of filesOf(c)) tempLeft += readdirSync(path.dirname(path.join(ws, f.rel))).filter((n) => n.includes('nootropic-tmp')).length;
    writeCase(c, ws);
    const reps: number[] = [];
    for (let i = 0; i < (timing ? 3 : 1); i++) {
      clearTreeCache();
      const t = performance.now();
      await applyEdits({ root: ws, text: c.text, dryRun: true });
      reps.push(performance.now() - t);
    }
    engine.get(c.id)!.computeMs = reps.sort((x, y) => x - y)[Math.floor(reps.length / 2)]!;
    // Baseline in the same run: the syntax check parsing in full (what every cold edit did before windows).
    if (timing && filesOf(c).some((f) => f.before.length >= WINDOW_MIN_CHARS)) {
      useWindowCheck(false);
      useSpanWindows(false);
      const full: number[] = [];
      for (let i = 0; i < 3; i++) {
        clearTreeCache();
        const t = performance.now();
        await applyEdits({ root: ws, text: c.text, dryRun: true });
        full.push(performance.now() - t);
      }
      useWindowCheck(true);
      useSpanWindows(true);
      engine.get(c.id)!.fullParseMs = full.sort((x, y) => x - y)[1]!;
    }
    // Equivalence: the engine's answer with every file's syntax check windowed (small files too) is the answer
    // with full parses — the same refusals, reasons and diffs.
    // So are the elision markers' spans judged by windows (span-windows.ts) and by the full tree.
    clearTreeCache();
    useWindowCheck(true, 0);
    useSpanWindows(true, 0);
    const windowed = await applyEdits({ root: ws, text: c.text, dryRun: true });
    clearTreeCache();
    useWindowCheck(false);
    useSpanWindows(false);
    const parsed = await applyEdits({ root: ws, text: c.text, dryRun: true });
    useWindowCheck(true);
    useSpanWindows(true);
    if (windowed.applied !== parsed.applied || windowed.reason !== parsed.reason || windowed.diff !== parsed.diff) disagree.push(c.id);
    // Warm path (an agent loop's next step, or apply after preview): the before-text's tree is cached, so the
    // syntax check re-parses only the edited range.
    const grammar = grammarForPath(c.rel);
    if (grammar && !c.files && timing) {
      const warm: number[] = [];
      for (let i = 0; i < 3; i++) {
        clearTreeCache();
        await rememberTree(grammar, c.before);
        const t = performance.now();
        await applyEdits({ root: ws, text: c.text, dryRun: true });
        warm.push(performance.now() - t);
      }
      engine.get(c.id)!.warmMs = warm.sort((x, y) => x - y)[1]!;
    }
    if (c.format === 'sr') {
      writeCase(c, ws);
      exact.set(c.id, exactBaseline(c, ws));
    }
    if (c.format === 'udiff') {
      writeCase(c, ws);
      gnu.set(c.id, patchBaseline(c, ws));
    }
    if (c.elided) {
      writeCase(c, ws);
      naive.set(c.id, naiveBaseline(c, ws));
    }
  }
  rmSync(ws, { recursive: true, force: true });

  const kinds = [...new Set(cases.map((c) => c.kind))] as Kind[];
  const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '—');
  const rows: string[][] = [['kind', 'cases', 'expect', 'nootropic', 'tune½', 'report½', 'exact S/R', 'GNU patch', 'naive', 'ms p50', 'ms p95', 'compute p50', 'compute p95']];
  const rate = (m: Map<string, Outcome>, cs: Case[]) => {
    const got = cs.filter((c) => m.has(c.id));
    return got.length ? pct(got.filter((c) => m.get(c.id)!.correct).length, got.length) : 'n/a';
  };
  for (const k of kinds) {
    const cs = cases.filter((c) => c.kind === k);
    const ms = cs.map((c) => engine.get(c.id)!.ms!);
    const cms = cs.map((c) => engine.get(c.id)!.computeMs!);
    rows.push([k, String(cs.length), cs[0]!.expect, rate(engine, cs), rate(engine, cs.filter((c) => halfOf(c.pair) === 'tune')), rate(engine, cs.filter((c) => halfOf(c.pair) === 'report')), rate(exact, cs), rate(gnu, cs), rate(naive, cs), percentile(ms, 50).toFixed(1), percentile(ms, 95).toFixed(1), percentile(cms, 50).toFixed(1), percentile(cms, 95).toFixed(1)]);
  }
  const all = cases;
  const allMs = all.map((c) => engine.get(c.id)!.ms!);
  const allCompute = all.map((c) => engine.get(c.id)!.computeMs!);
  rows.push(['ALL', String(all.length), '', rate(engine, all), rate(engine, all.filter((c) => halfOf(c.pair) === 'tune')), rate(engine, all.filter((c) => halfOf(c.pair) === 'report')), `${rate(exact, all)} of S/R`, `${rate(gnu, all)} of diffs`, `${rate(naive, all)} of elided`, percentile(allMs, 50).toFixed(1), percentile(allMs, 95).toFixed(1), percentile(allCompute, 50).toFixed(1), percentile(allCompute, 95).toFixed(1)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));

  const refuseCases = all.filter((c) => c.expect === 'refuse');
  const syntax = all.filter((c) => c.kind.endsWith('syntax-break'));
  const small = all.filter((c) => c.lines < 2000);
  const smallMs = small.map((c) => engine.get(c.id)!.ms!);
  const corrupted = (m: Map<string, Outcome>) => [...m.values()].filter((o) => o.corrupted).length;
  console.log('');
  console.log(`nootropic: ${pct(all.filter((c) => engine.get(c.id)!.correct).length, all.length)} correct overall (${all.filter((c) => engine.get(c.id)!.correct).length}/${all.length}); ` +
    `syntax-breaking edits refused: ${syntax.filter((c) => !engine.get(c.id)!.applied).length}/${syntax.length}; ` +
    `must-refuse cases refused untouched: ${refuseCases.filter((c) => engine.get(c.id)!.correct).length}/${refuseCases.length}`);
  console.log(`files left wrong (applied ≠ expected, or refused but changed): nootropic ${corrupted(engine)}, exact S/R ${corrupted(exact)}, GNU patch ${corrupted(gnu)}; temp files left behind: ${tempLeft}`);
  const smallCompute = small.map((c) => engine.get(c.id)!.computeMs!);
  // (--kinds large-… has no file under 2,000 lines: 0 stands for the empty set.)
  if (!small.length) smallMs.push(0), smallCompute.push(0);
  console.log(`ms per edit (applyEdits in-process, write + journal included), files < 2,000 lines (${small.length} cases): p50 ${percentile(smallMs, 50).toFixed(1)}, p95 ${percentile(smallMs, 95).toFixed(1)}, max ${Math.max(...smallMs).toFixed(1)}; all files: p50 ${percentile(allMs, 50).toFixed(1)}, p95 ${percentile(allMs, 95).toFixed(1)}, max ${Math.max(...allMs).toFixed(1)} (largest ${Math.max(...all.map((c) => c.lines))} lines)`);
  console.log(`ms per edit computing only (dryRun: parse, locate, AST check, diff; median of 3), files < 2,000 lines: p50 ${percentile(smallCompute, 50).toFixed(1)}, p95 ${percentile(smallCompute, 95).toFixed(1)}; all files: p50 ${percentile(allCompute, 50).toFixed(1)}, p95 ${percentile(allCompute, 95).toFixed(1)}`);
  const largeOnly = all.filter((c) => LARGE_VERSION_PAIRS.some(([a]) => c.pair.startsWith(`${a}..`)));
  if (largeOnly.length) {
    const perKind = [...new Set(largeOnly.map((c) => c.kind))].map((k) => {
      const cs = largeOnly.filter((c) => c.kind === k);
      return `${k} ${cs.filter((c) => engine.get(c.id)!.correct).length}/${cs.length}`;
    });
    const rest = all.filter((c) => c.kind.startsWith('large-') && !largeOnly.includes(c));
    console.log(`large kinds, the large-only pairs (lodash, jQuery, Chart.js; 2,543–17,162 lines): ${perKind.join(', ')}; the other large files: ${rest.filter((c) => engine.get(c.id)!.correct).length}/${rest.length}`);
  }
  const elided = all.filter((c) => c.elided);
  const deleted = (m: Map<string, Outcome>) => elided.filter((c) => m.get(c.id)?.deleted).length;
  console.log(`elided cases: nootropic ${elided.filter((c) => engine.get(c.id)!.correct).length}/${elided.length} exact, files with code deleted by a marker: nootropic ${deleted(engine)}, naive ${deleted(naive)}; refused: ${elided.filter((c) => !engine.get(c.id)!.applied).length} (every refusal untouched: ${elided.filter((c) => !engine.get(c.id)!.applied).every((c) => !engine.get(c.id)!.corrupted)})`);
  console.log(`syntax check and elision span windows vs full parse, every case with windows forced on (small files too): ${all.length - disagree.length}/${all.length} same answer${disagree.length ? `; differ: ${disagree.slice(0, 10).join(', ')}` : ''}`);
  if (large.length) await fuzzWindows(large, argNum('--fuzz', 400));
  if (large.length) await fuzzSpans(large, argNum('--fuzz', 400));
  console.log('compute time per edit by file size (dryRun, engine only, median of 3 per case; cold = tree cache cleared, windowed syntax check; full-parse baseline = the same with windows off, measured on files ≥ 64 KB):');
  const fmt = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms, max ${Math.max(...v).toFixed(1)} ms`;
  for (const [lo, hi] of [[0, 500], [500, 2500], [2500, 6388], [6388, 20_001]] as const) {
    const inBucket = all.filter((c) => c.lines >= lo && c.lines < hi);
    const cs = inBucket.map((c) => engine.get(c.id)!.computeMs!);
    const fullMs = inBucket.filter((c) => engine.get(c.id)!.fullParseMs !== undefined).map((c) => engine.get(c.id)!.fullParseMs!);
    const ws2 = inBucket.filter((c) => engine.get(c.id)!.warmMs !== undefined).map((c) => engine.get(c.id)!.warmMs!);
    if (cs.length)
      console.log(
        `  ${lo.toLocaleString('en')}–${(hi - 1).toLocaleString('en')} lines: ${cs.length} cases, cold ${fmt(cs)}` +
          (fullMs.length ? `; full-parse baseline (${fullMs.length} cases) ${fmt(fullMs)}` : '') +
          (ws2.length ? `; before-tree cached (incremental) p50 ${percentile(ws2, 50).toFixed(1)} ms, p95 ${percentile(ws2, 95).toFixed(1)} ms` : ''),
      );
    // Elided whole files also parse the original in full (the markers' span check needs its tree): apart.
    const plain = inBucket.filter((c) => !c.elided);
    if (plain.length && plain.length < inBucket.length) {
      const pf = plain.filter((c) => engine.get(c.id)!.fullParseMs !== undefined).map((c) => engine.get(c.id)!.fullParseMs!);
      console.log(`    of which without elision markers: ${plain.length} cases, cold ${fmt(plain.map((c) => engine.get(c.id)!.computeMs!))}` + (pf.length ? `; full-parse baseline ${fmt(pf)}` : ''));
    }
  }
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end (timings are wall-clock; other work on the machine inflates them)`);

  const show = argNum('--show', 15);
  const failures = all.filter((c) => !engine.get(c.id)!.correct && halfOf(c.pair) === 'tune');
  const hidden = all.filter((c) => !engine.get(c.id)!.correct && halfOf(c.pair) === 'report').length;
  console.log(`\nreport half: ${hidden} failures, not shown (tune on the tune half only)`);
  if (failures.length) {
    console.log(`\nnootropic failures, tune half (${failures.length}, first ${Math.min(show, failures.length)}):`);
    for (const c of failures.slice(0, show)) console.log(`  ${c.id} [expect ${c.expect}] → ${engine.get(c.id)!.applied ? 'applied, content differs' : `refused: ${engine.get(c.id)!.reason}`}`);
  }
  const outDir = path.join(__dirname, '..', '.cache', 'edits');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'failures.json'), JSON.stringify(failures.map((c) => ({ ...c, outcome: engine.get(c.id) })), null, 1));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
