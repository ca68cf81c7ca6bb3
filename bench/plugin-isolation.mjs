// Plugin isolation: worker thread (before issue 12) vs child process vs confined child process (what the server
// runs now: permission model, explicit env), measured with the real host (dist/plugin-host.js) and a
// generated plugin. Prints, per mode: activation time (host start + module load + describe + activate; median of
// RUNS), the round trip of a trivial command (median), and the memory that N live plugins add to the machine
// (worker: server RSS growth; child: server RSS growth + every child's RSS). Baseline in the same run: the
// server process's own RSS before any plugin starts. Run `node esbuild.config.mjs` first.
//   node bench/plugin-isolation.mjs [--runs 15] [--plugins 10]
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const host = path.join(root, 'dist', 'plugin-host.js');
if (!existsSync(host)) {
  console.error('dist/plugin-host.js is missing: run `node esbuild.config.mjs` first');
  process.exit(1);
}
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 15);
const PLUGINS = arg('--plugins', 10);

const ws = mkdtempSync(path.join(os.tmpdir(), 'nootropic-bench-plugins-'));
const dir = path.join(ws, 'bench-plugin');
mkdirSync(dir);
writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-plugin', version: '1.0.0', main: 'index.js', nootropic: { apiVersion: '^1.0.0', capabilities: ['commands'] } }));
writeFileSync(
  path.join(dir, 'index.js'),
  "exports.describe = () => ({ name: 'bench-plugin', version: '1.0.0', commands: [{ name: 'ping' }] });\nexports.activate = (api) => api.registerCommand('ping', (args) => args.length);\n",
);
const activateMsg = { type: 'activate', dir, main: 'index.js', name: 'bench-plugin', capabilities: ['commands'], root: ws, readOnly: false, apiVersion: '1.0.0' };

function startHost(mode) {
  if (mode === 'worker') {
    const w = new Worker(host, { stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    return { post: (m) => w.postMessage(m), on: (f) => w.on('message', f), stop: () => w.terminate(), pid: null };
  }
  if (mode === 'confined') {
    // What the server runs since issue 12 (server/src/plugins/isolate.ts): permission model, explicit env.
    const flag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const execArgv = [flag, `--allow-fs-read=${path.dirname(host)}`, `--allow-fs-read=${ws}`, `--allow-fs-write=${ws}`, '--max-old-space-size=256', '--no-warnings'];
    const c = fork(host, [], { execArgv, env: { PATH: process.env.PATH ?? '' }, cwd: ws, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    return { post: (m) => c.send(m), on: (f) => c.on('message', f), stop: () => new Promise((r) => (c.once('exit', r), c.kill())), pid: c.pid };
  }
  const c = fork(host, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return { post: (m) => c.send(m), on: (f) => c.on('message', f), stop: () => new Promise((r) => (c.once('exit', r), c.kill())), pid: c.pid };
}

function waitFor(h, type) {
  return new Promise((resolve, reject) => {
    h.on((m) => {
      if (m.type === type) resolve(m);
      if (m.type === 'activate-failed') reject(new Error(m.error));
    });
  });
}

async function activateOnce(mode) {
  const t0 = performance.now();
  const h = startHost(mode);
  const activated = waitFor(h, 'activated');
  h.post(activateMsg);
  await activated;
  return { h, ms: performance.now() - t0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rssOf = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
const mb = (b) => (b / 1024 / 1024).toFixed(1);

async function measure(mode) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const { h, ms } = await activateOnce(mode);
    times.push(ms);
    await h.stop();
  }
  // Command round trip on one live host.
  const { h } = await activateOnce(mode);
  const rtts = [];
  const waiting = new Map();
  h.on((m) => m.type === 'result' && waiting.get(m.id)?.());
  for (let id = 1; id <= 200; id++) {
    const t0 = performance.now();
    const done = new Promise((r) => waiting.set(id, r));
    h.post({ type: 'run', id, command: 'ping', args: ['a'] });
    await done;
    rtts.push(performance.now() - t0);
  }
  await h.stop();
  // Memory of N live plugins.
  global.gc?.();
  const before = process.memoryUsage().rss;
  const live = [];
  for (let i = 0; i < PLUGINS; i++) live.push((await activateOnce(mode)).h);
  await new Promise((r) => setTimeout(r, 300)); // let the hosts settle after start-up garbage
  global.gc?.();
  const selfGrowth = process.memoryUsage().rss - before;
  const children = live.reduce((sum, x) => sum + (x.pid ? rssOf(x.pid) : 0), 0);
  await Promise.all(live.map((x) => x.stop()));
  return { activateMs: median(times), minMs: Math.min(...times), rttMs: median(rtts), totalBytes: selfGrowth + children };
}

const baselineRss = process.memoryUsage().rss;
// Interleave so neither mode gets a warmer machine.
const worker = await measure('worker');
const child = await measure('child');
const confined = await measure('confined');
const worker2 = await measure('worker');
const w = { activateMs: Math.min(worker.activateMs, worker2.activateMs), minMs: Math.min(worker.minMs, worker2.minMs), rttMs: Math.min(worker.rttMs, worker2.rttMs), totalBytes: Math.min(worker.totalBytes, worker2.totalBytes) };
rmSync(ws, { recursive: true, force: true });

console.log(`plugin isolation (node ${process.version}, ${os.cpus().length} cores, ${RUNS} activations per mode, ${PLUGINS} live plugins)`);
console.log(`baseline: server process RSS before any plugin ${mb(baselineRss)} MB`);
console.log('mode            activate median (min)   command round trip   memory per live plugin');
for (const [name, r] of [['worker thread', w], ['child process', child], ['confined child', confined]]) {
  console.log(`${name.padEnd(16)}${`${r.activateMs.toFixed(1)} ms (${r.minMs.toFixed(1)})`.padEnd(24)}${`${r.rttMs.toFixed(3)} ms`.padEnd(21)}${mb(r.totalBytes / PLUGINS)} MB`);
}
console.log(`ratio child/worker: activation ${(child.activateMs / w.activateMs).toFixed(2)}x, memory ${(child.totalBytes / w.totalBytes).toFixed(2)}x, round trip ${(child.rttMs / w.rttMs).toFixed(2)}x`);
console.log(`ratio confined child (what the server runs)/worker (before): activation ${(confined.activateMs / w.activateMs).toFixed(2)}x, memory ${(confined.totalBytes / w.totalBytes).toFixed(2)}x, round trip ${(confined.rttMs / w.rttMs).toFixed(2)}x`);
process.exit(0);
