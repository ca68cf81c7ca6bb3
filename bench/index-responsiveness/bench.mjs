// Is the server responsive while it indexes? The bundled server over stdio, with the index in its worker thread
// (the default) and, as the baseline in the same run, in the server's own thread (NOOTROPIC_INDEX_INLINE=1).
// The server's event-loop delay is sampled inside it by perf_hooks.monitorEventLoopDelay (loop-probe.cjs,
// preloaded with `node --require`; the product does not load it). Prints, per mode:
//   - during a forced full build of a ~50k-chunk workspace (Debian's sympy: `apt-get install -y python3-sympy`) on
//     a started server (index loaded, Python grammar loaded): didOpen → syntax diagnostics (debounce 0)
//     p50/p95/max, a no-op request (nootropic/index/info) round trip p50/p95, and the longest event-loop block
//   - start-up on a ~20k-file tree with node_modules (server watcher on, no index yet): the longest event-loop
//     block from `initialized` until the index is ready + 2 s (and, apart, the block of loading the bundle itself)
// Targets (issue 13): diagnostics p95 < 50 ms during the build; no block > 50 ms at start-up.
// Usage: npm run bench:index-responsiveness [-- --modes worker,inline] [--skip-build] [--skip-startup]
//   [--source DIR]: another tree to build instead of sympy (a quick check of the script itself)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const MODES = arg('--modes', 'worker,inline').split(',');
const SYMPY = '/usr/lib/python3/dist-packages/sympy';
if (!existsSync(SYMPY)) {
  console.error(`${SYMPY} is missing: apt-get install -y python3-sympy`);
  process.exit(2);
}
const serverJs = path.join(root, 'dist', 'server.js');
const probe = path.join(here, 'loop-probe.cjs');
const work = path.join(os.tmpdir(), 'nootropic-index-responsiveness');
const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${Math.round(x)} ms`;
const copyTree = (src, dst) => cpSync(src, dst, { recursive: true, filter: (p) => !p.includes('__pycache__') });
const sleep = (t) => new Promise((r) => setTimeout(r, t));

async function startServer(ws, mode, settings) {
  const probeFile = path.join(work, `loop-${mode}-${Date.now()}.jsonl`);
  writeFileSync(probeFile, '');
  const env = { ...process.env, NOOTROPIC_LOOP_PROBE: probeFile, NOOTROPIC_USER_CONFIG: path.join(work, 'no-user-config.yaml') };
  if (mode === 'inline') env.NOOTROPIC_INDEX_INLINE = '1';
  else delete env.NOOTROPIC_INDEX_INLINE;
  const spawned = Date.now();
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []; // e.g. --cpu-prof
  const proc = spawn(process.execPath, [...extra, '--require', probe, serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'], env });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.onRequest(() => null);
  const waiters = new Map();
  conn.onNotification('textDocument/publishDiagnostics', (p) => waiters.get(p.uri)?.(p));
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(ws).href,
    capabilities: {},
    initializationOptions: { settings: { diagnostics: { syntax: { debounceMs: 0 } }, ...settings } },
  });
  const initialized = Date.now();
  await conn.sendNotification('initialized', {});
  /** The longest loop delay the server saw in [from, to] (epoch ms); samples are written after the block. */
  const loopMax = (from, to) => {
    const lines = readFileSync(probeFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return Math.max(0, ...lines.filter((s) => s.t >= from && s.t <= to + 150).map((s) => s.max));
  };
  return { proc, conn, waiters, spawned, initialized, loopMax };
}

async function stop({ proc, conn }) {
  await Promise.race([conn.sendRequest('shutdown').then(() => conn.sendNotification('exit')), sleep(10_000)]).catch(() => undefined);
  setTimeout(() => proc.kill('SIGKILL'), 3_000).unref();
  await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r()));
}

const info = (s) => s.conn.sendRequest('nootropic/index/info', {});

const text = 'def broken(:\n    return 1\n';
async function diagnosticsRoundTrip(s, uri) {
  const got = new Promise((r) => s.waiters.set(uri, r));
  const t0 = performance.now();
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
  await got;
  const t = performance.now() - t0;
  await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return t;
}

async function waitReady(s) {
  let state = await info(s);
  for (const deadline = Date.now() + 900_000; state.state !== 'ready' && state.state !== 'error' && Date.now() < deadline; state = await info(s)) await sleep(200);
  return state;
}

/**
 * A forced full build (`nootropic/index/build {force: true}`) on a server that has started, loaded the index
 * and opened one Python file (grammar loaded): what is measured is the build's effect, not start-up's.
 */
async function duringFullBuild(mode, ws) {
  const s = await startServer(ws, mode, { index: { watch: false } });
  await waitReady(s);
  await diagnosticsRoundTrip(s, pathToFileURL(path.join(ws, `warmup_${mode}.py`)).href);
  await sleep(3_000);
  const started = Date.now();
  let building = true;
  const build = s.conn.sendRequest('nootropic/index/build', { force: true }).finally(() => (building = false));
  const diag = [];
  const rtt = [];
  for (let i = 0; building; i++) {
    const d = await diagnosticsRoundTrip(s, pathToFileURL(path.join(ws, `probe_${mode}_${i}.py`)).href);
    const t0 = performance.now();
    await info(s);
    const r = performance.now() - t0;
    if (!building) break;
    diag.push(d);
    rtt.push(r);
    await sleep(100);
  }
  const summary = await build;
  const block = s.loopMax(started, Date.now());
  console.log(
    `[${mode}] during a forced full build (${summary.chunks} chunks, ${summary.files} files, ${(summary.ms / 1000).toFixed(1)} s): ` +
      `didOpen → diagnostics p50 ${ms(pct(diag, 50))}, p95 ${ms(pct(diag, 95))}, max ${ms(Math.max(...diag))} over ${diag.length} opens; ` +
      `no-op request round trip p50 ${ms(pct(rtt, 50))}, p95 ${ms(pct(rtt, 95))}; longest event-loop block ${ms(block)}`,
  );
  await stop(s);
  return { diagP95: pct(diag, 95), block };
}

function nodeModulesTree() {
  const nmWs = path.join(work, 'nm-ws');
  if (existsSync(path.join(nmWs, '.complete'))) return nmWs;
  rmSync(nmWs, { recursive: true, force: true });
  mkdirSync(nmWs, { recursive: true });
  copyTree(path.join(SYMPY, 'core'), path.join(nmWs, 'core'));
  const nm = path.join(nmWs, 'node_modules');
  mkdirSync(nm);
  const src = path.join(root, 'node_modules');
  const count = () => Number(execFileSync('find', [nm, '-type', 'f'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').length);
  for (const pkg of readdirSync(src)) {
    const from = path.join(src, pkg);
    try {
      if (!statSync(from).isDirectory() || pkg.startsWith('.')) continue;
      copyTree(from, path.join(nm, pkg));
      if (count() >= 20_000) break;
    } catch {
      /* unreadable package: skip */
    }
  }
  writeFileSync(path.join(nmWs, '.gitignore'), 'node_modules/\n');
  writeFileSync(path.join(nmWs, '.complete'), '');
  return nmWs;
}

async function startUp(mode, nmWs, files) {
  rmSync(path.join(nmWs, '.nootropic-cache'), { recursive: true, force: true });
  const s = await startServer(nmWs, mode, { index: { watch: true } });
  const state = await waitReady(s);
  const ready = Date.now();
  await sleep(2_000);
  const block = s.loopMax(s.initialized, Date.now());
  const loading = s.loopMax(s.spawned, s.initialized);
  console.log(
    `[${mode}] start-up on a ${files}-file tree with node_modules (watcher on, no index yet; ${state.chunks} chunks ready ${((ready - s.initialized) / 1000).toFixed(1)} s after initialized): ` +
      `longest event-loop block from initialized to ready + 2 s ${ms(block)} (before initialize, loading the bundle: ${ms(loading)})`,
  );
  await stop(s);
  return { block };
}

mkdirSync(work, { recursive: true });
console.log(`index-responsiveness bench: node ${process.version}; ${os.cpus().length} cores; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; modes ${MODES.join(', ')}`);
console.log('note: the machine may be shared with other sessions; timings are noisy. worker = the default; inline = NOOTROPIC_INDEX_INLINE=1 (the index on the server thread, the baseline).');
const results = {};
if (!process.argv.includes('--skip-build')) {
  const source = path.resolve(arg('--source', SYMPY));
  const ws = path.join(work, source === SYMPY ? 'sympy-ws' : `ws-${path.basename(source)}`);
  if (!existsSync(path.join(ws, 'src'))) {
    mkdirSync(ws, { recursive: true });
    copyTree(source, path.join(ws, 'src'));
  }
  for (const mode of MODES) results[`build-${mode}`] = await duringFullBuild(mode, ws);
}
if (!process.argv.includes('--skip-startup')) {
  const nmWs = nodeModulesTree();
  const files = execFileSync('find', [nmWs, '-type', 'f', '-not', '-path', '*/.nootropic-cache/*'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').length - 1;
  for (const mode of MODES) results[`startup-${mode}`] = await startUp(mode, nmWs, files);
}
const w = results['build-worker'];
const su = results['startup-worker'];
if (w || su) {
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  if (w) console.log(`target diagnostics p95 < 50 ms during a full build: ${ms(w.diagP95)} → ${verdict(w.diagP95 < 50)}`);
  if (su) console.log(`target no event-loop block > 50 ms at start-up: ${ms(su.block)} → ${verdict(su.block <= 50)}`);
}
