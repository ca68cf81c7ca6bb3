/**
 * Profiles the engine on the large-file kinds (run under `node --cpu-prof`): every large case computed (dryRun)
 * 5 times with a cold tree cache (--warm: the before-text's tree cached; --only TEXT: cases whose id contains TEXT; --cpu-prof-engine FILE: profile of the edits only). Not a benchmark (no baseline); bench.ts prints the figures.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { applyEdits } from '../../server/src/edits';
import { grammarForPath } from '../../server/src/edits/syntax-check';
import { spanJudgeCounts } from '../../server/src/edits/span-windows';
import { clearTreeCache, rememberTree } from '../../server/src/edits/tree-cache';
import { buildLargePairs } from './devset';
import { renderLarge } from './more-cases';

void (async () => {
  // --only TEXT: the cases whose id contains TEXT.
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]! : '';
  const cases = (await renderLarge(buildLargePairs(), () => undefined)).filter((c) => c.id.includes(only));
  const ws = path.join(os.tmpdir(), `nootropic-prof-${process.pid}`);
  // --cpu-prof-engine FILE: a CPU profile of the edits alone (building the cases is left out).
  const profOut = process.argv.includes('--cpu-prof-engine') ? process.argv[process.argv.indexOf('--cpu-prof-engine') + 1]! : undefined;
  const session = new Session();
  if (profOut) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const times: Record<string, number[]> = {};
  const perCase: string[] = [];
  for (const c of cases) {
    const mine: number[] = [];
    const judged = { ...spanJudgeCounts };
    rmSync(ws, { recursive: true, force: true });
    mkdirSync(path.dirname(path.join(ws, c.rel)), { recursive: true });
    writeFileSync(path.join(ws, c.rel), c.before);
    for (let i = 0; i < 5; i++) {
      clearTreeCache();
      // --warm: the before-text's tree is cached, as for a document open in the editor.
      const g = grammarForPath(c.rel);
      if (process.argv.includes('--warm') && g) await rememberTree(g, c.before);
      const t = performance.now();
      const r = await applyEdits({ root: ws, text: c.text, dryRun: true });
      const ms = performance.now() - t;
      (times[c.kind] ??= []).push(ms);
      mine.push(ms);
      if (!r.applied && i === 0) console.log(c.id, r.reason);
    }
    mine.sort((a, b) => a - b);
    const spans = `spans by windows ${(spanJudgeCounts.windowed - judged.windowed) / 5}, by the full tree ${(spanJudgeCounts.full - judged.full) / 5}`;
    perCase.push(`${mine[2]!.toFixed(0).padStart(4)} ms  ${String(c.before.split('\n').length).padStart(6)} lines  ${c.id}  ${spans}`);
  }
  rmSync(ws, { recursive: true, force: true });
  if (profOut) writeFileSync(profOut, JSON.stringify((await session.post('Profiler.stop')).profile));
  // --per-case: each case's median, slowest first.
  if (process.argv.includes('--per-case')) for (const l of perCase.sort().reverse()) console.log(l);
  for (const [k, v] of Object.entries(times)) console.log(k, v.sort((a, b) => a - b).map((x) => x.toFixed(0)).join(' '));
})();
