/**
 * Plugin host: the entry of dist/plugin-host.js. One host runs one plugin, in a child process confined by Node's
 * permission model (what the server uses, server/src/plugins/isolate.ts) or a worker thread (measured by
 * bench/plugin-isolation.mjs). It loads the plugin module, hands it the
 * api, and runs its commands on request. Everything a plugin does wrong stays here: a throw becomes an error
 * message, process.exit ends only this host, and the server decides what that means.
 */
import { promises as fs, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import {
  AgentDecl,
  CommandName,
  ContextProviderDecl,
  CriticRulePackDecl,
  ModelProviderDecl,
  PluginDescription,
  type CapabilityKind,
  type Registration,
} from '../../../shared/plugins/manifest';
import type { ZodError } from 'zod';
import type { JsonValue, PluginApi, PluginModule } from '../../../plugins/api';
import { ConfinementError, confinedPath, readConfined, writeConfined } from '../workspace/confinement';
import { listWorkspaceFiles } from '../workspace/file-list';
import { HOST_MARK, ToHost, type FromHost } from './host-protocol';

type Handler = (args: string[]) => unknown;

/** shared/protocol/errors.ts has the same, but importing it would pull vscode-languageserver-protocol into every worker. */
function describeZodError(prefix: string, error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
}

const send = (msg: FromHost): void => {
  if (parentPort) parentPort.postMessage(msg);
  else process.send?.(msg);
};

/**
 * A last word before the host ends. IPC messages still queued when a child process exits are lost, so a child
 * writes it synchronously to stderr, marked, where the server reads it before it handles the exit.
 */
const lastWord = (msg: FromHost): void => {
  if (parentPort) return parentPort.postMessage(msg);
  try {
    writeSync(2, `\n${HOST_MARK}${JSON.stringify(msg)}\n`);
  } catch {
    // stderr is gone: the exit alone tells the server
  }
};

// The server learns that the plugin asked to exit before the host disappears; the exit itself still happens
// (a plugin that wants to stop is stopped), but only this host ends.
const realExit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  lastWord({ type: 'exit-called', code: typeof code === 'number' ? code : code == null ? null : Number(code) || null });
  return realExit(code as number | undefined);
}) as typeof process.exit;
// In a child process an uncaught error ends the host; the server is told what it was (a worker reports it itself).
if (!parentPort) {
  process.on('uncaughtException', (err) => {
    lastWord({ type: 'uncaught', error: errorText(err) });
    realExit(1);
  });
}

const commands = new Map<string, Handler>();
let declaredCommands = new Set<string>();

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('the command returned a value that is not JSON');
  return JSON.parse(text) as JsonValue;
}

function buildApi(msg: Extract<ToHost, { type: 'activate' }>): PluginApi {
  const declared = new Set(msg.capabilities);
  const need = (kind: CapabilityKind, call: string) => {
    if (!declared.has(kind)) throw new Error(`${call}: add "${kind}" to nootropic.capabilities in package.json`);
  };
  const register = (registration: Registration) => send({ type: 'registered', registration });
  const parse = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown, call: string): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(`${call}: ${describeZodError('argument', r.error)}`);
    return r.data;
  };
  const root = msg.root;
  const needRoot = () => {
    if (!root) throw new ConfinementError('no workspace folder is open');
    return root;
  };
  const log = (level: 'error' | 'warn' | 'info' | 'debug') => (m: string, fields?: Record<string, JsonValue>) =>
    send({ type: 'log', level, msg: String(m), ...(fields ? { fields: toJson(fields) as Record<string, unknown> } : {}) });
  return {
    apiVersion: msg.apiVersion,
    log: { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') },
    workspace: {
      root,
      readFile: async (rel) => readConfined(needRoot(), rel),
      writeFile: async (rel, text) => {
        if (msg.readOnly) throw new ConfinementError('the workspace is restricted (untrusted): plugins may not write files');
        await writeConfined(needRoot(), rel, text);
      },
      listFiles: async (options) => listWorkspaceFiles(needRoot(), options?.maxFiles ?? 10_000),
    },
    registerCommand(name, handler) {
      need('commands', 'registerCommand');
      const parsed = parse(CommandName, name, 'registerCommand');
      if (typeof handler !== 'function') throw new Error('registerCommand: the handler must be a function');
      if (!declaredCommands.has(parsed)) throw new Error(`registerCommand: "${parsed}" is not listed in describe().commands`);
      if (commands.has(parsed)) throw new Error(`registerCommand: "${parsed}" is already registered`);
      commands.set(parsed, handler as Handler);
      register({ kind: 'commands', decl: { name: parsed, description: '' } });
    },
    registerContextProvider(info, handler) {
      need('contextProviders', 'registerContextProvider');
      if (typeof handler !== 'function') throw new Error('registerContextProvider: the handler must be a function');
      register({ kind: 'contextProviders', decl: parse(ContextProviderDecl, info, 'registerContextProvider') });
    },
    registerCriticRules(pack) {
      need('criticRules', 'registerCriticRules');
      register({ kind: 'criticRules', decl: parse(CriticRulePackDecl, pack, 'registerCriticRules') });
    },
    registerModelProvider(info) {
      need('modelProviders', 'registerModelProvider');
      register({ kind: 'modelProviders', decl: parse(ModelProviderDecl, info, 'registerModelProvider') });
    },
    registerAgent(info) {
      need('agents', 'registerAgent');
      register({ kind: 'agents', decl: parse(AgentDecl, info, 'registerAgent') });
    },
  };
}

async function loadModule(dir: string, main: string): Promise<PluginModule> {
  // The entry must live inside the plugin folder: a manifest cannot point the host at arbitrary files.
  const entry = await confinedPath(dir, main).catch((err: unknown) => {
    throw new Error(`package.json main "${main}": ${errorText(err)}`);
  });
  await fs.access(entry).catch(() => {
    throw new Error(`package.json main "${main}" does not exist`);
  });
  const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  // ESM exports the functions directly; CommonJS arrives as `default` (and sometimes as named exports too).
  const candidate = (typeof mod.activate === 'function' ? mod : mod.default) as Partial<PluginModule> | undefined;
  if (!candidate || typeof candidate.activate !== 'function' || typeof candidate.describe !== 'function')
    throw new Error(`${path.basename(entry)} must export describe() and activate(api)`);
  return candidate as PluginModule;
}

async function activate(msg: Extract<ToHost, { type: 'activate' }>): Promise<void> {
  try {
    const mod = await loadModule(msg.dir, msg.main);
    const raw: unknown = await mod.describe();
    const described = PluginDescription.safeParse(raw);
    if (!described.success) throw new Error(`describe() returned ${describeZodError('description', described.error)}`);
    if (described.data.name !== msg.name)
      throw new Error(`describe() names the plugin "${described.data.name}" but package.json says "${msg.name}"`);
    declaredCommands = new Set(described.data.commands.map((c) => c.name));
    send({ type: 'described', description: described.data });
    await mod.activate(buildApi(msg));
    send({ type: 'activated' });
  } catch (err) {
    send({ type: 'activate-failed', error: errorText(err) });
  }
}

async function run(msg: Extract<ToHost, { type: 'run' }>): Promise<void> {
  const handler = commands.get(msg.command);
  try {
    if (!handler) throw new Error(`no command "${msg.command}" in this plugin`);
    const value = toJson(await handler(msg.args));
    send({ type: 'result', id: msg.id, value });
  } catch (err) {
    send({ type: 'run-failed', id: msg.id, error: errorText(err) });
  }
}

function onMessage(raw: unknown): void {
  const parsed = ToHost.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'log', level: 'error', msg: `plugin host: bad message: ${describeZodError('message', parsed.error)}` });
    return;
  }
  if (parsed.data.type === 'activate') void activate(parsed.data);
  else void run(parsed.data);
}

if (parentPort) parentPort.on('message', onMessage);
else if (process.send) {
  process.on('message', onMessage);
  send({ type: 'ready' });
} else {
  process.stderr.write('plugin-host.js is started by nootropic-lsp, not by hand\n');
  realExit(2);
}
