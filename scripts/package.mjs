#!/usr/bin/env node
// `npm run package`: one .vsix per VS Code platform target, each holding only its own LanceDB native binary.
//   node scripts/package.mjs [--no-build] [--out DIR] [--target linux-x64 ...]
// The bundles are platform-independent; only dist/node_modules/@lancedb/lancedb-<platform>/ differs. For each
// target the platform package (same version as @lancedb/lancedb) is fetched once with `npm pack` into a cache
// (~/.cache/nootropic-package, or $NOOTROPIC_PACKAGE_CACHE). Each target is staged in a temporary copy of what the
// .vsix ships (.vscodeignore decides; dist/ itself is never changed, so tests using it can run meanwhile) with that
// one platform package in dist/node_modules/@lancedb/, and `vsce package --target` writes dist/nootropic-<target>.vsix.
// darwin-x64 is not built: LanceDB publishes no darwin-x64 binary for the version we pin (the last is 0.22.3).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** VS Code target → the LanceDB platform package it needs. */
export const TARGETS = {
  'linux-x64': 'lancedb-linux-x64-gnu',
  'linux-arm64': 'lancedb-linux-arm64-gnu',
  'darwin-arm64': 'lancedb-darwin-arm64',
  'win32-x64': 'lancedb-win32-x64-msvc',
};
/** Targets VS Code runs on that we cannot ship, and why (printed, and in the README). */
export const UNSUPPORTED = { 'darwin-x64': 'LanceDB publishes no darwin-x64 binary for this version (the last is 0.22.3)' };

export function lanceDbVersion() {
  return JSON.parse(readFileSync(path.join(root, 'node_modules', '@lancedb', 'lancedb', 'package.json'), 'utf8')).version;
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
}

/** The unpacked platform package (fetched with `npm pack` on first use). */
function platformPackage(name, version, cache) {
  const dir = path.join(cache, `${name}-${version}`);
  if (existsSync(path.join(dir, 'package.json'))) return dir;
  mkdirSync(cache, { recursive: true });
  const tgz = run('npm', ['pack', `@lancedb/${name}@${version}`, '--pack-destination', cache, '--silent']).trim().split('\n').pop();
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  run('tar', ['-xzf', path.join(cache, tgz), '-C', tmp, '--strip-components=1']);
  rmSync(path.join(cache, tgz));
  rmSync(dir, { recursive: true, force: true });
  cpSync(tmp, dir, { recursive: true });
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

/** A staging folder: what the .vsix may ship (no native packages, no source maps) plus one platform package. */
function stage(from, name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-vsix-'));
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media', 'bin', 'dist']) {
    if (!existsSync(path.join(root, f))) continue;
    cpSync(path.join(root, f), path.join(dir, f), {
      recursive: true,
      dereference: true,
      filter: (src) => !src.endsWith('.map') && path.relative(root, src).split(path.sep).join('/') !== 'dist/node_modules',
    });
  }
  const to = path.join(dir, 'dist', 'node_modules', '@lancedb', name);
  mkdirSync(to, { recursive: true });
  // Only what runs: the package.json `require` reads and the .node binary (no README).
  for (const f of readdirSync(from)) if (f === 'package.json' || f.endsWith('.node')) cpSync(path.join(from, f), path.join(to, f));
  return dir;
}

const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export function packageAll({ build = true, out = path.join(root, 'dist'), targets = Object.keys(TARGETS), cache } = {}) {
  cache ??= process.env.NOOTROPIC_PACKAGE_CACHE ?? path.join(os.homedir(), '.cache', 'nootropic-package');
  const version = lanceDbVersion();
  if (build || !existsSync(path.join(root, 'dist', 'server.js'))) run(process.execPath, ['esbuild.config.mjs', ...(build ? ['--production'] : [])], { stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const made = [];
  for (const target of targets) {
    const name = TARGETS[target];
    if (!name) throw new Error(`unknown target ${target}: one of ${Object.keys(TARGETS).join(', ')}`);
    const dir = stage(platformPackage(name, version, cache), name);
    const file = path.join(out, `nootropic-${target}.vsix`);
    try {
      run(process.execPath, [vsce, 'package', '--target', target, '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--skip-license', '-o', file], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    made.push({ target, file, bytes: statSync(file).size });
    console.log(`${path.relative(process.cwd(), file) || file}  ${mib(statSync(file).size)}  (${target}: @lancedb/${name}@${version})`);
  }
  for (const [target, why] of Object.entries(UNSUPPORTED)) console.log(`(no ${target} package: ${why})`);
  return made;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const targets = args.flatMap((a, i) => (args[i - 1] === '--target' ? [a] : []));
  packageAll({
    build: !args.includes('--no-build'),
    ...(outAt >= 0 ? { out: path.resolve(args[outAt + 1]) } : {}),
    ...(targets.length ? { targets } : {}),
  });
}
