/**
 * One chat turn, whatever it came from (the chat view, the `@nootropic` participant, a palette command): reads
 * the slash command and @-mentions, gathers the editor's context, calls the server and reports progress to a
 * sink. Plain questions, /explain and /review stream from `nootropic/chat/send`; /edit, /fix and /test stream
 * an answer and turn it into a reviewed proposal (`nootropic/edit/preview`); /search lists hits; /plan asks
 * `nootropic/agent/plan`; plugin commands run with `nootropic/plugins/run`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import { ChatDelta, ChatSend, PluginsRun, RegistryDescribe, Search, type ChatSendParams, type ChatSendResult } from '../../shared/protocol';
import { COMMAND_HELP, editInstructions, editPaths, isBuiltin, looksLikeEdit, parseChatInput, BUILTIN_COMMANDS, type Mention } from '../../shared/chat/input';
import type { ContextItem, SlashCommandView, Turn } from '../../shared/webview/chat';
import { AGENT_PLAN, AgentPlanResult, EDIT_PREVIEW } from '../contract';
import { proposalView, type ReviewController } from '../review';
import { errorText, type ServerApi } from '../server-api';

export interface TurnSink {
  delta(text: string): void;
  patch(p: Partial<Turn>): void;
}

export interface EngineDeps {
  api(): ServerApi | undefined;
  review: ReviewController;
  output: vscode.LogOutputChannel;
  /** The text editor the user was last in (the chat view takes focus away from it). */
  editor(): vscode.TextEditor | undefined;
  /** Called with a plan's graph (/plan): the task board shows it. */
  onPlan?(graph: unknown): void;
}

type Msg = { role: 'user' | 'assistant'; content: string };

/** Routes `nootropic/chat/delta` notifications to the turn that asked (one handler for the whole client). */
export class ChatStreams {
  private readonly sinks = new Map<string, (text: string) => void>();
  attach(api: ServerApi): vscode.Disposable {
    return api.onNotification(ChatDelta.method, (raw) => {
      const p = ChatDelta.params.safeParse(raw);
      if (p.success) this.sinks.get(p.data.streamId)?.(p.data.text);
    });
  }
  open(id: string, fn: (text: string) => void): vscode.Disposable {
    this.sinks.set(id, fn);
    return new vscode.Disposable(() => this.sinks.delete(id));
  }
}
export const chatStreams = new ChatStreams();

export function relPath(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? path.posix.relative(folder.uri.path, uri.path) : uri.fsPath;
}

/** Slash commands: the builtins plus every `command` capability plugins registered. */
export async function slashCommands(api: ServerApi | undefined): Promise<SlashCommandView[]> {
  const builtin = BUILTIN_COMMANDS.map((name) => ({ name, description: COMMAND_HELP[name], source: 'nootropic' }));
  if (!api?.running || !api.offers(RegistryDescribe.method)) return builtin;
  try {
    const reg = await api.call(RegistryDescribe, {});
    const plugin = reg.capabilities
      .filter((c) => c.kind === 'command' && !(BUILTIN_COMMANDS as readonly string[]).includes(c.name))
      .map((c) => ({ name: c.name, description: c.description ?? `from ${c.provider}`, source: c.provider }));
    return [...builtin, ...plugin];
  } catch {
    return builtin;
  }
}

function contextItems(result: ChatSendResult, mentions: Mention[]): ContextItem[] {
  const where = (r: { path?: string; startLine?: number; endLine?: number }) =>
    r.path ? `${r.path}${r.startLine ? `:${r.startLine}-${r.endLine ?? r.startLine}` : ''}` : undefined;
  const items: ContextItem[] = result.context.used.map((u) => ({ label: u.kind, ...(where(u) ? { detail: where(u) } : {}) }));
  for (const d of result.context.dropped) items.push({ label: `${d.kind} (left out)`, detail: `${where(d) ?? ''} ${d.reason}`.trim(), dropped: true });
  for (const m of mentions) if (m.kind === 'codebase') items.push({ label: '@codebase', detail: `retrieval widened (${result.context.retriever}: ${result.context.detail})` });
  items.push({ label: 'window', detail: `${result.context.window.promptTokens} of ${result.context.window.contextLength} tokens (${result.model})` });
  return items;
}

function diagnosticsFor(uri: vscode.Uri, range?: vscode.Range) {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => !range || d.range.intersection(range))
    .slice(0, 200)
    .map((d) => ({ message: `${d.source ? `[${d.source}] ` : ''}${d.message}`, line: d.range.start.line }));
}

function allProblems(): string {
  const lines: string[] = [];
  for (const [uri, diags] of vscode.languages.getDiagnostics()) {
    for (const d of diags) if (d.severity <= vscode.DiagnosticSeverity.Warning) lines.push(`${relPath(uri)}:${d.range.start.line + 1}: ${d.source ? `[${d.source}] ` : ''}${d.message}`);
  }
  return lines.slice(0, 200).join('\n');
}

function gitDiff(cwd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('git', ['diff', 'HEAD', '--no-color'], { cwd, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`git diff failed: ${(stderr || err.message).trim().split('\n')[0]}`)) : resolve(stdout),
    ),
  );
}

export async function runTurn(deps: EngineDeps, turn: Turn, history: Msg[], sink: TurnSink, token: vscode.CancellationToken): Promise<void> {
  const parsed = parseChatInput(turn.user);
  const command = parsed.command;
  const editor = deps.editor();
  const doc = editor?.document;
  const selection = editor && !editor.selection.isEmpty ? editor.selection : undefined;
  try {
    const api = deps.api();
    if (!api?.running) throw new Error('The nootropic server is not running. Run "nootropic: Restart Server", or open "nootropic: Show Status" to see why.');

    if (command && !isBuiltin(command)) {
      const available = await slashCommands(api);
      if (!available.some((c) => c.name === command)) {
        throw new Error(`Unknown command /${command}. Available: ${available.map((c) => `/${c.name}`).join(', ')}`);
      }
      const r = await api.call(PluginsRun, { command, args: parsed.prompt ? [parsed.prompt] : [] }, token);
      sink.patch({ answer: `\`/${command}\` (${r.plugin}, ${Math.round(r.durationMs)} ms):\n\n\`\`\`json\n${JSON.stringify(r.result, null, 2)}\n\`\`\``, status: 'done' });
      return;
    }

    if (command === 'search') {
      if (!parsed.prompt) throw new Error('Usage: /search <what to look for>');
      const r = await api.call(Search, { query: parsed.prompt, limit: 20 }, token);
      const hits = r.hits.map((h) => ({ path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol, score: h.score, preview: h.text.split('\n').slice(0, 4).join('\n') }));
      sink.patch({ answer: hits.length ? `**${hits.length} result${hits.length === 1 ? '' : 's'}** for \`${parsed.prompt}\` (${r.mode} search). Click one to open it.` : `No results for \`${parsed.prompt}\` (${r.mode} search).`, hits, status: 'done' });
      return;
    }

    if (command === 'plan') {
      const spec = /\.(ya?ml|json)$/i.test(parsed.prompt) ? parsed.prompt : undefined;
      const r = await api.callContract(AGENT_PLAN, spec ? { spec } : parsed.prompt ? { instruction: parsed.prompt } : {}, AgentPlanResult, 'planning (/plan)', token);
      deps.onPlan?.(r.graph);
      const lines = r.graph.tasks.map((t) => `- **${t.id}** ${t.title}${t.deps.length ? ` _(after ${t.deps.join(', ')})_` : ''}`);
      sink.patch({ answer: `Plan **${r.graph.name}**: ${r.graph.tasks.length} task(s).\n\n${lines.join('\n')}`, status: 'done', links: [{ label: 'Open task board', command: 'nootropic.showTaskBoard' }] });
      return;
    }

    // Everything else is a model answer, streamed.
    const context: NonNullable<ChatSendParams['context']> = { includeOpenFile: false };
    const mentionsForServer: { kind: 'file' | 'symbol'; arg: string }[] = [];
    let extra = '';
    const wantsFile = command === 'edit' || command === 'fix' || command === 'test' || command === 'explain';
    if (doc && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled')) {
      context.uri = doc.uri.toString();
      if (selection && (wantsFile || parsed.mentions.some((m) => m.kind === 'selection') || !command)) {
        context.selection = { start: { line: selection.start.line, character: selection.start.character }, end: { line: selection.end.line, character: selection.end.character } };
      }
      context.includeOpenFile = wantsFile || !command;
      if (command === 'fix' || parsed.mentions.some((m) => m.kind === 'problems')) {
        const d = diagnosticsFor(doc.uri, selection);
        if (d.length) context.diagnostics = d;
      }
    }
    for (const m of parsed.mentions) {
      if ((m.kind === 'file' || m.kind === 'symbol') && m.arg) mentionsForServer.push({ kind: m.kind, arg: m.arg });
      if (m.kind === 'file' && !m.arg && doc) mentionsForServer.push({ kind: 'file', arg: relPath(doc.uri) });
      if (m.kind === 'problems' && !doc) extra += `\n\nProblems in the workspace:\n${allProblems() || '(none)'}`;
      if (m.kind === 'selection' && !selection) throw new Error('@selection: select some code in an editor first.');
    }
    if (mentionsForServer.length) context.mentions = mentionsForServer;
    const codebase = parsed.mentions.some((m) => m.kind === 'codebase');

    let question = parsed.prompt;
    let role: 'chat' | 'edit' = 'chat';
    const target = doc ? relPath(doc.uri) : undefined;
    if (command === 'edit' || command === 'fix' || command === 'test') {
      if (!doc || !target) throw new Error(`/${command} works on the active editor: open a file (and select code to narrow it) first.`);
      if (command === 'edit' && !question) throw new Error('Usage: /edit <what to change> (works on the selection, or the whole active file)');
      if (command === 'fix' && !context.diagnostics?.length && !question) throw new Error(`/fix: ${target} has no problems${selection ? ' in the selection' : ''}. Say what to fix: /fix <problem>`);
      api.require(EDIT_PREVIEW, `reviewing proposed edits (/${command})`);
      role = 'edit';
      const what = selection ? `the selected lines ${selection.start.line + 1}-${selection.end.line + 1} of ${target}` : target;
      const task =
        command === 'edit' ? `Change ${what}: ${question}` :
        command === 'fix' ? `Fix the problems listed in the context in ${what}.${question ? ` ${question}` : ''}` :
        `Write unit tests for ${what}${question ? `: ${question}` : ''}. Put them in a new test file next to it unless one exists.`;
      question = `${task}\n\n${editInstructions(target)}`;
    } else if (command === 'explain') {
      if (!doc && !question) throw new Error('/explain works on the selection or the active file: open one, or ask /explain <question>.');
      question = `Explain ${selection ? 'the selected code' : target ? `the file ${target}` : 'this'}${question ? `: ${question}` : ''}. Say what it does, how, and anything surprising.`;
    } else if (command === 'review') {
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (!root) throw new Error('/review needs a workspace folder under git.');
      const diff = await gitDiff(root);
      if (!diff.trim()) throw new Error('/review: there are no uncommitted changes (git diff HEAD is empty).');
      question = `Review this change as a careful senior engineer: bugs, risks, missing tests, style. Cite file:line.${question ? ` Focus: ${question}` : ''}\n\n\`\`\`diff\n${diff.slice(0, 150_000)}\n\`\`\``;
      context.includeOpenFile = false;
    } else if (!question) {
      throw new Error('Type a question, or a command: /search, /edit, /fix, /explain, /test, /review, /plan.');
    }
    question += extra;

    const messages = [...(command ? [] : history.slice(-8)), { role: 'user' as const, content: question }];
    let answer = '';
    const stream = chatStreams.open(turn.id, (text) => {
      answer += text;
      sink.delta(text);
    });
    let result: ChatSendResult;
    try {
      result = await api.call(ChatSend, { streamId: turn.id, role, messages, context, ...(codebase ? { retrieveLimit: 20 } : command === 'review' ? { retrieveLimit: 0 } : {}) }, token);
    } finally {
      stream.dispose();
    }
    if (result.answer !== answer) sink.patch({ answer: result.answer });
    const ctxItems = contextItems(result, parsed.mentions);
    for (const w of result.warnings) ctxItems.push({ label: 'warning', detail: w });
    sink.patch({ model: result.model, context: ctxItems });

    if (role === 'edit') {
      if (!looksLikeEdit(result.answer)) {
        sink.patch({ status: 'done', error: 'The model answered without a change the edit engine can read (no SEARCH/REPLACE block or diff).' });
        return;
      }
      const paths = editPaths(result.answer);
      const single = doc && paths.every((p) => p === target) ? doc.uri.toString() : undefined;
      const { proposal, reason } = await deps.review.propose(result.answer, `/${command} ${parsed.prompt || target}`.trim().slice(0, 80), single);
      if (!proposal) {
        sink.patch({ status: 'error', error: `The edit engine could not apply the answer: ${reason}` });
        return;
      }
      sink.patch({ proposal: proposalView(proposal), status: 'done', ...(reason ? { error: reason } : {}) });
      await deps.review.open(proposal.id);
      return;
    }
    sink.patch({ status: 'done' });
  } catch (err) {
    if (token.isCancellationRequested) sink.patch({ status: 'stopped' });
    else {
      deps.output.warn(`[chat] ${command ? `/${command}` : 'chat'} failed: ${errorText(err)}`);
      sink.patch({ status: 'error', error: errorText(err) });
    }
  }
}
