/**
 * Workspace plugins are workspace data, not authority (issue 12): a plugin a cloned repository ships under
 * .nootropic/plugins/ runs only after the user approved its exact content (`nootropic/plugins/approve`, what
 * `nootropic plugins approve` and `nootropic trust --yes` send). A change to an approved plugin's files — seen by
 * hot reload — is not loaded until approved again. Bundled plugins need no approval.
 *
 * The planted plugin writes a canary file when its code runs. Confined plugins may write only inside the
 * workspace, so the canary lives there: its absence proves the plugin's code never ran.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Doctor, PluginsApprove, PluginsList, PluginsListResult, ServerStatus, type PluginInfo } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { writePlugin } from '../support/plugin-fixtures';

vi.setConfig({ testTimeout: 90_000 });

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
afterEach(() => {
  server?.dispose();
  ws?.dispose();
  server = ws = undefined;
});

/** A plugin whose module body writes `marker` into <root>/canary.txt as soon as it is loaded. */
const canaryPlugin = (w: TempWorkspace, marker: string) =>
  writePlugin(
    w,
    'canary',
    `require('node:fs').writeFileSync(${JSON.stringify(path.join(w.root, 'canary.txt'))}, ${JSON.stringify(marker)});\n` +
      `exports.describe = () => ({ name: 'canary', version: '0.1.0', commands: [{ name: 'chirp' }] });\n` +
      `exports.activate = (api) => { api.registerCommand('chirp', async () => ${JSON.stringify(marker)}); };\n`,
    { approve: false },
  );

const list = async (s: InProcessServer) => PluginsListResult.parse(await s.client.sendRequest(PluginsList.method, {}));
const canary = (r: PluginsListResult): PluginInfo => r.plugins.find((p) => p.name === 'canary')!;

describe('workspace plugins need the user approval of their exact content', () => {
  it('an unapproved plugin never runs and says why; after approval it loads; after its files change it is not loaded again', async () => {
    ws = tempWorkspace('nootropic-plugin-approval-');
    canaryPlugin(ws, 'v1');
    ws.write('.nootropic/config.yaml', 'plugins:\n  activateTimeoutMs: 20000\n');
    const s = (server = startInProcessServer());
    await s.initialize(ws.root, {});

    // Planted, never approved: listed with the reason, not loaded, its code never ran.
    let r = await list(s);
    expect(canary(r)).toMatchObject({ source: 'workspace', state: 'disabled', approval: 'new', reason: expect.stringMatching(/^not approved \(new\).*nootropic plugins approve canary/) });
    expect(canary(r).contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.plugins.find((p) => p.name === 'todo')).toMatchObject({ source: 'bundled', state: 'active' });
    expect(existsSync(path.join(ws.root, 'canary.txt'))).toBe(false);
    // Status, doctor (which reads the status) and the log say so.
    await expect.poll(() => (s.notifications(ServerStatus.method) as { degraded: string[] }[]).at(-1)?.degraded ?? []).toEqual(expect.arrayContaining([expect.stringMatching(/plugin canary \(workspace\) not approved \(new\)/)]));
    const doctor = JSON.stringify(await s.client.sendRequest(Doctor.method, {}));
    expect(doctor).toMatch(/plugin canary \(workspace\) not approved \(new\)/);
    expect(s.logs.join('\n')).toMatch(/workspace plugin not loaded: not approved/);

    // A stale hash (content other than what was listed) is refused and approves nothing.
    await expect(s.client.sendRequest(PluginsApprove.method, { plugins: [{ name: 'canary', contentHash: '0'.repeat(64) }] })).rejects.toThrow(/changed since it was listed/);

    // Approved exactly as listed: it loads and runs.
    r = PluginsListResult.parse(await s.client.sendRequest(PluginsApprove.method, { plugins: [{ name: 'canary', contentHash: canary(r).contentHash! }] }));
    expect(canary(r)).toMatchObject({ state: 'active', approval: 'approved' });
    expect(existsSync(path.join(ws.root, 'canary.txt'))).toBe(true);

    // Its files change (hot reload sees it): the changed code is not loaded until approved again.
    rmSync(path.join(ws.root, 'canary.txt'));
    canaryPlugin(ws, 'v2');
    await expect.poll(async () => canary(await list(s)).approval, { timeout: 20_000 }).toBe('changed');
    r = await list(s);
    expect(canary(r)).toMatchObject({ state: 'disabled', reason: expect.stringMatching(/^not approved \(content changed since it was approved\)/) });
    expect(existsSync(path.join(ws.root, 'canary.txt'))).toBe(false);

    // A restart does not load it either: the approval is bound to the old content.
    s.dispose();
    const again = (server = startInProcessServer());
    await again.initialize(ws.root, {});
    expect(canary(await list(again))).toMatchObject({ state: 'disabled', approval: 'changed' });
    expect(existsSync(path.join(ws.root, 'canary.txt'))).toBe(false);
  });
});
