#!/usr/bin/env node
// `npm test`: every tier, in order, and one closing line with the totals.
//   1. type-check (tsc --noEmit) and the settings/schema check
//   2. vitest: unit → server in-process → bundled server over stdio + CLI subprocess → Neovim
//   3. real VS Code workbench (code-server): the .vsix installed, its mocha suite in the extension host, and a
//      Playwright drive of the UI (test/e2e/run.mjs)
// Tools for tier 3 and Neovim are installed (and cached) by .ci/install-tools.sh, which this runs first unless
// NOOTROPIC_SKIP_INSTALL=1. NOOTROPIC_SKIP_E2E=1 skips tier 3 and says so in the totals.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = [];
let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, cmd, args, opts = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (opts.capture && r.stdout) process.stdout.write(r.stdout);
  const ok = r.status === 0;
  results.push({ name, ok, seconds: ((Date.now() - started) / 1000).toFixed(1) });
  return { ok, stdout: r.stdout ?? '' };
}

if (process.env.NOOTROPIC_SKIP_INSTALL !== '1') {
  if (!step('install tools', 'bash', ['.ci/install-tools.sh']).ok) failed++;
}

if (step('type-check', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']).ok) passed++;
else failed++;
if (step('settings match schema', 'node', ['scripts/gen-settings.mjs', '--check']).ok) passed++;
else failed++;

mkdirSync(path.join(root, 'test-results'), { recursive: true });
const vitestJson = path.join(root, 'test-results', 'vitest.json');
const vitest = step('vitest (unit, server, stdio, cli, neovim)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  if (!vitest.ok && report.numFailedTests === 0) failed++; // e.g. a suite that failed to load
} else if (!vitest.ok) failed++;

if (process.env.NOOTROPIC_SKIP_E2E === '1') {
  console.log('\n=== code-server e2e: SKIPPED (NOOTROPIC_SKIP_E2E=1)');
  skipped++;
} else {
  const e2e = step('code-server e2e', 'node', ['test/e2e/run.mjs'], { capture: true });
  const m = [...e2e.stdout.matchAll(/^(\d+) passed, (\d+) failed/gm)].at(-1);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (!e2e.ok && (!m || Number(m[2]) === 0)) failed++;
}

console.log('\n=== summary');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name} (${r.seconds} s)`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && results.every((r) => r.ok) ? 0 : 1);
