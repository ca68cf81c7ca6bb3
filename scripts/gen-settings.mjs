// Writes package.json `contributes.configuration` (and the per-language `configurationDefaults`) from the config
// schema (shared/config/schema.ts, shared/config/contributes.ts).
// `--check` exits 1 when package.json is out of date instead of writing it.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = await esbuild.build({
  entryPoints: [path.join(root, 'shared/config/contributes.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
const pkgPath = path.join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
const want = mod.configurationContribution();
const defaults = mod.configurationDefaultsContribution();
if (process.argv.includes('--check')) {
  const same = JSON.stringify(pkg.contributes?.configuration) === JSON.stringify(want) && JSON.stringify(pkg.contributes?.configurationDefaults) === JSON.stringify(defaults);
  if (!same) console.error('package.json contributes.configuration/configurationDefaults is out of date: run `npm run gen:settings`');
  process.exit(same ? 0 : 1);
}
pkg.contributes = { ...pkg.contributes, configuration: want, configurationDefaults: defaults };
writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
console.error(`wrote ${Object.keys(want.properties).length} settings to package.json`);
