/**
 * `nootropic chat "MESSAGE" [--file PATH] [--selection L1-L2] [--json] [--apply [--yes]]`: any chat slash command,
 * headless. One `nootropic/chat/send` call with the file as the active document — the same method and the same
 * commands the editors use (the server owns them). Answers stream to stdout; /search prints hits; /edit, /fix and
 * /test print the proposal as a diff and write nothing unless `--apply`, which applies it through the edit engine and
 * its journal (`nootropic undo` reverts it). A proposal that writes control files (docs/security.md) is refused
 * unless `--yes` also approves it, listing each file — the rule `nootropic run` follows. Plugin commands recorded in
 * the workspace's capability registry also become subcommands (`nootropic todo src`), so `nootropic --help` lists them.
 * Exit codes: 0 ok, 1 refused / failed (no usable edit, an edit that does not apply), 2 usage.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ChatCommands, ChatDelta, ChatSend, DescribeRegistry, type ChatSendParams, type ChatSendResult } from '../../shared/protocol';
import { applyEdits } from '../../server/src/edits';
import { controlChanges } from '../../server/src/security/control-files';
import { registryPath } from '../../server/src/plugins/describe-registry';
import { approveControlFiles } from '../control-approval';
import { exitCodeForServerError, printJson } from '../render';
import { cancelOnSigint } from '../cancel';
import type { ServerClient } from '../server-client';

export interface ChatOptions {
  json: boolean;
  apply: boolean;
  /** Approve the proposal's control-file changes (each is listed on stderr); without it they are refused. */
  yes?: boolean;
  file?: string;
  selection?: string;
}

type WithServer = (program: Command, fn: (client: ServerClient, root: string) => Promise<number>) => Promise<void>;

/** `L1-L2` (1-based, inclusive; `L` alone is one line) as an LSP range over the file's text. */
export function selectionRange(spec: string, text: string): NonNullable<NonNullable<ChatSendParams['context']>['selection']> {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) throw new CommanderError(2, 'nootropic.usage', `--selection expects L1-L2 (1-based lines), got ${spec}`);
  const lines = text.split('\n');
  const start = Number(m[1]);
  const end = Number(m[2] ?? m[1]);
  if (start < 1 || end < start || end > lines.length) throw new CommanderError(2, 'nootropic.usage', `--selection ${spec} is not within the file's ${lines.length} lines`);
  return { start: { line: start - 1, character: 0 }, end: { line: end - 1, character: lines[end - 1]!.length } };
}

function context(opts: ChatOptions): ChatSendParams['context'] {
  if (!opts.file) {
    if (opts.selection) throw new CommanderError(2, 'nootropic.usage', '--selection needs --file');
    return undefined;
  }
  const abs = path.resolve(opts.file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new CommanderError(2, 'nootropic.usage', `cannot read --file ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { uri: pathToFileURL(abs).href, includeOpenFile: true, ...(opts.selection ? { selection: selectionRange(opts.selection, text) } : {}) };
}

/**
 * Applies the proposal unless it writes control files the person did not approve (`--yes`). The files are judged
 * here, on exactly what this process would write (a dry run against disk), not on the server's preview.
 */
async function applyProposal(root: string, result: ChatSendResult, label: string, yes: boolean) {
  const edit = result.edit!;
  const req = { root, text: edit.text, label, ...(edit.targetUri ? { targetFile: fileURLToPath(edit.targetUri) } : {}) };
  const dry = await applyEdits({ ...req, dryRun: true });
  if (!dry.applied) return dry;
  const control = await controlChanges(root, dry.changes);
  if (control.length && !approveControlFiles(control, yes, 'the proposal')) {
    return { ...dry, applied: false, reason: `it writes control files that were not approved: ${control.map((c) => c.path).join(', ')}` };
  }
  return applyEdits(req);
}

export async function chat(client: ServerClient, root: string, message: string, opts: ChatOptions): Promise<number> {
  const ctx = context(opts);
  // Edit commands print their diff to stdout, so their model answer goes to stderr.
  const slash = /^\/(\S+)/.exec(message.trim())?.[1];
  const kind = slash ? (await client.request(ChatCommands, {})).commands.find((c) => c.name === slash)?.kind : undefined;
  if (opts.apply && kind !== 'edit') throw new CommanderError(2, 'nootropic.usage', '--apply is for /edit, /fix and /test');
  const streamId = randomUUID();
  let streamed = '';
  if (!opts.json) {
    client.connection.onNotification(ChatDelta.method, (raw: unknown) => {
      const p = ChatDelta.params.safeParse(raw);
      if (!p.success || p.data.streamId !== streamId || kind === 'search') return;
      streamed += p.data.text;
      (kind === 'edit' ? process.stderr : process.stdout).write(p.data.text);
    });
  }
  const cancel = cancelOnSigint();
  let result: ChatSendResult;
  try {
    result = await client.request(ChatSend, { ...(opts.json ? {} : { streamId }), messages: [{ role: 'user', content: message }], ...(ctx ? { context: ctx } : {}) }, cancel.token);
  } catch (e) {
    return exitCodeForServerError(e);
  } finally {
    cancel.dispose();
  }
  const err = (s: string) => process.stderr.write(s + '\n');

  if (result.kind === 'edit') {
    const edit = result.edit;
    let applied: Awaited<ReturnType<typeof applyProposal>> | undefined;
    if (edit?.applies && opts.apply) applied = await applyProposal(root, result, `nootropic chat ${message.trim().slice(0, 80)}`, Boolean(opts.yes));
    if (opts.json) {
      printJson({ ...result, ...(applied ? { applied: { applied: applied.applied, ...(applied.changeSetId ? { changeSetId: applied.changeSetId } : {}), ...(applied.reason ? { reason: applied.reason } : {}) } } : {}) });
    } else {
      if (streamed) process.stderr.write('\n');
      if (edit) process.stdout.write(applied?.diff ?? edit.diff);
    }
    for (const w of result.warnings) err(`warning: ${w}`);
    if (!edit) return 1;
    if (!edit.applies) {
      err(`nootropic: the proposal does not apply: ${edit.reason ?? 'unknown reason'}`);
      return 1;
    }
    if (applied && !applied.applied) {
      err(`nootropic: refused: ${applied.reason}`);
      return 1;
    }
    if (!opts.json) err(applied ? `applied (change set ${applied.changeSetId}; \`nootropic undo\` reverts it)` : 'proposal only: nothing written (rerun with --apply to apply it)');
    return 0;
  }

  if (opts.json) {
    printJson(result);
    return 0;
  }
  if (result.kind === 'search') {
    process.stdout.write(result.answer + '\n');
    return 0;
  }
  if (!streamed) process.stdout.write(result.answer);
  process.stdout.write('\n');
  if (result.citations.length) err(`\nsources:\n${result.citations.map((c) => `  ${c.path}:${c.startLine}-${c.endLine}`).join('\n')}`);
  err(`${result.kind === 'plugin' ? 'ran' : 'model'}: ${result.model}`);
  for (const w of result.warnings) err(`warning: ${w}`);
  return 0;
}

/** Plugin commands recorded in the workspace's capability registry (written each time the server starts there). */
function registeredPluginCommands(argv: readonly string[]): { name: string; description?: string; provider: string }[] {
  const at = argv.findIndex((a) => a === '--root' || a.startsWith('--root='));
  const root = path.resolve(at < 0 ? process.cwd() : argv[at]!.includes('=') ? argv[at]!.slice('--root='.length) : argv[at + 1] ?? '.');
  try {
    const reg = DescribeRegistry.parse(JSON.parse(readFileSync(registryPath(root), 'utf8')));
    return reg.capabilities.filter((c) => c.kind === 'command' && c.provider.startsWith('plugin:')).map((c) => ({ name: c.name, provider: c.provider, ...(c.description ? { description: c.description } : {}) }));
  } catch {
    return []; // no registry yet (the server has not run here) or an unreadable one: builtins only
  }
}

export function registerChatCommands(program: Command, withServer: WithServer, argv: readonly string[] = process.argv): void {
  const run = (message: string, opts: { json?: boolean; apply?: boolean; yes?: boolean; file?: string; selection?: string }) =>
    withServer(program, (client, root) =>
      chat(client, root, message, { json: Boolean(opts.json), apply: Boolean(opts.apply), yes: Boolean(opts.yes), ...(opts.file ? { file: opts.file } : {}), ...(opts.selection ? { selection: opts.selection } : {}) }),
    );
  program
    .command('chat')
    .description('run a chat message or slash command headless: /explain, /fix, /edit, /test, /review, /plan, /search, plugin commands (see `nootropic chat --list`)')
    .argument('[message...]', 'the message, e.g. "/edit make add return the sum"')
    .option('--file <path>', 'the active document (its text goes into the context; edit commands change it)')
    .option('--selection <L1-L2>', 'the selected lines of --file (1-based, inclusive)')
    .option('--apply', 'apply the proposal of /edit, /fix or /test through the edit engine (journaled: `nootropic undo` reverts it)')
    .option('--yes', 'with --apply: approve its edits to control files (.nootropic/, project-spec.yaml, .vscode/, CI, package scripts, git hooks); each is listed on stderr. Without it such a proposal is refused and nothing is written')
    .option('--list', 'list the slash commands (builtins and plugin commands) and exit')
    .option('--json', 'print the chat/send result as JSON')
    .action(async (words: string[], opts: { json?: boolean; apply?: boolean; yes?: boolean; file?: string; selection?: string; list?: boolean }) => {
      if (opts.list) {
        return withServer(program, async (client) => {
          const { commands } = await client.request(ChatCommands, {});
          if (opts.json) printJson({ commands });
          else process.stdout.write(commands.map((c) => `/${c.name}${c.args ? ` ${c.args}` : ''}  — ${c.description}${c.source === 'nootropic' ? '' : ` (${c.source})`}`).join('\n') + '\n');
          return 0;
        });
      }
      if (!words.length) throw new CommanderError(2, 'nootropic.usage', 'nootropic chat: say what to ask, e.g. nootropic chat "/explain" --file src/a.ts');
      return run(words.join(' '), opts);
    });

  const taken = new Set(program.commands.map((c) => c.name()));
  for (const c of registeredPluginCommands(argv)) {
    if (taken.has(c.name) || !/^[A-Za-z][\w-]*$/.test(c.name)) continue;
    taken.add(c.name);
    program
      .command(c.name)
      .description(`${c.description ?? 'plugin command'} (${c.provider}; same as nootropic chat "/${c.name} ARGS")`)
      .argument('[args...]', 'arguments for the command')
      .option('--json', 'print the chat/send result as JSON')
      .action(async (args: string[], opts: { json?: boolean }) => run(`/${c.name} ${args.join(' ')}`.trim(), opts));
  }
}
