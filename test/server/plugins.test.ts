/**
 * Plugins through the server in-process: real child processes (dist/plugin-host.js under Node's permission model), real plugin folders.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, symlinkSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ChatCommands,
  ChatSend,
  DescribeRegistry,
  PluginsList,
  PluginsListResult,
  PluginsRun,
  RegistryDescribe,
  ServerStatus,
  type PluginInfo,
} from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { startModelStandin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { commandPlugin, EXITS_IN_ACTIVATE, GOOD, HANGS_IN_ACTIVATE, THROWS_IN_ACTIVATE, writePlugin } from '../support/plugin-fixtures';

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
const cleanups: (() => void)[] = [];
afterEach(() => {
  server?.dispose();
  ws?.dispose();
  for (const c of cleanups.splice(0)) c();
  server = undefined;
  ws = undefined;
});

// Each plugin starts a Node process: on a loaded 2-core machine that alone can take seconds.
vi.setConfig({ testTimeout: 90_000 });

async function start(config = 'plugins:\n  activateTimeoutMs: 12000\n  commandTimeoutMs: 3000\n', init: Record<string, unknown> = {}) {
  ws ??= tempWorkspace('nootropic-plugins-');
  ws.write('.nootropic/config.yaml', config);
  server = startInProcessServer();
  await server.initialize(ws.root, init);
  return server;
}

async function list(s: InProcessServer): Promise<PluginsListResult> {
  return PluginsListResult.parse(await s.client.sendRequest(PluginsList.method, {}));
}

const byName = (r: PluginsListResult, name: string): PluginInfo => {
  const p = r.plugins.find((x) => x.name === name);
  if (!p) throw new Error(`no plugin ${name} in ${r.plugins.map((x) => x.name).join(', ')}`);
  return p;
};

/** Resolves on the next nootropic/plugins/changed whose list satisfies `pred`. */
function changed(s: InProcessServer, pred: (r: PluginsListResult) => boolean, timeoutMs = 10_000): Promise<PluginsListResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching nootropic/plugins/changed')), timeoutMs);
    const sub = s.client.onNotification('nootropic/plugins/changed', (raw: unknown) => {
      const r = PluginsListResult.parse(raw);
      if (pred(r)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(r);
      }
    });
  });
}

describe('plugins (server in-process, child processes)', () => {
  it('activates a good plugin and marks throwing, exiting, hanging and incompatible ones failed or refused with reasons', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    GOOD(ws);
    THROWS_IN_ACTIVATE(ws);
    EXITS_IN_ACTIVATE(ws);
    HANGS_IN_ACTIVATE(ws);
    commandPlugin(ws, 'future', { x: '() => 1' }, { apiVersion: '^2.0.0' });
    ws.write('.nootropic/plugins/garbled/package.json', '{"name": 42}');
    const s = await start();
    const r = await list(s);
    expect(r).toMatchObject({ trusted: true, isolation: 'child-process', apiVersion: '1.0.0' });
    expect(byName(r, 'todo')).toMatchObject({ source: 'bundled', state: 'active', commands: [expect.objectContaining({ name: 'todo' })] });
    expect(byName(r, 'good')).toMatchObject({ source: 'workspace', state: 'active', version: '0.1.0', commands: [{ name: 'hello', description: 'hello command' }] });
    expect(byName(r, 'throws')).toMatchObject({ state: 'failed', reason: 'activate failed: boom in activate' });
    expect(byName(r, 'exits')).toMatchObject({ state: 'failed', reason: 'called process.exit(3)' });
    expect(byName(r, 'hangs')).toMatchObject({ state: 'failed', reason: 'activate did not finish within 12000 ms' });
    expect(byName(r, 'future')).toMatchObject({ state: 'refused', reason: 'needs plugin API ^2.0.0, but this server implements 1.0.0' });
    expect(byName(r, 'garbled')).toMatchObject({ state: 'refused', reason: expect.stringMatching(/invalid package\.json: package\.json\.name/) });

    // The server kept serving: the good command works after all that.
    const run = await s.client.sendRequest(PluginsRun.method, { command: 'hello', args: ['there'] });
    expect(run).toMatchObject({ plugin: 'good', command: 'hello', result: 'hello there' });

    // Status carries the failures (doctor reads the same).
    const statuses = s.notifications(ServerStatus.method) as { degraded: string[] }[];
    const last = statuses[statuses.length - 1]!;
    expect(last.degraded).toEqual(expect.arrayContaining([expect.stringMatching(/plugin throws \(workspace\) failed: activate failed: boom/), expect.stringMatching(/plugin exits .*process\.exit\(3\)/)]));

    // The registry file is schema-valid and lists the active commands, not those of failed plugins.
    const file = path.join(ws.root, '.nootropic-cache', 'describe-registry.json');
    const reg = DescribeRegistry.parse(JSON.parse(readFileSync(file, 'utf8')));
    const commands = reg.capabilities.filter((c) => c.kind === 'command').map((c) => `${c.provider} ${c.name}`);
    expect(commands.sort()).toEqual(['plugin:good hello', 'plugin:todo todo']);
    expect(reg.capabilities.filter((c) => c.kind === 'method').map((c) => c.name)).toEqual(expect.arrayContaining(['nootropic/doctor', 'nootropic/plugins/run', 'nootropic/registry/describe']));
    expect(reg.capabilities.some((c) => c.kind === 'language' && c.name === 'typescript')).toBe(true);
    expect(readFileSync(path.join(ws.root, '.nootropic-cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const described = DescribeRegistry.parse(await s.client.sendRequest(RegistryDescribe.method, {}));
    expect(described.capabilities).toEqual(reg.capabilities);
  });

  it('survives commands that throw, exit or hang: only that plugin fails, the rest keeps working', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    GOOD(ws);
    commandPlugin(ws, 'flaky', {
      oops: '() => { throw new Error("bad input") }',
      quit: '() => process.exit(7)',
      nap: '() => new Promise(() => {})',
      fn: '() => () => 1',
    });
    const s = await start();
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'oops' })).rejects.toThrow(/flaky\/oops failed: bad input/);
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'fn' })).rejects.toThrow(/not JSON/);
    expect(byName(await list(s), 'flaky').state).toBe('active'); // a throwing command is the command's problem
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'quit' })).rejects.toThrow(/called process\.exit\(7\)/);
    expect(byName(await list(s), 'flaky')).toMatchObject({ state: 'failed', reason: 'called process.exit(7)' });
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hello' })).resolves.toMatchObject({ result: 'hello world' });
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'nope' })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/no plugin command "nope" \(available: .*hello/) });
  });

  it('routes `/command` in chat to the active plugin that owns it; an unknown command is a clear error listing the commands', async () => {
    const standin = await startModelStandin({ defaultReply: (q) => ({ text: `model: ${q}` }) });
    cleanups.push(() => void standin.close());
    ws = tempWorkspace('nootropic-plugins-');
    GOOD(ws);
    THROWS_IN_ACTIVATE(ws);
    EXITS_IN_ACTIVATE(ws);
    commandPlugin(ws, 'shape', { shape: '() => ({ sides: 4 })', boom: '() => { throw new Error("bad input") }' });
    ws.write('.nootropic/config.yaml', 'plugins:\n  activateTimeoutMs: 15000\n  commandTimeoutMs: 10000\n');
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
    await server.initialize(ws.root);
    const s = server;
    const chat = async (content: string, streamId?: string) =>
      ChatSend.result.parse(await s.client.sendRequest(ChatSend.method, { ...(streamId ? { streamId } : {}), retrieveLimit: 0, messages: [{ role: 'user', content }] }));

    const hello = await chat('/hello from chat', 'h1');
    expect(hello).toMatchObject({ answer: 'hello from chat', model: 'plugin:good', endpoint: { provider: 'plugin', label: 'plugin:good' }, command: { plugin: 'good', command: 'hello', result: 'hello from chat' } });
    expect(s.notifications('nootropic/chat/delta')).toEqual([{ streamId: 'h1', text: 'hello from chat' }]);
    expect((await chat('/good/hello')).answer).toBe('hello world');
    expect((await chat('/shape')).answer).toBe('```json\n{\n  "sides": 4\n}\n```');
    await expect(chat('/boom')).rejects.toThrow(/\/boom: shape\/boom failed: bad input/);
    expect(standin.calls('/api/chat')).toHaveLength(0); // plugin commands never reached the model

    // Not a command at all: a clear error listing what exists (a typo never goes to the model as a question).
    await expect(chat('/nosuch thing')).rejects.toThrow(/unknown command \/nosuch\. Available: \/plan, \/edit.*\/hello/);
    // Every front door lists the same commands: builtins, then the active plugins'.
    const { commands } = ChatCommands.result.parse(await s.client.sendRequest(ChatCommands.method, {}));
    expect(commands.slice(0, 7).map((c) => c.name)).toEqual(['plan', 'edit', 'fix', 'test', 'search', 'explain', 'review']);
    expect(commands.find((c) => c.name === 'hello')).toMatchObject({ kind: 'plugin', source: 'plugin:good' });
    expect((await chat('what does /hello do?')).answer).toBe('model: what does /hello do?');
    expect(standin.calls('/api/chat')).toHaveLength(1);
    expect(byName(await list(s), 'throws').state).toBe('failed');
  });

  it('stops a command that hangs past the command timeout', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    commandPlugin(ws, 'spin', { spin: '() => { for (;;) {} }' });
    const s = await start('plugins:\n  activateTimeoutMs: 12000\n  commandTimeoutMs: 300\n');
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'spin' })).rejects.toThrow(/did not finish within 300 ms/);
    expect(byName(await list(s), 'spin')).toMatchObject({ state: 'failed', reason: 'command spin did not finish within 300 ms' });
  });

  it('confines plugin file access to the workspace: absolute paths, .. and symlink escapes are refused', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nootropic-outside-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    symlinkSync(outside, path.join(ws.root, 'escape'));
    commandPlugin(ws, 'writer', { write: '(args) => api.workspace.writeFile(args[0], "x").then(() => "ok")', read: '(args) => api.workspace.readFile(args[0])' });
    const s = await start();
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'write', args: ['out/ok.txt'] })).resolves.toMatchObject({ result: 'ok' });
    expect(readFileSync(path.join(ws.root, 'out/ok.txt'), 'utf8')).toBe('x');
    for (const target of ['../evil.txt', path.join(outside, 'abs.txt'), 'escape/evil.txt', 'out/../../evil.txt']) {
      await expect(s.client.sendRequest(PluginsRun.method, { command: 'write', args: [target] })).rejects.toThrow(/refused/);
    }
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'read', args: ['/etc/hostname'] })).rejects.toThrow(/refused absolute path/);
    expect(existsSync(path.join(path.dirname(ws.root), 'evil.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'evil.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'abs.txt'))).toBe(false);
    expect(byName(await list(s), 'writer').state).toBe('active');
  });

  it('restricted mode (untrusted workspace) lists workspace plugins as disabled and runs bundled ones read-only', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    GOOD(ws);
    ws.write('src/a.ts', '// TODO: restricted is fine for reading\n');
    const s = await start(undefined, { workspaceTrusted: false });
    const r = await list(s);
    expect(r.trusted).toBe(false);
    expect(byName(r, 'good')).toMatchObject({ state: 'disabled', reason: expect.stringMatching(/not trusted \(restricted mode\)/) });
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hello' })).rejects.toThrow(/no plugin command "hello"/);
    const todo = (await s.client.sendRequest(PluginsRun.method, { command: 'todo' })) as { result: { items: { path: string; text: string }[] } };
    expect(todo.result.items).toEqual([expect.objectContaining({ path: 'src/a.ts', text: 'restricted is fine for reading' })]);
  });

  it('hot-reloads a workspace plugin when its folder changes, and picks up new plugin folders', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    commandPlugin(ws, 'live', { ver: '() => "v1"' });
    const s = await start();
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'ver' })).resolves.toMatchObject({ result: 'v1' });
    const reloaded = changed(s, (r) => r.plugins.some((p) => p.name === 'live' && p.state === 'active' && p.version === '0.2.0'));
    commandPlugin(ws, 'live', { ver: '() => "v2"' }, { version: '0.2.0' });
    await reloaded;
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'ver' })).resolves.toMatchObject({ result: 'v2' });

    const added = changed(s, (r) => r.plugins.some((p) => p.name === 'late' && p.state === 'active'));
    GOOD(ws, 'late');
    await added;
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hello' })).resolves.toMatchObject({ plugin: 'late' });
    const reg = DescribeRegistry.parse(JSON.parse(readFileSync(path.join(ws.root, '.nootropic-cache', 'describe-registry.json'), 'utf8')));
    expect(reg.capabilities.some((c) => c.kind === 'command' && c.name === 'hello' && c.provider === 'plugin:late')).toBe(true);
  });

  it('validates register* calls against the declared capabilities and records them in the registry', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    writePlugin(
      ws,
      'kitchen',
      `exports.describe = () => ({ name: 'kitchen', version: '0.1.0', commands: [] });
exports.activate = (api) => {
  api.registerContextProvider({ name: 'notes', description: 'team notes' }, async () => []);
  api.registerCriticRules({ name: 'no-console', rules: [{ id: 'no-console', message: 'no console.log', pattern: 'console\\\\.log' }] });
  api.registerModelProvider({ name: 'local-vllm', protocol: 'openai', baseUrl: 'http://127.0.0.1:8000/v1' });
  api.registerAgent({ name: 'reviewer', description: 'reviews diffs', tools: ['todo'] });
};`,
      { capabilities: ['contextProviders', 'criticRules', 'modelProviders', 'agents'] },
    );
    writePlugin(ws, 'sneaky', `exports.describe = () => ({ name: 'sneaky', version: '0.1.0' });\nexports.activate = (api) => api.registerAgent({ name: 'x' });\n`);
    writePlugin(ws, 'liar', `exports.describe = () => ({ name: 'someone-else', version: '0.1.0' });\nexports.activate = () => {};\n`);
    const s = await start();
    const r = await list(s);
    expect(byName(r, 'kitchen')).toMatchObject({ state: 'active' });
    expect(byName(r, 'kitchen').registrations.map((x) => `${x.kind}:${x.decl.name}`)).toEqual(['contextProviders:notes', 'criticRules:no-console', 'modelProviders:local-vllm', 'agents:reviewer']);
    expect(byName(r, 'sneaky')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/registerAgent: add "agents" to nootropic\.capabilities/) });
    expect(byName(r, 'liar')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/describe\(\) names the plugin "someone-else" but package\.json says "liar"/) });
    const reg = DescribeRegistry.parse(await s.client.sendRequest(RegistryDescribe.method, {}));
    expect(reg.capabilities.filter((c) => c.provider === 'plugin:kitchen').map((c) => `${c.kind}:${c.name}`)).toEqual(['contextProvider:notes', 'criticRules:no-console', 'modelProvider:local-vllm', 'agent:reviewer']);
  });

  it('never lets a plugin write to the server stdout', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    commandPlugin(ws, 'noisy', { noise: '() => { console.log("to stdout"); console.error("to stderr"); return 1; }' });
    const s = await start();
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'noise' })).resolves.toMatchObject({ result: 1 });
    // Worker output arrives asynchronously; wait for it in the log instead of sleeping.
    await expect.poll(() => s.logs.some((l) => l.includes('"line":"to stdout"')), { timeout: 5_000 }).toBe(true);
  });

  it('marks a plugin failed when it throws asynchronously later or runs out of memory', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    commandPlugin(ws, 'later', { later: '() => { setTimeout(() => { throw new Error("thrown later") }, 10); return "scheduled"; }' });
    commandPlugin(ws, 'hog', { hog: '() => { const a = []; for (;;) a.push(new Array(100000).fill(a.length)); }' });
    GOOD(ws);
    const s = await start('plugins:\n  activateTimeoutMs: 12000\n  memoryLimitMb: 96\n  commandTimeoutMs: 20000\n');
    const laterFailed = changed(s, (r) => r.plugins.some((p) => p.name === 'later' && p.state === 'failed'));
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'later' })).resolves.toMatchObject({ result: 'scheduled' });
    expect(byName(await laterFailed, 'later').reason).toBe('uncaught error: thrown later');
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hog' })).rejects.toThrow(/ran out of memory/);
    expect(byName(await list(s), 'hog')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^ran out of memory/) });
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'hello' })).resolves.toMatchObject({ result: 'hello world' });
  });

  it('gives plugins an explicit environment: no credentials, nothing from the server beyond an allow-list', async () => {
    ws = tempWorkspace('nootropic-plugins-');
    process.env.NOOTROPIC_TEST_API_KEY = 'sk-should-not-leak';
    process.env.NOOTROPIC_TEST_PLAIN = 'visible';
    cleanups.push(() => {
      delete process.env.NOOTROPIC_TEST_API_KEY;
      delete process.env.NOOTROPIC_TEST_PLAIN;
    });
    commandPlugin(ws, 'envy', { env: '() => [process.env.NOOTROPIC_TEST_API_KEY ?? null, process.env.NOOTROPIC_TEST_PLAIN ?? null, typeof process.env.PATH]' });
    const s = await start();
    // An allow-list (pluginEnv in plugins/isolate.ts): PATH passes, a credential never, and neither does an unlisted variable.
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'env' })).resolves.toMatchObject({ result: [null, null, 'string'] });
  });
});
