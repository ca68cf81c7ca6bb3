/**
 * Plugins are confined child processes (issue 12, break 7's plugin parts): `process.kill(process.pid)` ends only
 * the plugin; off-heap Buffers count against `plugins.memoryLimitMb` (the child is killed at the RSS limit); the
 * environment holds no keys, not even through /proc/self/environ; Node's permission model refuses reading
 * outside the plugin's folders and starting child processes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginsList, PluginsListResult, PluginsRun } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { commandPlugin, GOOD } from '../support/plugin-fixtures';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

// Each plugin starts a Node process: on a loaded 2-core machine that alone can take seconds.
vi.setConfig({ testTimeout: 120_000 });

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
afterEach(() => {
  server?.dispose();
  ws?.dispose();
  server = ws = undefined;
});

async function start(config: string) {
  ws!.write('.nootropic/config.yaml', config);
  server = startInProcessServer();
  await server.initialize(ws!.root, {});
  return server;
}

const list = async (s: InProcessServer) => PluginsListResult.parse(await s.client.sendRequest(PluginsList.method, {}));

describe('security: plugins in confined child processes', () => {
  it('process.kill(process.pid) kills only the plugin, marked failed with the reason; the server and other plugins go on', async () => {
    ws = tempWorkspace('nootropic-sec-plugins-');
    commandPlugin(ws, 'killer', { kill: '() => { process.kill(process.pid); return "still here"; }', pid: '() => process.pid' });
    GOOD(ws);
    const s = await start('plugins:\n  activateTimeoutMs: 30000\n');
    const pid = (await s.client.sendRequest(PluginsRun.method, { command: 'pid' })) as { result: number };
    expect(pid.result).not.toBe(process.pid);
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'kill' })).rejects.toThrow(/killed by SIGTERM/);
    const killer = (await list(s)).plugins.find((p) => p.name === 'killer')!;
    expect(killer).toMatchObject({ state: 'failed', reason: expect.stringMatching(/killed by SIGTERM/) });
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hello' })).resolves.toMatchObject({ result: 'hello world' });
  });

  it('a plugin allocating large Buffers (off-heap) is killed at the RSS limit', async () => {
    ws = tempWorkspace('nootropic-sec-plugins-');
    commandPlugin(ws, 'hog', {
      buffers: 'async () => { const keep = []; for (let i = 0; i < 200; i++) { keep.push(Buffer.alloc(8 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 5)); } return keep.length; }',
    });
    GOOD(ws);
    const s = await start('plugins:\n  activateTimeoutMs: 30000\n  memoryLimitMb: 128\n  commandTimeoutMs: 60000\n');
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'buffers' })).rejects.toThrow(/ran out of memory: \d+ MB resident, over plugins\.memoryLimitMb \(128 MB\)/);
    expect((await list(s)).plugins.find((p) => p.name === 'hog')).toMatchObject({ state: 'failed' });
    // The server is alive and did not take the Buffers: its own RSS stayed far below 1.6 GB (200 × 8 MB).
    expect(process.memoryUsage().rss).toBeLessThan(1_200 * 1024 * 1024);
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hello' })).resolves.toMatchObject({ result: 'hello world' });
  });

  it('has no key in its environment or /proc/self/environ, cannot read outside its folders, cannot start processes', async () => {
    ws = tempWorkspace('nootropic-sec-plugins-');
    process.env.NOOTROPIC_API_KEY = 'sk-test-never-in-a-plugin';
    try {
      commandPlugin(ws, 'snoop', {
        environ: '() => require("fs").readFileSync("/proc/self/environ", "utf8").split("\\0").filter(Boolean).map((l) => l.split("=")[0])',
        passwd: '() => { try { return require("fs").readFileSync("/etc/passwd", "utf8").slice(0, 10); } catch (e) { return e.code; } }',
        spawn: '() => { try { return String(require("child_process").execSync("echo spawned")); } catch (e) { return e.code; } }',
      });
      const s = await start('plugins:\n  activateTimeoutMs: 30000\n');
      const environ = (await s.client.sendRequest(PluginsRun.method, { command: 'environ' }).catch((e: Error) => ({ result: e.message }))) as { result: string[] | string };
      // Either the permission model refuses /proc (outside the allowed folders) or the list holds only the allow-list.
      if (Array.isArray(environ.result)) {
        expect(environ.result).not.toContain('NOOTROPIC_API_KEY');
        for (const k of environ.result) expect(['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'WINDIR', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']).toContain(k);
      } else expect(environ.result).toMatch(/ERR_ACCESS_DENIED|restricted/);
      await expect(s.client.sendRequest(PluginsRun.method, { command: 'passwd' })).resolves.toMatchObject({ result: 'ERR_ACCESS_DENIED' });
      await expect(s.client.sendRequest(PluginsRun.method, { command: 'spawn' })).resolves.toMatchObject({ result: 'ERR_ACCESS_DENIED' });
    } finally {
      delete process.env.NOOTROPIC_API_KEY;
    }
  });
});
