/**
 * One chat turn on the server, whatever front door sent it: reads the slash command and @-mentions, gathers the
 * context the command needs from the editor state in the request (and the workspace: git diff, index, mentioned
 * files), and runs it — a model answer (plain chat, /explain, /review), search hits (/search), a task graph
 * (/plan), an edit proposal previewed by the edit engine (/edit, /fix, /test) or a plugin command.
 */
import { LSPErrorCodes } from 'vscode-languageserver';
import type { z } from 'zod';
import { ChatSendParams, NootropicErrorCodes, type ChatEditProposal, type ChatSendResult } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { resolveMentions } from '../context/mentions';
import { plan } from '../agents/planner';
import { previewEdit } from '../edit-preview';
import type { ContextPiece } from '../models/prompt-budget';
import { RpcError } from '../rpc/registry';
import { redactSecrets } from '../security/secrets';
import { findSpec } from '../workflow/spec';
import { modelAnswer, noModelResult, type ModelAnswer } from './answer';
import { BUILTINS, isBuiltin, listCommands, type BuiltinCommand } from './commands';
import { detectEdit } from './edit-detect';
import { activeDocument, documentPieces, problemsPiece, type ActiveDocument } from './editor-state';
import { gitDiff } from './git-diff';
import { parseChatInput, type ParsedInput } from './input';
import { commandQuestion } from './prompts';

export type ChatCtx = Pick<ServerContext, 'rpc' | 'config' | 'models' | 'documents' | 'retriever' | 'log' | 'index' | 'pluginCommands'>;
type Params = z.output<typeof ChatSendParams>;

function usage(message: string): never {
  throw new RpcError(NootropicErrorCodes.InvalidParams, message);
}

/** A plugin command's result as the chat answer: text as is, anything else as a JSON block. */
function renderCommandResult(result: unknown): string {
  if (typeof result === 'string') return result;
  return `\`\`\`json\n${JSON.stringify(result, null, 2)}\n\`\`\``;
}

function readInput(params: Params): ParsedInput {
  const last = params.messages[params.messages.length - 1]!.content;
  if (!params.command) return parseChatInput(last);
  const text = last.trim();
  const slash = `/${params.command}`;
  return parseChatInput(text === slash || text.startsWith(`${slash} `) ? text : `${slash} ${text}`);
}

export async function runChat(ctx: ChatCtx, params: Params, signal: AbortSignal, onDelta?: (text: string) => void): Promise<ChatSendResult> {
  const input = readInput(params);
  const command = input.command;
  const c = params.context;

  if (command && !isBuiltin(command)) {
    if (!(await ctx.pluginCommands.has(command))) {
      const available = await listCommands(ctx.pluginCommands);
      usage(`unknown command /${command}. Available: ${available.map((a) => `/${a.name}`).join(', ')}`);
    }
    let ran;
    try {
      ran = await ctx.pluginCommands.run(command, input.prompt ? [input.prompt] : []);
    } catch (err) {
      throw new RpcError(LSPErrorCodes.RequestFailed, redactSecrets(`/${command}: ${(err as Error).message}`));
    }
    const answer = renderCommandResult(ran.result);
    onDelta?.(answer);
    return { ...noModelResult(ctx, params.role, answer, `plugin:${ran.plugin}`), kind: 'plugin', slash: command, command: ran };
  }

  if (command === 'search') {
    if (!input.prompt) usage(`usage: /search ${BUILTINS.search.args}`);
    if (!ctx.config.workspaceRoot) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open: open a folder (or pass --root) to search it');
    const hits = await ctx.index.search(input.prompt, 20);
    const mode = ctx.index.current().mode;
    const answer = hits.length
      ? `**${hits.length} result${hits.length === 1 ? '' : 's'}** for \`${input.prompt}\` (${mode} search).\n\n${hits.map((h) => `- ${h.path}:${h.startLine}-${h.endLine}${h.symbol ? ` \`${h.symbol}\`` : ''}`).join('\n')}`
      : `No results for \`${input.prompt}\` (${mode} search).`;
    return { ...noModelResult(ctx, params.role, answer, 'nootropic:search'), endpoint: { role: params.role, label: 'nootropic:search', provider: 'nootropic', baseUrl: '' }, kind: 'search', slash: 'search', hits: { query: input.prompt, hits, mode } };
  }

  if (command === 'plan') return runPlan(ctx, params, input, signal);

  // Everything else is a model answer.
  const doc = c?.uri ? await activeDocument(ctx, c.uri) : undefined;
  const mentions = input.mentions;
  const wants = (k: string) => mentions.some((m) => m.kind === k);
  if (wants('selection') && !c?.selection) usage('@selection: select some code in an editor first (context.selection is empty)');
  const sel = c?.selection ? { startLine: c.selection.start.line + 1, endLine: c.selection.end.line + 1 } : undefined;
  const target = { ...(doc ? { path: doc.path } : {}), ...(sel ? { selection: sel } : {}) };
  const pieces: ContextPiece[] = [];
  let role = params.role;
  let question = params.command || command || mentions.length ? input.prompt : params.messages[params.messages.length - 1]!.content;
  let retrieveLimit = wants('codebase') ? Math.max(params.retrieveLimit, 20) : params.retrieveLimit;

  if (command === 'edit' || command === 'fix' || command === 'test') {
    if (!doc?.inWorkspace) usage(`/${command} works on a file in the workspace: open one (and select code to narrow it) first${doc ? `; ${doc.path} is not in the workspace` : ''}`);
    if (command === 'edit' && !input.prompt) usage(`usage: /edit ${BUILTINS.edit.args} (works on the selection, or the whole active file)`);
    if (command === 'fix' && !c?.diagnostics?.length && !input.prompt) usage(`/fix: ${doc.path} has no problems${sel ? ' in the selection' : ''}. Say what to fix: /fix <problem>`);
    pieces.push(...documentPieces(doc, c!, { includeSelection: true, includeFile: true, includeDiagnostics: command === 'fix' || wants('problems') }));
    role = 'edit';
    question = commandQuestion(command, input.prompt, target);
  } else if (command === 'explain') {
    if (!doc && !input.prompt) usage('/explain works on the selection or the active file: open one, or ask /explain <question>');
    if (doc) pieces.push(...documentPieces(doc, c!, { includeSelection: true, includeFile: true, includeDiagnostics: wants('problems') }));
    question = commandQuestion('explain', input.prompt, target);
  } else if (command === 'review') {
    const root = ctx.config.workspaceRoot;
    if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, '/review needs a workspace folder under git');
    let diff: string;
    try {
      diff = await gitDiff(root, signal);
    } catch (err) {
      throw new RpcError(LSPErrorCodes.RequestFailed, `/review: ${(err as Error).message}`);
    }
    if (!diff.trim()) usage('/review: there are no uncommitted changes (git diff HEAD is empty)');
    pieces.push({ kind: 'git-diff', score: 1, text: diff });
    question = commandQuestion('review', input.prompt, target);
    retrieveLimit = 0;
  } else {
    if (!question) usage(`type a question, or a command: ${Object.keys(BUILTINS).map((n) => `/${n}`).join(', ')}`);
    if (doc) pieces.push(...documentPieces(doc, c!, { includeSelection: true, includeFile: c!.includeOpenFile, includeDiagnostics: wants('problems') }));
  }
  if (wants('problems') && !pieces.some((p) => p.kind === 'diagnostics')) pieces.push(problemsPiece(c ?? { includeOpenFile: false }));

  // @file / @symbol mentions (from the text and from the request), a bare @file meaning the active document.
  const named = [...(c?.mentions ?? [])];
  for (const m of mentions) {
    if ((m.kind === 'file' || m.kind === 'symbol') && m.arg) named.push({ kind: m.kind, arg: m.arg });
    if (m.kind === 'file' && !m.arg && doc?.inWorkspace && !pieces.some((p) => p.kind === 'open-file')) named.push({ kind: 'file', arg: doc.path });
  }
  const unique = named.filter((m, i) => named.findIndex((o) => o.kind === m.kind && o.arg === m.arg) === i);
  const root = ctx.config.workspaceRoot;
  const mentioned = unique.length ? await resolveMentions({ root, openText: (u) => ctx.documents.get(u)?.getText(), index: () => ctx.index.whenReady() }, unique) : { pieces: [], problems: [] };
  pieces.push(...mentioned.pieces);

  const retriever = ctx.retriever();
  if (retrieveLimit > 0) {
    for (const chunk of await retriever.retrieve(question, retrieveLimit, signal)) {
      pieces.push({ kind: 'retrieved', score: chunk.score, path: chunk.path, startLine: chunk.startLine, endLine: chunk.endLine, text: chunk.text });
    }
  }
  // After retrieval: it may have waited for the index, and the status says what it found.
  const retrieverStatus = retriever.status();

  const history = command ? [] : params.messages.slice(0, -1);
  const answered = await modelAnswer(ctx, { role, history, question, pieces, retrieverStatus, signal, ...(onDelta ? { onDelta } : {}) });
  const result: ChatSendResult = { ...answered, kind: 'answer', ...(command ? { slash: command } : {}), warnings: [...answered.warnings, ...mentioned.problems] };
  if (role !== 'edit' || !command || !doc) return result;
  return proposeEdit(ctx, result, command as BuiltinCommand, doc);
}

/** Reads an edit command's answer with the edit engine's parser and previews it (nothing written). */
async function proposeEdit(ctx: ChatCtx, result: ChatSendResult, command: BuiltinCommand, doc: ActiveDocument): Promise<ChatSendResult> {
  const detected = detectEdit(result.answer);
  if (!detected.found) {
    const why = detected.problems.length ? `: ${detected.problems.join('; ')}` : '';
    return { ...result, kind: 'edit', warnings: [...result.warnings, `the model answered /${command} without a change the edit engine can read (no SEARCH/REPLACE, SYMBOL block or diff)${why}`] };
  }
  const single = detected.paths.every((p) => p === doc.path) ? doc.uri : undefined;
  const preview = await previewEdit(ctx, { text: result.answer, ...(single ? { targetUri: single } : {}) });
  const edit: ChatEditProposal = {
    text: result.answer,
    ...(single ? { targetUri: single } : {}),
    paths: detected.paths.length ? detected.paths : [doc.path],
    applies: preview.result.applied,
    ...(preview.result.reason ? { reason: preview.result.reason } : {}),
    files: preview.files,
    diff: preview.result.diff,
    ...(preview.result.warnings ? { warnings: preview.result.warnings } : {}),
    ...(preview.control.length ? { controlFiles: preview.control } : {}),
  };
  return { ...result, kind: 'edit', edit };
}

async function runPlan(ctx: ChatCtx, params: Params, input: ParsedInput, signal: AbortSignal): Promise<ChatSendResult> {
  const root = ctx.config.workspaceRoot;
  if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, '/plan needs a workspace folder');
  const specName = /\.(ya?ml|json)$/i.test(input.prompt) ? input.prompt : undefined;
  let found;
  try {
    found = await findSpec(root, specName);
  } catch (err) {
    const e = err as { message: string; file?: string; line?: number; column?: number };
    throw new RpcError(NootropicErrorCodes.SpecInvalid, `${e.message} — nothing was planned`, { file: e.file, line: e.line, column: e.column });
  }
  const instruction = specName ? undefined : input.prompt || undefined;
  if (!found && !instruction) usage(`/plan: no ${specName ?? 'project-spec.yaml'} in ${root}: write one, or say what to build (/plan <instruction>)`);
  const out = await plan({ root, ...(found ? { spec: found.spec } : {}), ...(instruction ? { instruction } : {}), models: ctx.models, signal });
  const lines = out.graph.tasks.map((t) => `- **${t.id}** ${t.title}${t.deps.length ? ` _(after ${t.deps.join(', ')})_` : ''}`);
  const answer = `Plan **${out.graph.name}**: ${out.graph.tasks.length} task(s).\n\n${lines.join('\n')}`;
  const base: ModelAnswer = noModelResult(ctx, params.role, answer, 'nootropic:planner');
  return { ...base, endpoint: { ...base.endpoint, provider: 'nootropic' }, kind: 'plan', slash: 'plan', plan: { graph: out.graph, notes: out.notes } };
}
