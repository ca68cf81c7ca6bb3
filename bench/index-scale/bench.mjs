// Index at scale: a ~50k-chunk workspace (Debian's sympy source: `apt-get install -y python3-sympy`) through the
// bundled CLI and server, as a person would use them. Prints:
//   - full build (first `nootropic index`), and `nootropic index` with nothing changed (wall, node start included)
//   - `nootropic search` end to end from the shell, p50 of 5, with `grep -rn` on the same tree as the baseline
//   - server: spawn → first answered nootropic/search on the existing index, and the server's RSS after it
//   - didOpen → syntax diagnostics (debounce 0) p50/p95 while a full `index --force` build runs
//   - event-loop stall at start-up on a tree with a 20k-file node_modules (max latency of a no-op request
//     sent every 10 ms during the first seconds)
// Usage: npm run bench:index-scale [-- --checkout DIR] [--label NAME] [--skip-build-latency]
//   --checkout: another checkout's root (with dist/ built) to measure, e.g. main's code in a second worktree, so
//   before/after run the same script on the same machine.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const checkout = path.resolve(arg('--checkout', here));
const label = arg('--label', path.basename(checkout));
const SYMPY = '/usr/lib/python3/dist-packages/sympy';
if (!existsSync(SYMPY)) {
  console.error(`${SYMPY} is missing: apt-get install -y python3-sympy`);
  process.exit(2);
}
const cli = path.join(checkout, 'bin', 'nootropic.js');
const serverJs = path.join(checkout, 'dist', 'server.js');
const work = path.join(os.tmpdir(), `nootropic-index-scale-${label}`);
const ws = path.join(work, 'sympy-ws');
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${Math.round(x)} ms`;

function copyTree(src, dst) {
  cpSync(src, dst, { recursive: true, filter: (p) => !p.includes('__pycache__') });
}

function timed(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const t = performance.now() - t0;
  if (r.status !== 0 && !opts.anyStatus) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: t, stdout: r.stdout };
}

console.log(`index-scale bench: checkout ${checkout} (${label}); node ${process.version}; ${os.cpus().length} cores; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('note: the machine is shared with other sessions; timings are noisy.');
if (!existsSync(ws)) {
  mkdirSync(ws, { recursive: true });
  copyTree(SYMPY, path.join(ws, 'sympy'));
}
const full = timed(process.execPath, [cli, '--root', ws, 'index', '--json']);
const fullSummary = JSON.parse(full.stdout);
console.log(`first \`nootropic index\` (full build unless already built): ${ms(full.ms)} wall; ${fullSummary.files} files, ${fullSummary.chunks} chunks, changedFiles ${fullSummary.changedFiles}`);

const again = [];
let lastSummary;
for (let i = 0; i < 3; i++) {
  const r = timed(process.execPath, [cli, '--root', ws, 'index', '--json']);
  again.push(r.ms);
  lastSummary = JSON.parse(r.stdout);
}
console.log(`\`nootropic index\`, nothing changed: p50 ${ms(pct(again, 50))} wall (runs: ${again.map(ms).join(', ')}); changedFiles ${lastSummary.changedFiles}`);

const QUERIES = ['derivative of a product', 'solve linear system of equations', 'simplify trigonometric expression', 'matrix determinant', 'integrate rational function'];
const searches = [];
let firstHits = 0;
for (const q of QUERIES) {
  const r = timed(process.execPath, [cli, '--root', ws, 'search', q, '--json']);
  searches.push(r.ms);
  firstHits ||= JSON.parse(r.stdout).hits.length;
}
const greps = QUERIES.map((q) => timed('grep', ['-rn', '--include=*.py', q.split(' ')[0], ws], { anyStatus: true }).ms);
console.log(`\`nootropic search\` end to end: p50 ${ms(pct(searches, 50))} (runs: ${searches.map(ms).join(', ')}; ${firstHits} hits); grep -rn baseline p50 ${ms(pct(greps, 50))}`);

async function startServer(root, settings = {}) {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.onRequest(() => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    capabilities: {},
    initializationOptions: { settings: { diagnostics: { syntax: { debounceMs: 0 } }, ...settings } },
  });
  await conn.sendNotification('initialized', {});
  return { proc, conn, t0 };
}
async function stop({ proc, conn }) {
  await Promise.race([conn.sendRequest('shutdown').then(() => conn.sendNotification('exit')), new Promise((r) => setTimeout(r, 5_000))]).catch(() => undefined);
  setTimeout(() => proc.kill('SIGKILL'), 2_000).unref();
  await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r()));
}
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

{
  const s = await startServer(ws);
  const tInit = performance.now();
  const r = await s.conn.sendRequest('nootropic/search', { query: 'derivative of a product', limit: 10 });
  const t = performance.now();
  console.log(`server: spawn → first answered search ${ms(t - s.t0)} (initialized → answer ${ms(t - tInit)}); ${r.hits.length} hits`);
  await new Promise((res) => setTimeout(res, 3_000));
  const info = await s.conn.sendRequest('nootropic/index/info', {});
  console.log(`server RSS at ${info.chunks} chunks (state ${info.state}): ${Math.round(rssMb(s.proc.pid))} MB`);
  await stop(s);
}

if (!process.argv.includes('--skip-build-latency')) {
  // Syntax diagnostics while a full build runs.
  const s = await startServer(ws);
  await s.conn.sendRequest('nootropic/search', { query: 'warm up', limit: 1 });
  const waiters = new Map();
  s.conn.onNotification('textDocument/publishDiagnostics', (p) => waiters.get(p.uri)?.(p));
  let building = true;
  const build = s.conn.sendRequest('nootropic/index/build', { force: true }).finally(() => (building = false));
  const lat = [];
  const text = 'def broken(:\n    return 1\n';
  for (let i = 0; building && i < 2_000; i++) {
    const uri = pathToFileURL(path.join(ws, `probe_${i}.py`)).href;
    const got = new Promise((r) => waiters.set(uri, r));
    const t0 = performance.now();
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    await got;
    lat.push(performance.now() - t0);
    await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await new Promise((r) => setTimeout(r, 100));
  }
  const summary = await build;
  console.log(
    `didOpen → diagnostics during a full build (${summary.chunks} chunks, ${ms(summary.ms)}): p50 ${ms(pct(lat, 50))}, p95 ${ms(pct(lat, 95))}, max ${ms(Math.max(...lat))} over ${lat.length} opens`,
  );
  await stop(s);
}

{
  // Start-up on a tree with node_modules: the server must not stall (watcher set-up, walking).
  const nmWs = path.join(work, 'nm-ws');
  if (!existsSync(nmWs)) {
    mkdirSync(nmWs, { recursive: true });
    copyTree(path.join(SYMPY, 'core'), path.join(nmWs, 'core'));
    const nm = path.join(nmWs, 'node_modules');
    mkdirSync(nm);
    let n = 0;
    const src = path.join(here, 'node_modules');
    for (const pkg of readdirSync(src)) {
      if (n >= 20_000) break;
      const from = path.join(src, pkg);
      try {
        if (!statSync(from).isDirectory()) continue;
        copyTree(from, path.join(nm, pkg));
        n = Number(execFileSync('find', [nm, '-type', 'f'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').length);
      } catch {
        /* unreadable package: skip */
      }
    }
    writeFileSync(path.join(nmWs, '.gitignore'), 'node_modules/\n');
  }
  const files = execFileSync('find', [nmWs, '-type', 'f'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').length;
  rmSync(path.join(nmWs, '.nootropic-cache'), { recursive: true, force: true });
  const s = await startServer(nmWs, { index: { watch: true } });
  let worst = 0;
  const until = performance.now() + 6_000;
  while (performance.now() < until) {
    const t0 = performance.now();
    await s.conn.sendRequest('nootropic/index/info', {});
    worst = Math.max(worst, performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  console.log(`start-up on a ${files}-file tree with node_modules: longest no-op request round trip in the first 6 s ${ms(worst)} (event-loop stall upper bound)`);
  await stop(s);
}
