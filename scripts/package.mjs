#!/usr/bin/env node
// `npm run package`: one .vsix per VS Code platform target, each holding only its own LanceDB native binary.
//   node scripts/package.mjs [--no-build] [--out DIR] [--target linux-x64 ...]
//   node scripts/package.mjs --host-target   (this machine's target, or why there is no .vsix for it: exit 3)
// The bundles are platform-independent; only dist/node_modules/@lancedb/lancedb-<platform>/ differs. For each
// target the platform package (same version as @lancedb/lancedb) is fetched once with `npm pack` into a cache
// (~/.cache/nootropic-package, or $NOOTROPIC_PACKAGE_CACHE). Each target is staged in a temporary copy of what the
// .vsix ships (.vscodeignore decides; dist/ itself is never changed, so tests using it can run meanwhile) with that
// one platform package in dist/node_modules/@lancedb/, and `vsce package --target` writes dist/nootropic-<target>.vsix.
// darwin-x64 is not built: LanceDB publishes no darwin-x64 binary for the version we pin (the last is 0.22.3).
// Trimmed to what runs: no source maps, no other platform's binary, no READMEs of the platform package, and the
// Linux binaries stripped of their symbol tables (`llvm-strip --strip-unneeded`, or `strip` for this machine's own
// architecture; the dynamic symbols Node loads stay). macOS binaries are left as they are (stripping would break
// their code signature); Windows DLLs carry no symbol table. Each target prints its contents before → after
// trimming and the .vsix size (and the previous .vsix's, when one was there).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shippedGrammars } from '../esbuild.config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * VS Code target → the LanceDB platform package it needs. `alpine-*` is VS Code's name for Linux with musl libc
 * (Alpine; LanceDB's `-musl` packages, which its loader picks there); `linux-*` is glibc.
 */
export const TARGETS = {
  'linux-x64': 'lancedb-linux-x64-gnu',
  'linux-arm64': 'lancedb-linux-arm64-gnu',
  'alpine-x64': 'lancedb-linux-x64-musl',
  'alpine-arm64': 'lancedb-linux-arm64-musl',
  'darwin-arm64': 'lancedb-darwin-arm64',
  'win32-x64': 'lancedb-win32-x64-msvc',
  'win32-arm64': 'lancedb-win32-arm64-msvc',
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

/** Bytes under `p` (a file or a folder, links followed). */
function bytesOf(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((n, f) => n + bytesOf(path.join(p, f)), 0);
}

function isElf(file) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

/**
 * Strips a Linux binary's symbol table in place (the dynamic symbols Node's loader uses stay). llvm-strip reads
 * every architecture; GNU strip only this machine's. Returns the tool used, or why it was left as it is.
 */
export function stripElf(file) {
  for (const tool of ['llvm-strip', 'strip']) {
    const tmp = `${file}.stripped`;
    const r = spawnSync(tool, ['--strip-unneeded', '-o', tmp, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status === 0 && existsSync(tmp)) {
      cpSync(tmp, file);
      rmSync(tmp);
      return { stripped: true, how: tool };
    }
    rmSync(tmp, { force: true });
  }
  return { stripped: false, how: 'no llvm-strip (or strip for this architecture) on PATH: left unstripped' };
}

/**
 * A staging folder: what the .vsix may ship (no native packages, no source maps) plus one platform package, its
 * binary stripped where that is safe. `trim` counts what was left out or stripped, in bytes.
 */
function stage(from, name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-vsix-'));
  const trim = { maps: 0, otherPlatforms: 0, packageExtras: 0, strip: 0, stripHow: '' };
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media', 'bin', 'dist']) {
    if (!existsSync(path.join(root, f))) continue;
    cpSync(path.join(root, f), path.join(dir, f), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        if (src.endsWith('.vsix')) return false; // earlier outputs
        if (src.endsWith('.map')) {
          trim.maps += bytesOf(src);
          return false;
        }
        if (path.relative(root, src).split(path.sep).join('/') === 'dist/node_modules') {
          trim.otherPlatforms += bytesOf(src);
          return false;
        }
        return true;
      },
    });
  }
  const to = path.join(dir, 'dist', 'node_modules', '@lancedb', name);
  mkdirSync(to, { recursive: true });
  // Only what runs: the package.json `require` reads and the .node binary (no README).
  for (const f of readdirSync(from)) {
    if (f === 'package.json' || f.endsWith('.node')) cpSync(path.join(from, f), path.join(to, f));
    else trim.packageExtras += bytesOf(path.join(from, f));
  }
  for (const f of readdirSync(to).filter((x) => x.endsWith('.node'))) {
    const file = path.join(to, f);
    if (!isElf(file)) {
      trim.stripHow = 'binary kept as published (macOS: stripping would break its signature; Windows: no symbol table)';
      continue;
    }
    const before = statSync(file).size;
    const r = stripElf(file);
    trim.strip += before - statSync(file).size;
    trim.stripHow = r.how;
  }
  return { dir, trim };
}

const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Bytes of the tree-sitter grammars the build does not ship (esbuild.config.mjs `shippedGrammars`). */
function unusedGrammarBytes() {
  const dir = path.join(root, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
  if (!existsSync(dir)) return 0;
  const shipped = new Set(shippedGrammars().map((g) => `tree-sitter-${g}.wasm`));
  return readdirSync(dir)
    .filter((f) => /^tree-sitter-.+\.wasm$/.test(f) && !shipped.has(f))
    .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
}

export function packageAll({ build = true, out = path.join(root, 'dist'), targets = Object.keys(TARGETS), cache } = {}) {
  cache ??= process.env.NOOTROPIC_PACKAGE_CACHE ?? path.join(os.homedir(), '.cache', 'nootropic-package');
  const version = lanceDbVersion();
  if (build || !existsSync(path.join(root, 'dist', 'server.js'))) run(process.execPath, ['esbuild.config.mjs', ...(build ? ['--production'] : [])], { stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const made = [];
  for (const target of targets) {
    const name = TARGETS[target];
    if (!name) throw new Error(UNSUPPORTED[target] ? `no ${target} package: ${UNSUPPORTED[target]}` : `unknown target ${target}: one of ${Object.keys(TARGETS).join(', ')}`);
    const { dir, trim } = stage(platformPackage(name, version, cache), name);
    // What vsce will pack (.vscodeignore applied), uncompressed.
    const listed = run(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: dir }).split('\n').filter((l) => l.trim());
    const after = listed.reduce((n, f) => n + (existsSync(path.join(dir, f)) ? statSync(path.join(dir, f)).size : 0), 0);
    // "Before": the same staging with the maps, every installed platform's binary, the package's extras and the
    // unstripped binary (dist/node_modules holds this machine's platforms; the target's own replaces them).
    // "Before": what the package held without the trimming — the unstripped binary and the unused grammars (the
    // build leaves those out). Source maps and other platforms' binaries were never shipped; listed, not counted.
    const grammars = unusedGrammarBytes();
    const before = after + trim.strip + grammars;
    const file = path.join(out, `nootropic-${target}.vsix`);
    const previous = existsSync(file) ? statSync(file).size : undefined;
    try {
      run(process.execPath, [vsce, 'package', '--target', target, '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--skip-license', '-o', file], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    made.push({ target, file, bytes: statSync(file).size, contentsBefore: before, contentsAfter: after, stripped: trim.strip });
    console.log(`${path.relative(process.cwd(), file) || file}  ${mib(statSync(file).size)}${previous !== undefined ? ` (was ${mib(previous)})` : ''}  (${target}: @lancedb/${name}@${version})`);
    const trimmed = [trim.strip && `the binary's symbol table ${mib(trim.strip)} (${trim.stripHow})`, grammars && `grammars the server never loads ${mib(grammars)}`].filter(Boolean);
    const never = [trim.maps && `source maps ${mib(trim.maps)}`, trim.otherPlatforms && `this machine's LanceDB binaries ${mib(trim.otherPlatforms)}`, trim.packageExtras && `the platform package's README`].filter(Boolean);
    console.log(`  contents ${mib(before)} → ${mib(after)} uncompressed; trimmed: ${trimmed.join(', ') || 'nothing'}${trim.strip ? '' : ` (${trim.stripHow})`}; not shipped: ${never.join(', ')}`);
  }
  for (const [target, why] of Object.entries(UNSUPPORTED)) console.log(`(no ${target} package: ${why})`);
  return made;
}

/** The VS Code target for this machine: `alpine-*` where Node runs on musl libc, else `<platform>-<arch>`. */
export function hostTarget() {
  const report = process.report?.getReport();
  const musl = process.platform === 'linux' && report && !report.header?.glibcVersionRuntime;
  return musl ? `alpine-${process.arch}` : `${process.platform}-${process.arch}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  // `--host-target`: print this machine's target if a .vsix is built for it, else say why not and exit 3.
  if (args.includes('--host-target')) {
    const target = hostTarget();
    if (TARGETS[target]) console.log(target);
    else {
      console.error(`no .vsix for this platform (${target}): ${UNSUPPORTED[target] ?? `VS Code targets built: ${Object.keys(TARGETS).join(', ')}`}`);
      process.exit(3);
    }
    process.exit(0);
  }
  const outAt = args.indexOf('--out');
  const targets = args.flatMap((a, i) => (args[i - 1] === '--target' ? [a] : []));
  packageAll({
    build: !args.includes('--no-build'),
    ...(outAt >= 0 ? { out: path.resolve(args[outAt + 1]) } : {}),
    ...(targets.length ? { targets } : {}),
  });
}
