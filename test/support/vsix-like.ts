import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_BUNDLE } from './paths';

/**
 * dist/ as a .vsix lays it out, copied outside the repository so module resolution cannot reach the repo's
 * node_modules: the bundles (and dist/lazy/) are copied, the rest (wasm, plugins, typescript, dist/node_modules) linked, except the
 * entries named in `without` (e.g. `node_modules`: the LanceDB binary a .vsix for another platform lacks).
 */
export function vsixLikeBundle(prefix: string, without: readonly string[] = []): { root: string; cli: string; dispose(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const src = path.dirname(CLI_BUNDLE);
  const out = path.join(root, 'dist');
  mkdirSync(out);
  for (const f of readdirSync(src)) {
    if (without.includes(f) || f.endsWith('.map') || f.endsWith('.vsix')) continue;
    // Bundles are copied (dist/lazy/ too: a linked folder would resolve its requires from the repository's dist/).
    if (f.endsWith('.js') || f === 'lazy') cpSync(path.join(src, f), path.join(out, f), { recursive: true, filter: (p) => !p.endsWith('.map') });
    else symlinkSync(path.join(src, f), path.join(out, f));
  }
  return { root, cli: path.join(out, 'cli.js'), dispose: () => rmSync(root, { recursive: true, force: true }) };
}
