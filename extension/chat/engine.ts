/**
 * One chat turn, whatever it came from (the chat view, the `@nootropic` participant, a palette command). The server
 * owns the commands (server/src/chat/: routing, prompts, context, edit detection); this side collects the editor
 * state (active document, selection, its diagnostics, the workspace's problems), sends it with the message through
 * `nootropic/chat/send`, and renders what comes back: streamed answers, /search hits, a /plan graph (the task
 * board shows it), an edit proposal opened for review, a plugin command's result.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { ChatCommands, ChatDelta, ChatSend, type ChatSendParams, type ChatSendResult } from '../../shared/protocol';
import type { ContextItem, SlashCommandView, Turn } from '../../shared/webview/chat';
import { LANGUAGES } from '../languages';
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
    return api.onNotification(ChatDelta, (p) => this.sinks.get(p.streamId)?.(p.text));
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

/** Slash commands as the server lists them (builtins and active plugins' commands); none while it is down. */
export async function slashCommands(api: ServerApi | undefined): Promise<SlashCommandView[]> {
  if (!api?.running || !api.offers(ChatCommands)) return [];
  try {
    const { commands } = await api.call(ChatCommands, {});
    return commands.map((c) => ({ name: c.name, description: c.args ? `${c.args} — ${c.description}` : c.description, source: c.source === 'nootropic' ? 'nootropic' : c.source.replace(/^plugin:/, '') }));
  } catch {
    return [];
  }
}

function contextItems(result: ChatSendResult, codebase: boolean): ContextItem[] {
  const where = (r: { path?: string; startLine?: number; endLine?: number }) =>
    r.path ? `${r.path}${r.startLine ? `:${r.startLine}-${r.endLine ?? r.startLine}` : ''}` : undefined;
  const items: ContextItem[] = result.context.used.map((u) => ({ label: u.kind, ...(where(u) ? { detail: where(u) } : {}) }));
  for (const d of result.context.dropped) items.push({ label: `${d.kind} (left out)`, detail: `${where(d) ?? ''} ${d.reason}`.trim(), dropped: true });
  if (codebase) items.push({ label: '@codebase', detail: `retrieval widened (${result.context.retriever}: ${result.context.detail})` });
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

function allProblems(): { path: string; line: number; message: string }[] {
  const out: { path: string; line: number; message: string }[] = [];
  for (const [uri, diags] of vscode.languages.getDiagnostics()) {
    for (const d of diags) if (d.severity <= vscode.DiagnosticSeverity.Warning) out.push({ path: relPath(uri), line: d.range.start.line, message: `${d.source ? `[${d.source}] ` : ''}${d.message}`.slice(0, 4000) });
  }
  return out.slice(0, 200);
}

/** The editor state the server needs: the active document, the selection, its diagnostics and the workspace's problems. */
function editorState(editor: vscode.TextEditor | undefined): NonNullable<ChatSendParams['context']> {
  const doc = editor?.document;
  const context: NonNullable<ChatSendParams['context']> = { includeOpenFile: true };
  const problems = allProblems();
  if (problems.length) context.problems = problems;
  if (!doc || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) return context;
  // The server reads only workspace files and documents the client synced to it (untitled ones of its languages).
  if (doc.uri.scheme === 'untitled' && !LANGUAGES.includes(doc.languageId)) return context;
  context.uri = doc.uri.toString();
  const selection = editor && !editor.selection.isEmpty ? editor.selection : undefined;
  if (selection) context.selection = { start: { line: selection.start.line, character: selection.start.character }, end: { line: selection.end.line, character: selection.end.character } };
  const d = diagnosticsFor(doc.uri, selection);
  if (d.length) context.diagnostics = d;
  return context;
}

function pluginAnswer(r: NonNullable<ChatSendResult['command']>): string {
  return `\`/${r.command}\` (${r.plugin}, ${Math.round(r.durationMs)} ms):\n\n\`\`\`json\n${JSON.stringify(r.result, null, 2)}\n\`\`\``;
}

export async function runTurn(deps: EngineDeps, turn: Turn, history: Msg[], sink: TurnSink, token: vscode.CancellationToken): Promise<void> {
  const slash = /^\/(\S+)/.exec(turn.user.trim())?.[1];
  try {
    const api = deps.api();
    if (!api || !(await api.ready())) throw new Error('The nootropic server is not running. Run "nootropic: Restart Server", or open "nootropic: Show Status" to see why.');
    const context = editorState(deps.editor());
    let answer = '';
    const stream = chatStreams.open(turn.id, (text) => {
      answer += text;
      sink.delta(text);
    });
    let result: ChatSendResult;
    try {
      const messages = [...(slash ? [] : history.slice(-8)), { role: 'user' as const, content: turn.user }];
      result = await api.call(ChatSend, { streamId: turn.id, messages, context }, token);
    } finally {
      stream.dispose();
    }
    switch (result.kind) {
      case 'plugin':
        sink.patch({ answer: result.command ? pluginAnswer(result.command) : result.answer, status: 'done' });
        return;
      case 'search': {
        const r = result.hits!;
        const hits = r.hits.map((h) => ({ path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol, score: h.score, preview: h.text.split('\n').slice(0, 4).join('\n') }));
        sink.patch({ answer: hits.length ? `**${hits.length} result${hits.length === 1 ? '' : 's'}** for \`${r.query}\` (${r.mode} search). Click one to open it.` : `No results for \`${r.query}\` (${r.mode} search).`, hits, status: 'done' });
        return;
      }
      case 'plan':
        deps.onPlan?.(result.plan!.graph);
        sink.patch({ answer: result.answer, status: 'done', links: [{ label: 'Open task board', command: 'nootropic.showTaskBoard' }] });
        return;
      default:
        break;
    }
    if (result.answer !== answer) sink.patch({ answer: result.answer });
    const ctxItems = contextItems(result, /(^|\s)@codebase(\s|$)/.test(turn.user));
    for (const w of result.warnings) ctxItems.push({ label: 'warning', detail: w });
    sink.patch({ model: result.model, context: ctxItems });

    if (result.kind === 'edit') {
      const edit = result.edit;
      if (!edit) {
        sink.patch({ status: 'done', error: 'The model answered without a change the edit engine can read (no SEARCH/REPLACE, SYMBOL block or diff).' });
        return;
      }
      const label = `${turn.user.trim()}`.slice(0, 80);
      const { proposal, reason } = deps.review.adopt({ files: edit.files, diff: edit.diff, ...(edit.reason ? { reason: edit.reason } : {}), ...(edit.controlFiles ? { controlFiles: edit.controlFiles } : {}) }, edit.text, label, edit.targetUri);
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
      deps.output.warn(`[chat] ${slash ? `/${slash}` : 'chat'} failed: ${errorText(err)}`);
      sink.patch({ status: 'error', error: errorText(err) });
    }
  }
}
