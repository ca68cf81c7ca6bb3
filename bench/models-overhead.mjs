// Bundles bench/models-overhead.ts with esbuild (as the product is built) and runs it.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-bench-'));
const out = path.join(dir, 'bench.cjs');
await esbuild.build({ entryPoints: [path.join(root, 'bench/models-overhead.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'warning' });
try {
  await import(pathToFileURL(out).href);
  await new Promise((r) => process.on('beforeExit', r));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
