/**
 * The windowed syntax check and the windowed elision span check against the full parse, on large files the
 * benchmark never tuned on: JS/TS/Python files of 100 KB–2 MB from this checkout's node_modules (bundles, generated
 * protobuf code, SDKs; minified files and declaration files left out), every k-th of them in path order so the
 * same files are taken on every run of the same install. Random edits (1–3 lines deleted, duplicated, swapped, or a
 * bracket, quote, comment opener, backtick or `else {` inserted) must get the same syntax verdict with windows as
 * with the full parse; random spans (half of them between statement-like lines of one indentation, mostly whole)
 * the same span answer. Not a benchmark of time: `npm run bench:edits` prints those figures.
 *
 * node bench/run-ts.mjs bench/edits/windows-fuzz.ts [--files N] [--edits N] [--spans N]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { spanJudge } from '../../server/src/edits/span-windows';
import { checkSyntax, grammarForPath, useWindowCheck } from '../../server/src/edits/syntax-check';
import { clearTreeCache } from '../../server/src/edits/tree-cache';
import { windowCheck } from '../../server/src/edits/window-check';
import { randomSpan, rng } from './devset';

const argNum = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

function largeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (/\.(js|cjs|mjs|ts|py)$/.test(name) && !/\.min\.|\.d\.ts$/.test(name) && st.size >= 100_000 && st.size <= 2_000_000) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

void (async () => {
  const all = largeFiles(path.join(__dirname, '..', '..', 'node_modules')).filter((f) => grammarForPath(f));
  const want = argNum('files', 40);
  const step = Math.max(1, Math.floor(all.length / want));
  const files = all.filter((_, i) => i % step === 0).slice(0, want);
  console.log(`${files.length} files of ${all.length} large JS/TS/Python files in node_modules (one in ${step}, in path order)`);
  const rand = rng(9);
  const inserts = ['{', '}', '(', ')', '/*', '*/', '`', '"', "'", '"'.repeat(3), 'else {', '} else {', '\\', ',', '=>', 'class X {', '  foo() {', '#', '\n', '\n}\n', 'if (x) {\n', 'def f():\n'];
  const edits = { tried: 0, same: 0, errors: 0, byWindows: 0, differ: [] as string[] };
  const spans = { tried: 0, same: 0, whole: 0, byWindows: 0, differ: [] as string[] };
  for (const f of files) {
    const g = grammarForPath(f)!;
    const before = readFileSync(f, 'utf8');
    const lines = before.split('\n');
    const rel = path.relative(process.cwd(), f);
    for (let k = 0; k < argNum('edits', 25); k++) {
      const out = [...lines];
      for (let j = 1 + Math.floor(rand() * 3); j > 0; j--) {
        const at = Math.floor(rand() * out.length);
        const kind = Math.floor(rand() * 4);
        if (kind === 0) out.splice(at, 1);
        else if (kind === 1) out.splice(at, 0, out[at]!);
        else if (kind === 2 && at + 1 < out.length) [out[at], out[at + 1]] = [out[at + 1]!, out[at]!];
        else {
          const ins = inserts[Math.floor(rand() * inserts.length)]!;
          const col = Math.floor(rand() * ((out[at] ?? '').length + 1));
          out[at] = (out[at] ?? '').slice(0, col) + ins + (out[at] ?? '').slice(col);
        }
      }
      const after = out.join('\n');
      if (after === before) continue;
      edits.tried++;
      clearTreeCache();
      useWindowCheck(true, 0);
      const w = await checkSyntax(f, before, after);
      clearTreeCache();
      useWindowCheck(false);
      const full = await checkSyntax(f, before, after);
      useWindowCheck(true);
      const bad = (v: typeof w) => v.checked && v.introduced.length > 0;
      if (bad(full)) edits.errors++;
      if (bad(w) === bad(full)) edits.same++;
      else edits.differ.push(`${rel} edit ${k}: windows ${bad(w) ? 'refuse' : 'accept'}, full parse ${bad(full) ? 'refuse' : 'accept'}`);
      if ((await windowCheck(g, before, after, { minChars: 0 })).clean) edits.byWindows++;
    }
    const full = await spanJudge(g, before, { windows: false });
    for (let k = 0; k < argNum('spans', 60); k++) {
      const [s, e] = randomSpan(lines, rand, k % 2 === 1);
      if (s >= e) continue;
      // A fresh judge per span: no full tree carried over from an earlier span of the file.
      const w = await spanJudge(g, before, { minChars: 0 });
      const wv = w.at(0)(s, e);
      if (w.stats.windowed) spans.byWindows++;
      w.dispose();
      const fv = full.at(0)(s, e);
      spans.tried++;
      if (fv) spans.whole++;
      if (wv === fv) spans.same++;
      else spans.differ.push(`${rel} lines ${s + 1}–${e}: windows ${wv}, full tree ${fv}`);
    }
    full.dispose();
  }
  console.log(`syntax check windows vs full parse, ${edits.tried} random edits: ${edits.same}/${edits.tried} same verdict (${edits.errors} introduce a syntax error; the windows alone accepted ${edits.byWindows})`);
  for (const d of edits.differ.slice(0, 10)) console.log(`  differ: ${d}`);
  console.log(`elision span check windows vs full tree, ${spans.tried} random spans: ${spans.same}/${spans.tried} same answer (${spans.whole} whole; windows alone decided ${spans.byWindows})`);
  for (const d of spans.differ.slice(0, 10)) console.log(`  differ: ${d}`);
})();
