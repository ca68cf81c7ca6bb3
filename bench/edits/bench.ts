/**
 * Edit engine benchmark (npm run bench:edits). Dev set: real before/after file pairs from consecutive npm package
 * versions (bench/edits/devset.ts), each rendered as edits in every format with the mistakes models make. A case
 * is correct when the edit is applied byte-identical to the expected file, or refused with the file untouched where
 * refusal is right (hallucinated search text, syntax-breaking edits). Baselines measured in the same run on the
 * same cases: exact-match SEARCH/REPLACE (unique indexOf, applied in order) and GNU patch (unified diffs).
 * Timing: applyEdits in-process (as the server and the agent loop call it), writes and the journal included.
 * Flags: --per-version N (files per version pair, default 40), --show N (failures to print, default 15).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyEdits } from '../../server/src/edits';
import { parseModelEdits } from '../../server/src/edits/formats';
// @ts-expect-error plain JS helper shared by the benchmarks
import { percentile } from '../fetch-npm.mjs';
import { buildPairs, renderCases, VERSION_PAIRS, type Case, type Kind } from './devset';

const argNum = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

interface Outcome {
  /** applyEdits computing only (dryRun): median of 3 runs. */
  computeMs?: number;
  correct: boolean;
  applied: boolean;
  /** Applied but not byte-identical, or refused yet the file changed. */
  corrupted: boolean;
  ms?: number;
  reason?: string;
}

function judge(c: Case, applied: boolean, disk: string): Omit<Outcome, 'ms' | 'reason'> {
  if (c.expect === 'apply') return { applied, correct: applied && disk === c.expected, corrupted: (applied && disk !== c.expected) || (!applied && disk !== c.before) };
  return { applied, correct: !applied && disk === c.before, corrupted: !applied && disk !== c.before };
}

function exactBaseline(c: Case, file: string): Outcome {
  const parsed = parseModelEdits(c.text);
  let text = c.before;
  let ok = parsed.problems.length === 0 && parsed.edits.length > 0;
  for (const e of parsed.edits) {
    if (!ok || e.kind !== 'search-replace') {
      ok = false;
      break;
    }
    const at = text.indexOf(e.search);
    if (at < 0 || text.indexOf(e.search, at + 1) >= 0 || e.search === '') {
      ok = false;
      break;
    }
    text = text.slice(0, at) + e.replace + text.slice(at + e.search.length);
  }
  if (ok) writeFileSync(file, text);
  return judge(c, ok, readFileSync(file, 'utf8'));
}

function patchBaseline(c: Case, dir: string, file: string): Outcome {
  const diff = c.text.replace(/^```diff\n/, '').replace(/```\n?$/, '');
  const patchFile = path.join(os.tmpdir(), `nootropic-bench-${process.pid}.patch`);
  writeFileSync(patchFile, diff);
  const r = spawnSync('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch', '--reject-file=-', '-s', '-i', patchFile], { cwd: dir, encoding: 'utf8' });
  return judge(c, r.status === 0, readFileSync(file, 'utf8'));
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const pairs = buildPairs(argNum('--per-version', 40));
  const { cases, skipped } = await renderCases(pairs);
  const patchVersion = execFileSync('patch', ['--version'], { encoding: 'utf8' }).split('\n')[0];
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
  for (const c of cases) {
    rmSync(ws, { recursive: true, force: true });
    const file = path.join(ws, c.rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, c.before);
    const s = performance.now();
    const r = await applyEdits({ root: ws, text: c.text, label: c.id });
    const ms = performance.now() - s;
    engine.set(c.id, { ...judge(c, r.applied, readFileSync(file, 'utf8')), ms, ...(r.reason ? { reason: r.reason } : {}) });
    tempLeft += readdirSync(path.dirname(file)).filter((n) => n.includes('nootropic-tmp')).length;
    writeFileSync(file, c.before);
    const reps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await applyEdits({ root: ws, text: c.text, dryRun: true });
      reps.push(performance.now() - t);
    }
    engine.get(c.id)!.computeMs = reps.sort((x, y) => x - y)[1]!;
    if (c.format === 'sr') {
      writeFileSync(file, c.before);
      exact.set(c.id, exactBaseline(c, file));
    }
    if (c.format === 'udiff') {
      writeFileSync(file, c.before);
      gnu.set(c.id, patchBaseline(c, ws, file));
    }
  }
  rmSync(ws, { recursive: true, force: true });

  const kinds = [...new Set(cases.map((c) => c.kind))] as Kind[];
  const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '—');
  const rows: string[][] = [['kind', 'cases', 'expect', 'nootropic', 'exact S/R', 'GNU patch', 'ms p50', 'ms p95', 'compute p50']];
  const rate = (m: Map<string, Outcome>, cs: Case[]) => {
    const got = cs.filter((c) => m.has(c.id));
    return got.length ? pct(got.filter((c) => m.get(c.id)!.correct).length, got.length) : 'n/a';
  };
  for (const k of kinds) {
    const cs = cases.filter((c) => c.kind === k);
    const ms = cs.map((c) => engine.get(c.id)!.ms!);
    const cms = cs.map((c) => engine.get(c.id)!.computeMs!);
    rows.push([k, String(cs.length), cs[0]!.expect, rate(engine, cs), rate(exact, cs), rate(gnu, cs), percentile(ms, 50).toFixed(1), percentile(ms, 95).toFixed(1), percentile(cms, 50).toFixed(1)]);
  }
  const all = cases;
  const allMs = all.map((c) => engine.get(c.id)!.ms!);
  const allCompute = all.map((c) => engine.get(c.id)!.computeMs!);
  rows.push(['ALL', String(all.length), '', rate(engine, all), `${rate(exact, all)} of S/R`, `${rate(gnu, all)} of diffs`, percentile(allMs, 50).toFixed(1), percentile(allMs, 95).toFixed(1), percentile(allCompute, 50).toFixed(1)]);
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
  console.log(`ms per edit (applyEdits in-process, write + journal included), files < 2,000 lines (${small.length} cases): p50 ${percentile(smallMs, 50).toFixed(1)}, p95 ${percentile(smallMs, 95).toFixed(1)}, max ${Math.max(...smallMs).toFixed(1)}; all files: p50 ${percentile(allMs, 50).toFixed(1)}, p95 ${percentile(allMs, 95).toFixed(1)}, max ${Math.max(...allMs).toFixed(1)} (largest ${Math.max(...all.map((c) => c.lines))} lines)`);
  console.log(`ms per edit computing only (dryRun: parse, locate, AST check, diff; median of 3), files < 2,000 lines: p50 ${percentile(smallCompute, 50).toFixed(1)}, p95 ${percentile(smallCompute, 95).toFixed(1)}; all files: p50 ${percentile(allCompute, 50).toFixed(1)}, p95 ${percentile(allCompute, 95).toFixed(1)}`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end (timings are wall-clock; other work on the machine inflates them)`);

  const show = argNum('--show', 15);
  const failures = all.filter((c) => !engine.get(c.id)!.correct);
  if (failures.length) {
    console.log(`\nnootropic failures (${failures.length}, first ${Math.min(show, failures.length)}):`);
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
