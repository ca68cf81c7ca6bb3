import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAMMARS } from '../../server/src/syntax/grammars';

/**
 * `npm run package` (scripts/package.mjs) writes one .vsix per VS Code platform; each must hold its own platform's
 * LanceDB binary and no other. The packages are built once per change of their inputs (package.json, the lock,
 * .vscodeignore, the scripts, and every file the staging copies: the bundles in dist/, media/, bin/, README) into a
 * cache outside the repository, so reruns of the unit tier stay fast and a changed build is packaged again; the
 * first run takes a few minutes (seven `vsce package` runs, and `npm pack` of the platform packages the first time).
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
  on(ev: 'entry', cb: (e: { fileName: string; uncompressedSize: number }) => void): void;
  on(ev: 'end', cb: () => void): void;
  on(ev: 'error', cb: (e: Error) => void): void;
  readEntry(): void;
}
const yauzl = require('yauzl') as { open(file: string, o: { lazyEntries: boolean }, cb: (err: Error | null, zip: ZipFile) => void): void };

/** The entries of a zip file (name → uncompressed bytes), read with yauzl (the zip reader vsce itself uses). */
function entrySizes(file: string): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const sizes = new Map<string, number>();
      zip.on('entry', (e) => {
        sizes.set(e.fileName, e.uncompressedSize);
        zip.readEntry();
      });
      zip.on('end', () => resolve(sizes));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

async function entries(file: string): Promise<string[]> {
  return [...(await entrySizes(file)).keys()];
}

/**
 * What scripts/package.mjs `stage` copies into each .vsix, hashed by path and content: the files under these roots
 * except earlier .vsix outputs, source maps and dist/node_modules (replaced by the target's platform package, which
 * the lock pins).
 */
const STAGED = ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media', 'bin', 'dist'];

function hashStaged(hash: ReturnType<typeof createHash>, rel: string): void {
  const abs = path.join(root, rel);
  if (!existsSync(abs) || rel.endsWith('.vsix') || rel.endsWith('.map') || rel === 'dist/node_modules') return;
  if (statSync(abs).isDirectory()) {
    for (const f of readdirSync(abs).sort()) hashStaged(hash, `${rel}/${f}`);
    return;
  }
  hash.update(`${rel}\0`);
  hash.update(readFileSync(abs));
}

let script: PackageScript;
let out: string;
let cache: string;

beforeAll(async () => {
  script = (await import(path.join(root, 'scripts', 'package.mjs'))) as PackageScript;
  const key = createHash('sha256');
  for (const f of ['package-lock.json', 'scripts/package.mjs', 'esbuild.config.mjs']) key.update(readFileSync(path.join(root, f)));
  // A changed build (a bundle, a grammar, a webview) is a new key: the test never passes on a stale package.
  if (!existsSync(path.join(root, 'dist', 'server.js'))) spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, stdio: 'inherit' });
  for (const f of STAGED) hashStaged(key, f);
  cache = process.env.NOOTROPIC_PACKAGE_CACHE ?? path.join(os.homedir(), '.cache', 'nootropic-package');
  out = path.join(cache, `vsix-${key.digest('hex').slice(0, 16)}`);
  // Each build has its own key, so old packages pile up (~420 MiB a set): drop sets untouched for a day.
  if (existsSync(cache)) {
    for (const d of readdirSync(cache).filter((n) => n.startsWith('vsix-') && path.join(cache, n) !== out)) {
      if (Date.now() - statSync(path.join(cache, d)).mtimeMs > 86_400_000) rmSync(path.join(cache, d), { recursive: true, force: true });
    }
  }
  const missing = Object.keys(script.TARGETS).filter((t) => !existsSync(path.join(out, `nootropic-${t}.vsix`)));
  // dist/ is only read (each target is staged in a temporary copy); built here when the unit tier runs first.
  if (missing.length) script.packageAll({ build: false, out, targets: missing });
}, 900_000);

const ALL_TARGETS = ['linux-x64', 'linux-arm64', 'alpine-x64', 'alpine-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

describe('one .vsix per VS Code platform (npm run package)', () => {
  it('targets linux (glibc and Alpine/musl) and Windows on x64 and arm64, and darwin-arm64; darwin-x64 is named as unsupported', () => {
    expect(Object.keys(script.TARGETS).sort()).toEqual(ALL_TARGETS.slice().sort());
    expect(script.UNSUPPORTED['darwin-x64']).toMatch(/no darwin-x64 binary/);
  });

  it.each(ALL_TARGETS)('%s holds its own LanceDB binary and no other platform\'s', async (target) => {
    const names = await entries(path.join(out, `nootropic-${target}.vsix`));
    const own = script.TARGETS[target]!;
    const platform = own.replace(/^lancedb-/, '');
    expect(names).toContain(`extension/dist/node_modules/@lancedb/${own}/lancedb.${platform}.node`);
    expect(names).toContain(`extension/dist/node_modules/@lancedb/${own}/package.json`);
    const native = names.filter((n) => n.endsWith('.node') || n.includes('/@lancedb/'));
    expect(native.filter((n) => !n.includes(`/@lancedb/${own}/`))).toEqual([]);
    // What runs is there; what does not run is not.
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/server-main.js', 'extension/dist/cli.js', 'extension/dist/index-worker.js', 'extension/dist/lazy/lancedb.js', 'extension/dist/lazy/openai.js', 'extension/dist/lazy/anthropic-sdk.js', 'extension/dist/lazy/mcp.js', 'extension/dist/lazy/otlp-http.js', 'extension/dist/wasm/tree-sitter.wasm']) expect(names).toContain(f);
    expect(names.filter((n) => n.endsWith('.map') || n.endsWith('.ts') && !n.endsWith('.d.ts') || n.endsWith('README.md') && n.includes('@lancedb'))).toEqual([]);
    expect(names).toContain('extension.vsixmanifest');
  });

  it.each(['linux-x64', 'linux-arm64', 'alpine-x64', 'alpine-arm64'])("%s: its binary carries no symbol table beyond what Node loads", async (target) => {
    const own = script.TARGETS[target]!;
    const platform = own.replace(/^lancedb-/, '');
    const version = JSON.parse(readFileSync(path.join(root, 'node_modules', '@lancedb', 'lancedb', 'package.json'), 'utf8')).version as string;
    const published = statSync(path.join(cache, `${own}-${version}`, `lancedb.${platform}.node`)).size;
    const shipped = (await entrySizes(path.join(out, `nootropic-${target}.vsix`))).get(`extension/dist/node_modules/@lancedb/${own}/lancedb.${platform}.node`);
    const canStrip = spawnSync('llvm-strip', ['--version']).status === 0 || (target.endsWith(`-${process.arch}`) && spawnSync('strip', ['--version']).status === 0);
    if (!canStrip) expect(shipped).toBe(published);
    // LanceDB publishes its musl binaries already stripped: stripping again gains nothing, so those must only not grow.
    else if (target.startsWith('alpine-')) expect(shipped!).toBeLessThanOrEqual(published);
    else expect(shipped!).toBeLessThan(published * 0.95);
  });

  it('ships only what runs: the grammars the server loads, .d.ts only as the critic\'s TypeScript libs', async () => {
    const names = await entries(path.join(out, 'nootropic-linux-x64.vsix'));
    const wasm = names.filter((n) => n.startsWith('extension/dist/wasm/')).map((n) => path.basename(n)).sort();
    expect(wasm).toEqual(['tree-sitter.wasm', ...GRAMMARS.map((g) => `tree-sitter-${g}.wasm`)].sort());
    expect(names.filter((n) => n.endsWith('.d.ts') && !n.startsWith('extension/dist/typescript/lib.'))).toEqual([]);
    // Docs and tests of dependencies stay out; the README and the walkthrough's pages (media/walkthrough/*.md) ship.
    const docs = names.filter((n) => /\/(test|tests|docs?|examples?)\//.test(n) || (/\.(md|markdown)$/i.test(n) && n !== 'extension/readme.md' && !n.startsWith('extension/media/walkthrough/')));
    expect(docs).toEqual([]);
  });

  it("quickstart's host target: this machine's, or on an Intel Mac 'no .vsix for this platform' (exit 3, not a crash)", () => {
    const hostTarget = (platform: string, arch: string) => {
      const preload = `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} }); Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} });`;
      return spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, 'scripts/package.mjs', '--host-target'], { cwd: root, encoding: 'utf8' });
    };
    const mac = hostTarget('darwin', 'x64');
    expect(mac.status).toBe(3);
    expect(mac.stderr).toMatch(/^no \.vsix for this platform \(darwin-x64\): LanceDB publishes no darwin-x64 binary/);
    const win = hostTarget('win32', 'arm64');
    expect([win.status, win.stdout.trim()]).toEqual([0, 'win32-arm64']);
    expect(readFileSync(path.join(root, 'scripts', 'quickstart.sh'), 'utf8')).toContain('scripts/package.mjs --host-target');
  });

  it('the README says which file is for whom', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const t of [...Object.keys(script.TARGETS), 'darwin-x64']) expect(readme).toContain(`nootropic-${t}`);
  });
});
