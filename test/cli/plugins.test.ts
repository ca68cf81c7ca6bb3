/**
 * The "done when" as a user would see it: a workspace with one good plugin, one that throws in
 * activate and one that calls process.exit; `nootropic plugins list` shows the good one active and the others
 * failed with reasons, its command works from the CLI, and the registry file lists it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeRegistry, PluginsListResult, PluginsRunResult } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { commandPlugin, EXITS_IN_ACTIVATE, GOOD, THROWS_IN_ACTIVATE } from '../support/plugin-fixtures';

let ws: TempWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

function workspace(): TempWorkspace {
  ws = tempWorkspace('nootropic-cli-plugins-');
  GOOD(ws);
  THROWS_IN_ACTIVATE(ws);
  EXITS_IN_ACTIVATE(ws);
  ws.write('src/app.ts', 'export const x = 1; // FIXME: handle the empty case\n');
  return ws;
}

describe('nootropic plugins (CLI subprocess → nootropic-lsp --stdio)', () => {
  it('lists the good plugin active and the throwing and exiting ones failed with reasons; the registry lists the good command', async () => {
    const w = workspace();
    const r = await runCli(['plugins', 'list', '--json', '--root', w.root]);
    expect(r.code, r.stderr).toBe(0);
    const list = PluginsListResult.parse(JSON.parse(r.stdout));
    const states = Object.fromEntries(list.plugins.map((p) => [p.name, [p.state, p.reason ?? '']]));
    expect(states).toEqual({
      todo: ['active', ''],
      good: ['active', ''],
      throws: ['failed', 'activate failed: boom in activate'],
      exits: ['failed', 'called process.exit(3)'],
    });
    expect(list.plugins.find((p) => p.name === 'good')).toMatchObject({ version: '0.1.0', source: 'workspace' });

    const reg = DescribeRegistry.parse(JSON.parse(readFileSync(path.join(w.root, '.nootropic-cache', 'describe-registry.json'), 'utf8')));
    expect(reg.capabilities).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'command', name: 'hello', provider: 'plugin:good', version: '0.1.0' })]));
    expect(reg.plugins.find((p) => p.name === 'exits')).toMatchObject({ state: 'failed' });

    const table = await runCli(['plugins', 'list', '--root', w.root]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/good\s+0\.1\.0\s+workspace\s+active\s+hello/);
    expect(table.stdout).toMatch(/exits\s+0\.1\.0\s+workspace\s+failed\s+called process\.exit\(3\)/);
  });

  it('runs the good command and the bundled todo command; unknown commands are usage errors', async () => {
    const w = workspace();
    const hello = await runCli(['plugins', 'run', 'hello', 'from', 'cli', '--root', w.root], { timeoutMs: 90_000 });
    expect(hello.code, hello.stderr).toBe(0);
    expect(hello.stdout).toBe('hello from cli\n');

    const todo = await runCli(['plugins', 'run', 'todo', 'FIXME', '--json', '--root', w.root], { timeoutMs: 90_000 });
    expect(todo.code, todo.stderr).toBe(0);
    const out = PluginsRunResult.parse(JSON.parse(todo.stdout));
    expect(out).toMatchObject({ plugin: 'todo', command: 'todo', result: { count: 1, items: [{ path: 'src/app.ts', line: 1, kind: 'FIXME', text: 'handle the empty case' }] } });

    const unknown = await runCli(['plugins', 'run', 'nope', '--root', w.root], { timeoutMs: 90_000 });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no plugin command "nope" \(available: todo, hello\)/);
    const bad = await runCli(['plugins', 'run', 'todo', 'NOTAMARKER', '--root', w.root], { timeoutMs: 90_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/todo\/todo failed: unknown marker NOTAMARKER/);
  }, 400_000); // four CLI runs, each starting plugin processes: slow on a loaded machine

  it('--restricted loads no workspace plugins', async () => {
    const w = workspace();
    const r = await runCli(['--restricted', 'plugins', 'list', '--json', '--root', w.root]);
    expect(r.code, r.stderr).toBe(0);
    const list = PluginsListResult.parse(JSON.parse(r.stdout));
    expect(list.trusted).toBe(false);
    for (const name of ['good', 'throws', 'exits']) {
      expect(list.plugins.find((p) => p.name === name)).toMatchObject({ state: 'disabled', reason: expect.stringMatching(/restricted mode/) });
    }
    const run = await runCli(['--restricted', 'plugins', 'run', 'hello', '--root', w.root]);
    expect(run.code).toBe(2);
  });

  it('an unapproved workspace plugin is not loaded; `nootropic trust` lists it, `plugins approve NAME` or `trust --yes` lets it run', async () => {
    ws = tempWorkspace('nootropic-cli-plugins-');
    commandPlugin(ws, 'planted', { hi: '() => "planted ran"' }, { approve: false });
    commandPlugin(ws, 'other', { yo: '() => "other ran"' }, { approve: false });
    const table = await runCli(['plugins', 'list', '--root', ws.root]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/planted\s+0\.1\.0\s+workspace\s+disabled\s+not approved \(new\)/);
    const refused = await runCli(['plugins', 'run', 'hi', '--root', ws.root]);
    expect(refused.code).not.toBe(0);

    const listed = await runCli(['trust', '--root', ws.root]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/not approved, so not loaded:\n\s+other 0\.1\.0\s+\(new;[^\n]*\n\s+planted 0\.1\.0\s+\(new;/);

    const approved = await runCli(['plugins', 'approve', 'planted', '--root', ws.root]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/planted\s+0\.1\.0\s+workspace\s+active\s+hi/);
    expect((await runCli(['plugins', 'run', 'hi', '--root', ws.root])).stdout).toBe('planted ran\n');
    expect((await runCli(['plugins', 'approve', 'nosuch', '--root', ws.root])).code).toBe(2);

    const yes = await runCli(['trust', '--yes', '--json', '--root', ws.root]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ pluginsApprovedNow: true, unapprovedPlugins: [{ name: 'other', approval: 'new' }] });
    const after = PluginsListResult.parse(JSON.parse((await runCli(['plugins', 'list', '--json', '--root', ws.root])).stdout));
    expect(after.plugins.filter((p) => p.source === 'workspace').map((p) => [p.name, p.state, p.approval])).toEqual([
      ['other', 'active', 'approved'],
      ['planted', 'active', 'approved'],
    ]);
  }, 120_000);
});
