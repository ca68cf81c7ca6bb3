// Fetches real source from the npm registry (`npm pack`), cached under bench/.cache/npm/<name>@<version>/.
// Benchmarks use it as public, unflattering dev data.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CACHE = path.join(path.dirname(fileURLToPath(import.meta.url)), '.cache', 'npm');

/** Returns the unpacked package folder for `spec` (e.g. "lodash@4.17.21"). */
export function fetchPackage(spec) {
  const dir = path.join(CACHE, spec.replace(/\//g, '__'));
  const pkgDir = path.join(dir, 'package');
  if (existsSync(pkgDir)) return pkgDir;
  mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', path.join(dir, out), '-C', dir]);
  return pkgDir;
}

/** Files under `dir` whose extension is in `exts`, largest first, skipping anything over `maxBytes`. */
export function listFiles(dir, exts, maxBytes = 2_000_000) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e)) && st.size <= maxBytes) out.push({ path: p, bytes: st.size });
    }
  };
  walk(dir);
  return out.sort((a, b) => b.bytes - a.bytes);
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
