/**
 * `nootropic`: a headless client of the server. Every command spawns `nootropic-lsp --stdio` and calls the
 * same methods editors call; nothing here re-implements server logic.
 * Exit codes: 0 ok, 1 failure (findings for `check`, a FAIL item for `doctor`), 2 usage (one line: what was wrong and
 * the valid form; cli/usage.ts), including an input file that cannot be read.
 */
import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROVIDERS, LOG_LEVELS } from '../shared/config/schema';
import { SERVER_VERSION } from '../server/src/version';
import { readApiKey } from './api-key';
import { registerAgentCommands } from './commands/agents';
import { ask } from './commands/ask';
import { registerChatCommands } from './commands/chat';
import { check } from './commands/check';
import { doctor } from './commands/doctor';
import { registerEditCommands } from './commands/edit';
import { index, search } from './commands/index-search';
import { models } from './commands/models';
import { pluginsApprove, pluginsList, pluginsRun } from './commands/plugins';
import { traces } from './commands/traces';
import { trust } from './commands/trust';
import { ServerClient, ServerExitedError } from './server-client';
import { oneLineUsageErrors, positiveInt, requireReadable, usageError } from './usage';

interface GlobalOptions {
  root: string;
  provider?: string;
  baseUrl?: string;
  model?: string;
  allowCloud?: boolean;
  logLevel?: string;
  verbose?: boolean;
  restricted?: boolean;
}

/** CLI flags become the top configuration layer (above env, editor and files). */
function cliOverrides(o: GlobalOptions): Record<string, unknown> {
  const models: Record<string, unknown> = {};
  if (o.provider) models.provider = o.provider;
  if (o.baseUrl) models.baseUrl = o.baseUrl;
  if (o.model) models.model = o.model;
  if (o.allowCloud) models.allowCloud = true;
  const out: Record<string, unknown> = {};
  if (Object.keys(models).length) out.models = models;
  if (o.logLevel) out.server = { logLevel: o.logLevel };
  // The CLI resumes a run only when asked (`nootropic run --resume RUN`), never behind the person's back.
  out.agents = { resumeOnStart: false };
  return out;
}

/**
 * One-shot index and search commands need no file watcher (the server exits after one answer), no plugins and no
 * background health probe (the CLI shows no status): starting them only competes with the answer for the CPU.
 */
const ONE_SHOT_INDEX = { overrides: { index: { watch: false }, plugins: { enabled: false } }, backgroundProbes: false };
/** `search` answers from the index as last built (`nootropic index` or an open editor keep it current). */
const ONE_SHOT_SEARCH = { ...ONE_SHOT_INDEX, indexUpdateOnStart: false };

async function withServer(
  program: Command,
  fn: (client: ServerClient, root: string) => Promise<number>,
  oneShot: { overrides: Record<string, unknown>; backgroundProbes: boolean; indexUpdateOnStart?: boolean } = { overrides: {}, backgroundProbes: true },
): Promise<void> {
  const o = program.opts<GlobalOptions>();
  const root = path.resolve(o.root);
  // The person ran the CLI in this folder, so it counts as trusted unless they say --restricted.
  // The key goes over the protocol; the server is started without it in its environment (shared/security/child-env.ts).
  const apiKey = readApiKey();
  const client = await ServerClient.start({ root, cliOverrides: { ...cliOverrides(o), ...oneShot.overrides }, backgroundProbes: oneShot.backgroundProbes, ...(oneShot.indexUpdateOnStart === false ? { indexUpdateOnStart: false } : {}), verbose: Boolean(o.verbose), trusted: !o.restricted, ...(apiKey ? { apiKey } : {}) });
  let code = 1;
  try {
    code = await fn(client, root);
  } finally {
    await client.stop();
  }
  process.exitCode = code;
}

export function buildProgram(): Command {
  const program = new Command('nootropic')
    .description('nootropic: local-first AI development environment (headless client of nootropic-lsp)')
    .version(SERVER_VERSION, '-V, --version')
    .option('--root <dir>', 'workspace root', process.cwd())
    .addOption(new Option('--provider <name>', 'model provider').choices([...PROVIDERS]))
    .option('--base-url <url>', 'model endpoint base URL')
    .option('--model <name>', 'model name')
    .option('--allow-cloud', 'allow non-loopback model endpoints')
    .addOption(new Option('--log-level <level>', 'server log level').choices([...LOG_LEVELS]))
    .option('--verbose', "show the server's log on stderr")
    .option('--restricted', 'treat the workspace as untrusted: no workspace plugins or MCP servers, no plugin file writes')
    .exitOverride();

  const timeoutOption = positiveInt('milliseconds (a positive integer)');

  program
    .command('ask')
    .description('answer a question about the workspace with the chat model, streaming the answer to stdout')
    .argument('<question...>', 'the question')
    .option('--json', 'print {answer, citations, model, ...} as JSON instead of streaming')
    .addOption(new Option('--role <role>', 'model role').choices(['chat', 'edit', 'plan']).default('chat'))
    .option('--file <path>', 'treat this file as the open document (its text goes into the context)')
    .action(async (words: string[], opts: { json?: boolean; role: 'chat' | 'edit' | 'plan'; file?: string }, cmd: Command) => {
      if (opts.file) requireReadable(cmd, [opts.file], '--file');
      return withServer(program, (client) =>
        ask(client, words.join(' '), {
          json: Boolean(opts.json),
          role: opts.role,
          ...(opts.file ? { file: pathToFileURL(path.resolve(opts.file)).href } : {}),
        }),
      );
    });

  program
    .command('models')
    .description('list configured models per role, models the endpoints offer, hardware and the recommended local model')
    .option('--json', 'print JSON')
    .option('--timeout <ms>', 'probe timeout per endpoint', timeoutOption)
    .action(async (opts: { json?: boolean; timeout?: number }) =>
      withServer(program, (client) => models(client, { json: Boolean(opts.json), ...(opts.timeout ? { timeoutMs: opts.timeout } : {}) })),
    );

  program
    .command('doctor')
    .description('report node, workspace, server, config, model endpoints, semgrep, ollama, embedder and grammars')
    .option('--json', 'print JSON')
    .option('--timeout <ms>', 'probe timeout per endpoint', timeoutOption)
    .action(async (opts: { json?: boolean; timeout?: number }) =>
      withServer(program, (client) => doctor(client, { json: Boolean(opts.json), ...(opts.timeout ? { timeoutMs: opts.timeout } : {}) })),
    );

  program
    .command('check')
    .description('report syntax errors in files (tree-sitter), as an editor would see them')
    .argument('<files...>', 'files to check')
    .option('--json', 'print JSON')
    .action(async (files: string[], opts: { json?: boolean }, cmd: Command) => {
      // A typo'd path is a usage error (exit 2), not a clean check.
      requireReadable(cmd, files);
      return withServer(program, (client, root) => check(client, files, { json: Boolean(opts.json), root }));
    });

  program
    .command('index')
    .description('index the workspace for retrieval (incremental; --force rebuilds)')
    .option('--force', 'rebuild from scratch')
    .option('--json', 'print {files, chunks, skipped, ms, embedder, ...}')
    .action(async (opts: { json?: boolean; force?: boolean }) =>
      withServer(program, (client) => index(client, { json: Boolean(opts.json), force: Boolean(opts.force) }), ONE_SHOT_INDEX),
    );

  program
    .command('search')
    .description('search the workspace index as last built (natural language or identifiers); `nootropic index` brings it up to date')
    .argument('[query]', 'what to look for')
    .option('--limit <n>', 'number of hits', positiveInt(), 10)
    .option('--queries <file>', 'batch: a JSONL file of {"id", "query"}; prints one {"id", "hits"} line per query')
    .option('--json', 'print {hits: [{path, startLine, endLine, score, symbol, text}]}')
    .action(async (query: string | undefined, opts: { json?: boolean; limit: number; queries?: string }, cmd: Command) => {
      if (opts.queries) requireReadable(cmd, [opts.queries], '--queries');
      else if (!query) usageError(cmd, 'give a QUERY or --queries FILE.jsonl');
      return withServer(program, (client) => search(client, query, { json: Boolean(opts.json), limit: opts.limit, ...(opts.queries ? { queries: opts.queries } : {}) }), ONE_SHOT_SEARCH);
    });

  program
    .command('traces')
    .description("recent spans (requests, agent steps, model and tool calls) from the workspace's trace store")
    .option('--trace <id>', 'only this trace (32 hex digits)')
    .option('--limit <n>', 'most recent N spans', positiveInt(), 50)
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean; trace?: string; limit: number }) =>
      withServer(program, (client) => traces(client, { json: Boolean(opts.json), limit: opts.limit, ...(opts.trace ? { traceId: opts.trace } : {}) })),
    );

  program
    .command('trust')
    .description("list the settings this workspace's files would widen (cloud, remote endpoints, trace export, commands, plugins, MCP) and its unapproved workspace plugins; --yes approves exactly those")
    .option('--yes', 'approve the listed values and plugin contents for this workspace (remembered outside it)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean; yes?: boolean }) => withServer(program, (client) => trust(client, { json: Boolean(opts.json), yes: Boolean(opts.yes) })));

  const plugins = program.command('plugins').description('list plugins and run their commands');
  plugins
    .command('list')
    .description('every plugin found (bundled and .nootropic/plugins/), with version, state and reason')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => withServer(program, (client) => pluginsList(client, { json: Boolean(opts.json) })));
  plugins
    .command('approve')
    .description("approve workspace plugins (.nootropic/plugins/NAME) to run: exactly their current files; any later change needs a new approval")
    .argument('<names...>', 'workspace plugin names, as `plugins list` shows them')
    .option('--json', 'print JSON')
    .action(async (names: string[], opts: { json?: boolean }) => withServer(program, (client) => pluginsApprove(client, names, { json: Boolean(opts.json) })));
  plugins
    .command('run')
    .description('run a plugin command (plugin/command when two plugins share a name; mcp:server/tool \'{json}\' for MCP tools)')
    .argument('<command>', 'command name')
    .argument('[args...]', 'arguments passed to the command')
    .option('--json', 'print JSON ({ plugin, command, result, durationMs })')
    .action(async (command: string, args: string[], opts: { json?: boolean }) =>
      withServer(program, (client) => pluginsRun(client, command, args, { json: Boolean(opts.json) })),
    );

  registerAgentCommands(program, withServer);
  registerEditCommands(program);
  registerChatCommands(program, withServer);

  usage = oneLineUsageErrors(program);
  return program;
}

/** Set by buildProgram: whether commander already printed the usage line for the error being handled. */
let usage: { printed: () => boolean } = { printed: () => false };

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are successes; everything else commander raises is a usage error.
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      if (!ok && !usage.printed()) process.stderr.write(`nootropic: ${err.message.replace(/^error:\s*/, '')}\n`);
      process.exitCode = ok ? 0 : 2;
      return;
    }
    const message = err instanceof ServerExitedError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`nootropic: ${message}\n`);
    process.exitCode = 1;
  }
}

void main(process.argv);
