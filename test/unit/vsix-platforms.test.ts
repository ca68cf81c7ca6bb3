import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run package` (scripts/package.mjs) writes one .vsix per VS Code platform; each must hold its own platform's
 * LanceDB binary and no other. The packages are built once per change of their inputs (package.json, the lock,
 * .vscodeignore, the script) into a cache outside the repository, so reruns of the unit tier stay fast; the first
 * run takes a few minutes (four `vsce package` runs, and `npm pack` of the platform packages the first time).
 */
const root = path.resolve(__dirname, '..', '..');
const require = createRequire(import.meta.url);

interface Made {
  target: string;
  file: string;
  bytes: number;
}
interface PackageScript {
  TARGETS: Record<string, string>;
  UNSUPPORTED: Record<string, string>;
  packageAll(o: { build: boolean; out: string; targets?: string[] }): Made[];
}

interface ZipFile {
  on(ev: 'entry', cb: (e: { fileName: string }) => void): void;
  on(ev: 'end', cb: () => void): void;
  on(ev: 'error', cb: (e: Error) => void): void;
  readEntry(): void;
}
const yauzl = require('yauzl') as { open(file: string, o: { lazyEntries: boolean }, cb: (err: Error | null, zip: ZipFile) => void): void };

/** The entry names of a zip file, read with yauzl (the zip reader vsce itself uses). */
function entries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

let script: PackageScript;
let out: string;

beforeAll(async () => {
  script = (await import(path.join(root, 'scripts', 'package.mjs'))) as PackageScript;
  const key = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json', '.vscodeignore', 'scripts/package.mjs']) key.update(readFileSync(path.join(root, f)));
  out = path.join(process.env.NOOTROPIC_PACKAGE_CACHE ?? path.join(os.homedir(), '.cache', 'nootropic-package'), `vsix-${key.digest('hex').slice(0, 16)}`);
  const missing = Object.keys(script.TARGETS).filter((t) => !existsSync(path.join(out, `nootropic-${t}.vsix`)));
  // dist/ is only read (each target is staged in a temporary copy); built here when the unit tier runs first.
  if (missing.length) script.packageAll({ build: false, out, targets: missing });
}, 900_000);

describe('one .vsix per VS Code platform (npm run package)', () => {
  it('targets linux-x64, linux-arm64, darwin-arm64 and win32-x64; darwin-x64 is named as unsupported', () => {
    expect(Object.keys(script.TARGETS).sort()).toEqual(['darwin-arm64', 'linux-arm64', 'linux-x64', 'win32-x64']);
    expect(script.UNSUPPORTED['darwin-x64']).toMatch(/no darwin-x64 binary/);
  });

  it.each(['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64'])('%s holds its own LanceDB binary and no other platform\'s', async (target) => {
    const names = await entries(path.join(out, `nootropic-${target}.vsix`));
    const own = script.TARGETS[target]!;
    const platform = own.replace(/^lancedb-/, '');
    expect(names).toContain(`extension/dist/node_modules/@lancedb/${own}/lancedb.${platform}.node`);
    expect(names).toContain(`extension/dist/node_modules/@lancedb/${own}/package.json`);
    const native = names.filter((n) => n.endsWith('.node') || n.includes('/@lancedb/'));
    expect(native.filter((n) => !n.includes(`/@lancedb/${own}/`))).toEqual([]);
    // What runs is there; what does not run is not.
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/dist/index-worker.js', 'extension/dist/wasm/tree-sitter.wasm']) expect(names).toContain(f);
    expect(names.filter((n) => n.endsWith('.map') || n.endsWith('.ts') && !n.endsWith('.d.ts') || n.endsWith('README.md') && n.includes('@lancedb'))).toEqual([]);
    expect(names).toContain('extension.vsixmanifest');
  });

  it('the README says which file is for whom', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const t of [...Object.keys(script.TARGETS), 'darwin-x64']) expect(readme).toContain(`nootropic-${t}`);
  });
});
