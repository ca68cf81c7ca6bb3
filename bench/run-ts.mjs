// Runs a TypeScript benchmark: bundles it with esbuild (the repo's own sources included) and executes it.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
const outfile = path.join(root, 'bench', '.cache', 'bundles', `${path.basename(path.dirname(entry))}-${path.basename(entry, '.ts')}.cjs`);
await esbuild.build({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['*.node', '@lancedb/lancedb-*', 'typescript', 'node-llama-cpp'],
  define: { 'import.meta.url': '__bench_import_meta_url', __dirname: JSON.stringify(path.dirname(path.resolve(entry))) },
  banner: { js: "const __bench_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--max-old-space-size=4096', outfile, ...args], { stdio: 'inherit', env: { ...process.env, NOOTROPIC_WASM_DIR: path.join(root, 'dist', 'wasm') } });
process.exit(r.status ?? 1);
