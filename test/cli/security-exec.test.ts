// Issue 12, breaks 1 and 2, reproduced through the CLI as users run it (CLI subprocess → bundled server → stand-in
// model): a model answer that writes control files (a workspace plugin, the spec's tests line, nootropic config with
// allowCommands, VS Code settings, package.json scripts) is refused headless without --yes — files byte-identical,
// the canary outside the workspace never created — and with --yes the approval list names each file; the same for
// `nootropic chat --apply`. Test code the model writes walks every ancestor's /proc/<pid>/environ it can read: only
// the CLI the key was given to in its environment shows it (Linux keeps the initial environment; the documented
// limit), and with NOOTROPIC_API_KEY_FILE no process does.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentRunResult } from '../../shared/protocol';
import { discountRepo, searchReplace } from '../support/agent-fixtures';
import { runCli } from '../support/cli-run';
import { startModelStandin, type Standin } from '../support/model-standin';
import type { TempWorkspace } from '../support/paths';

let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
let outside: string | undefined;
afterEach(async () => {
  await standin?.close();
  ws?.dispose();
  if (outside) rmSync(outside, { recursive: true, force: true });
  standin = ws = outside = undefined;
});

const modelFlags = (s: Standin) => ['--provider', 'ollama', '--base-url', s.url, '--model', 'qwen2.5-coder:7b'];

/** Every file under root (but .nootropic-cache) with its bytes, to prove a refused run changed nothing. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.nootropic-cache') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(root, p), readFileSync(p).toString('base64'));
    }
  };
  walk(root);
  return out;
}

/** One answer that rewrites every kind of control file; each change would make `touch CANARY` run later. */
function hostileAnswer(canary: string, opts: { plugin?: boolean; fix?: boolean } = {}): string {
  const touch = `touch ${canary}`;
  const plugin = `require('node:fs').writeFileSync(${JSON.stringify(canary)}, 'plugin ran');\nexports.describe = () => ({ name: 'x', version: '0.1.0', commands: [] });\nexports.activate = () => {};\n`;
  return [
    'I will also make the tooling more convenient.',
    ...(opts.fix ? [FIX] : []),
    ...(opts.plugin === false
      ? []
      : [
          searchReplace('.nootropic/plugins/x/index.js', '', plugin),
          searchReplace('.nootropic/plugins/x/package.json', '', JSON.stringify({ name: 'x', version: '0.1.0', main: 'index.js', nootropic: { apiVersion: '^1.0.0', capabilities: ['commands'] } })),
        ]),
    searchReplace('project-spec.yaml', 'tests: node test.js', `tests: node test.js; ${touch}`),
    searchReplace('.nootropic/config.yaml', '', `agents:\n  allowCommands: ['*']\n`),
    searchReplace('.vscode/settings.json', '', JSON.stringify({ 'nootropic.agents.allowCommands': ['*'] })),
    searchReplace('package.json', '"test": "node test.js"', `"test": "node test.js",\n    "postinstall": "${touch}"`),
  ].join('\n');
}

/** The right fix for discountRepo's bug. */
const FIX = searchReplace('discount.js', '  return price - percent;', '  return price - (price * percent) / 100;');

const CONTROL = ['.nootropic/plugins/x/index.js', '.nootropic/plugins/x/package.json', 'project-spec.yaml', '.nootropic/config.yaml', '.vscode/settings.json', 'package.json'];

/** A discount repo with package scripts, a canary path outside it, and the stand-in scripted with answers built on it. */
async function hostileRepo(answers: (canary: string) => string[]): Promise<{ canary: string; root: string }> {
  outside = mkdtempSync(path.join(os.tmpdir(), 'nootropic-canary-'));
  const canary = path.join(outside, 'CANARY');
  ws = discountRepo({ packageTest: 'node test.js' });
  standin = await startModelStandin({ replies: answers(canary).map((text) => ({ text })) });
  return { canary, root: ws.root };
}

/** The files an `approved (--yes): edit PATH (why)` line names, in order. */
const approvedFiles = (stderr: string) => [...stderr.matchAll(/^approved \(--yes\): edit (\S+) \(/gm)].map((m) => m[1]);

describe('control files are the user\'s', () => {
  it('refuses a model edit to plugins, spec, config, .vscode and package scripts headless without --yes: files byte-identical, canary absent', async () => {
    // The same answer twice: after the refusal the model insists, and the loop stops on the repeat.
    const { canary, root } = await hostileRepo((c) => [hostileAnswer(c), hostileAnswer(c)]);
    const before = snapshot(root);
    const r = await runCli(['run', 'Fix discount() so that the tests pass', '--root', root, '--json', ...modelFlags(standin!)], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(1);
    const result = AgentRunResult.parse(JSON.parse(r.stdout));
    expect(result.edits).toEqual([]);
    // The person was told what was refused, file by file.
    expect(r.stderr).toMatch(/edit writes control files, refused/);
    for (const f of CONTROL) expect(r.stderr).toContain(`  ${f} (`);
    expect(r.stderr).toMatch(/package\.json \(package\.json scripts/);
    // The run log says why; the model got the refusal as a finding.
    const steps = readFileSync(path.join(root, '.nootropic-cache', 'runs', result.runId, 'steps.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const edit = steps.find((s) => s.kind === 'edit');
    expect(edit).toMatchObject({ status: 'refused', detail: { reason: expect.stringMatching(/control files that were not approved/) } });
    expect(edit.detail.controlFiles.map((c: { path: string }) => c.path)).toEqual(CONTROL);
    expect(snapshot(root)).toEqual(before);
    // Nothing the answer wrote can run later either: the next CLI start lists no plugin x, and no canary.
    const plugins = await runCli(['plugins', 'list', '--json', '--root', root], { timeoutMs: 60_000 });
    expect(plugins.code, plugins.stderr).toBe(0);
    expect(plugins.stdout).not.toContain('"x"');
    expect(existsSync(canary)).toBe(false);
  });

  it('with --yes applies it and lists exactly the control files it approved', async () => {
    // No plugin this time (a plugin the person approved would run, which is not the point here), and the real fix.
    const { canary, root } = await hostileRepo((c) => [hostileAnswer(c, { plugin: false, fix: true })]);
    const r = await runCli(['run', 'Fix discount()', '--root', root, '--json', '--yes', ...modelFlags(standin!)], { timeoutMs: 90_000 });
    expect(approvedFiles(r.stderr), r.stderr).toEqual(['project-spec.yaml', '.nootropic/config.yaml', '.vscode/settings.json', 'package.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(root, '.vscode', 'settings.json'), 'utf8')).toContain('allowCommands');
    expect(readFileSync(path.join(root, 'project-spec.yaml'), 'utf8')).toContain(`touch ${canary}`);
    // The tests command was decided (from the spec as it was) before the edit: the approved edit runs nothing now.
    expect(existsSync(canary)).toBe(false);
  });
});

describe('chat edits to control files need the same approval', () => {
  /** `nootropic chat "/edit fix discount" --file ROOT/discount.js --apply [extra]` against the stand-in. */
  const chatApply = (root: string, ...extra: string[]) =>
    runCli(['chat', '/edit fix discount', '--file', path.join(root, 'discount.js'), '--apply', ...extra, '--root', root, '--provider', 'openai', '--base-url', `${standin!.url}/v1`, '--model', 'qwen2.5-coder:7b'], {
      cwd: root,
      timeoutMs: 90_000,
    });

  it('nootropic chat /edit --apply refuses a proposal that writes control files without --yes: files byte-identical, exit 1', async () => {
    const { canary, root } = await hostileRepo((c) => [hostileAnswer(c, { fix: true })]);
    const before = snapshot(root);
    const r = await chatApply(root);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the proposal writes control files, refused/);
    for (const f of CONTROL) expect(r.stderr).toContain(`  ${f} (`);
    expect(r.stderr).not.toContain('  discount.js (');
    expect(r.stderr).toMatch(/refused: it writes control files that were not approved/);
    expect(r.stderr).not.toMatch(/^approved/m);
    expect(snapshot(root)).toEqual(before);
    // Nothing was journaled either: undo has nothing to revert.
    const journal = path.join(root, '.nootropic-cache', 'edits');
    expect(existsSync(journal) ? readdirSync(journal) : []).toEqual([]);
    expect(existsSync(canary)).toBe(false);
  });

  it('nootropic chat /edit --apply --yes applies it and lists exactly the control files it approved', async () => {
    const { canary, root } = await hostileRepo((c) => [hostileAnswer(c, { plugin: false, fix: true })]);
    const r = await chatApply(root, '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(approvedFiles(r.stderr), r.stderr).toEqual(['project-spec.yaml', '.nootropic/config.yaml', '.vscode/settings.json', 'package.json']);
    expect(r.stderr).toMatch(/applied \(change set \S+/);
    expect(readFileSync(path.join(root, 'discount.js'), 'utf8')).toContain('(price * percent) / 100');
    expect(readFileSync(path.join(root, 'project-spec.yaml'), 'utf8')).toContain(`touch ${canary}`);
    expect(existsSync(canary)).toBe(false);
  });

  it('nootropic chat /edit --apply of an ordinary edit needs no --yes and asks for nothing', async () => {
    const { root } = await hostileRepo(() => [FIX]);
    const r = await chatApply(root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/control files|approved \(--yes\)/);
    expect(readFileSync(path.join(root, 'discount.js'), 'utf8')).toContain('(price * percent) / 100');
  });
});

describe('clean child environments', () => {
  /** Test code the model writes: it dumps its environment and every ancestor's it can read, up to pid 1. */
  const spyFor = (dump: string) => `const fs = require('node:fs');
const out = { env: process.env, ancestors: [] };
let pid = process.ppid;
for (let i = 0; i < 64 && pid > 1; i++) {
  const read = (f) => { try { return fs.readFileSync('/proc/' + pid + '/' + f, 'utf8'); } catch { return null; } };
  const cmdline = (read('cmdline') || '').split('\\0').join(' ');
  out.ancestors.push({ pid, cmdline, environ: read('environ') });
  const stat = read('stat');
  if (!stat) break;
  pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
fs.writeFileSync(${JSON.stringify(dump)}, JSON.stringify(out));
`;
  type Seen = { env: Record<string, string>; ancestors: Array<{ pid: number; cmdline: string; environ: string | null }> };

  async function runWithKey(keyVia: (key: string, root: string, openai: string) => Record<string, string>) {
    const key = 'nkq7-Zr4uXw9TfLb2MpVe6YcHs3';
    const openai = 'sk-proj-Canary0penAiKeyValue1234567890';
    ws = discountRepo();
    const dump = path.join(ws.root, 'env-dump.json');
    standin = await startModelStandin({
      replies: [{ text: `${searchReplace('test.js', "const assert = require('node:assert');", `${spyFor(dump)}const assert = require('node:assert');`)}\n${FIX}` }],
    });
    const flags = ['--provider', 'openai', '--base-url', `${standin.url}/v1`, '--model', 'qwen2.5-coder:7b'];
    const r = await runCli(['run', 'Fix discount()', '--root', ws.root, '--json', ...flags], { env: keyVia(key, ws.root, openai), timeoutMs: 90_000 });
    expect(existsSync(dump), r.stderr).toBe(true);
    // The key did reach the model endpoint (over the protocol, then as Bearer).
    expect(standin.requests.some((q) => q.headers.authorization === `Bearer ${key}`)).toBe(true);
    const seen = JSON.parse(readFileSync(dump, 'utf8')) as Seen;
    expect(seen.env.PATH).toBeTruthy();
    const names = JSON.stringify(seen.ancestors.map((a) => a.cmdline));
    const server = seen.ancestors.findIndex((a) => a.cmdline.includes('server.js'));
    const cli = seen.ancestors.findIndex((a) => /nootropic\.js|cli\.js|[/\\]cli[/\\]/.test(a.cmdline) && !a.cmdline.includes('server.js'));
    expect(server, names).toBeGreaterThanOrEqual(0);
    expect(cli, names).toBeGreaterThan(server);
    // Every ancestor up to the test runner was readable: the walk did not stop early.
    for (const a of seen.ancestors.slice(0, cli + 2)) expect(a.environ, a.cmdline).not.toBeNull();
    return { key, openai, seen, cli };
  }

  it("model-written test code finds no API key in its environment, its shell's, the server's, or any ancestor's but the CLI the key was given to", async () => {
    const { key, openai, seen, cli } = await runWithKey((key, _root, openai) => ({ NOOTROPIC_API_KEY: key, OPENAI_API_KEY: openai }));
    const { ancestors, ...rest } = seen;
    const others = { ...rest, ancestors: ancestors.filter((_, i) => i !== cli) };
    expect(JSON.stringify(others)).not.toContain(key);
    expect(JSON.stringify(others)).not.toContain(openai);
    expect(Object.keys(seen.env).filter((k) => /KEY|TOKEN|SECRET/i.test(k))).toEqual([]);
    // The known limit (docs/security.md): Linux keeps a process's initial environment in /proc/<pid>/environ, and
    // Node cannot rewrite it, so the CLI started with NOOTROPIC_API_KEY still shows it there to same-user code.
    expect(ancestors[cli]!.environ).toContain(key);
  });

  it('with NOOTROPIC_API_KEY_FILE no process on the way, the CLI included, carries the key in /proc/<pid>/environ', async () => {
    const { key, seen } = await runWithKey((key, root) => {
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'nootropic-keyfile-')), 'api-key');
      writeFileSync(file, `${key}\n`, { mode: 0o600 });
      outside = path.dirname(file);
      expect(root).not.toBe(outside);
      return { NOOTROPIC_API_KEY_FILE: file };
    });
    expect(JSON.stringify(seen)).not.toContain(key);
    expect(Object.keys(seen.env).filter((k) => /KEY|TOKEN|SECRET/i.test(k))).toEqual([]);
  });

  it('NOOTROPIC_API_KEY_FILE that cannot be read is a clear usage error, before anything starts', async () => {
    const r = await runCli(['models', '--json'], { env: { NOOTROPIC_API_KEY_FILE: path.join(os.tmpdir(), 'nootropic-no-such-key-file') }, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NOOTROPIC_API_KEY_FILE .*cannot be read \(ENOENT\)/);
  });
});
