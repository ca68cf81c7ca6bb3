/**
 * `nootropic/chat/send`: gathers context (selection, diagnostics, open file, retrieved chunks), fits it to
 * the window of whichever model in the role's chain answers, streams the answer as `nootropic/chat/delta`
 * notifications, and returns it with citations for exactly the sources the model was shown. `$/cancelRequest`
 * aborts the model's HTTP request.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LSPErrorCodes } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { ChatDelta, ChatSend, NootropicErrorCodes, type ChatSendResult, type Citation } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { resolveMentions } from '../context/mentions';
import { ModelError } from '../models/errors';
import { fitToWindow, renderPiece, type BudgetResult, type ContextPiece } from '../models/prompt-budget';
import type { Attempt, WindowInfo } from '../models/router';
import type { ChatMessage } from '../models/types';
import { fenceContent, newFence, untrustedInstruction } from '../models/untrusted-context';
import { abortSignalFor, RpcError } from '../rpc/registry';
import { redactSecrets } from '../security/secrets';

export const SYSTEM_PROMPT = [
  'You are nootropic, a coding assistant working in the user\'s workspace.',
  'Answer from the context given with the question when it is relevant; say so when it is not enough.',
  'Refer to code as path:startLine-endLine. Be concise.',
].join(' ');

const MAX_OPEN_FILE_BYTES = 256 * 1024;

function relPath(root: string | null, fsPath: string): string {
  if (!root) return fsPath;
  const rel = path.relative(root, fsPath);
  return rel.startsWith('..') || path.isAbsolute(rel) ? fsPath : rel.split(path.sep).join('/');
}

async function documentText(ctx: Pick<ServerContext, 'documents'>, uri: string): Promise<string | undefined> {
  const open = ctx.documents.get(uri);
  if (open) return open.getText();
  const parsed = URI.parse(uri);
  if (parsed.scheme !== 'file') return undefined;
  try {
    const buf = await readFile(parsed.fsPath);
    return buf.length > MAX_OPEN_FILE_BYTES || buf.subarray(0, 8000).includes(0) ? undefined : buf.toString('utf8');
  } catch {
    return undefined;
  }
}

function citationsOf(budget: BudgetResult): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const p of budget.kept) {
    if (!p.path || !p.startLine || p.path.startsWith('/')) continue;
    const c = { path: p.path, startLine: p.startLine, endLine: p.endLine ?? p.startLine };
    const key = `${c.path}:${c.startLine}-${c.endLine}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

function errorCode(e: ModelError): number {
  if (e.kind === 'policy') return NootropicErrorCodes.PolicyRefused;
  if (e.kind === 'too-large') return NootropicErrorCodes.PromptTooLarge;
  return NootropicErrorCodes.ModelUnavailable;
}

/** `/name rest`: a slash command; `name` may be `plugin/command`. */
const SLASH = /^\/([A-Za-z0-9_.:@-]+(?:\/[A-Za-z0-9_.:-]+)?)(?:\s+([\s\S]*))?$/;

/** A plugin command's result as the chat answer: text as is, anything else as a JSON block. */
function renderCommandResult(result: unknown): string {
  if (typeof result === 'string') return result;
  return `\`\`\`json\n${JSON.stringify(result, null, 2)}\n\`\`\``;
}

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'models' | 'documents' | 'retriever' | 'log' | 'index' | 'pluginCommands'>): void {
  ctx.rpc.request(ChatSend, async (params, token) => {
    const signal = abortSignalFor(token);
    const root = ctx.config.workspaceRoot;
    const question = params.messages[params.messages.length - 1]!.content;
    const history = params.messages.slice(0, -1);

    // `/command args` naming an active plugin's command runs it (in its isolate) instead of asking a model.
    const slash = SLASH.exec(question.trim());
    if (slash && (await ctx.pluginCommands.has(slash[1]!))) {
      const rest = slash[2]?.trim();
      let ran;
      try {
        ran = await ctx.pluginCommands.run(slash[1]!, rest ? [rest] : []);
      } catch (err) {
        throw new RpcError(LSPErrorCodes.RequestFailed, redactSecrets(`/${slash[1]}: ${(err as Error).message}`));
      }
      const answer = renderCommandResult(ran.result);
      if (params.streamId) ctx.rpc.send(ChatDelta, { streamId: params.streamId, text: answer });
      const result: ChatSendResult = {
        answer,
        model: `plugin:${ran.plugin}`,
        endpoint: { role: params.role, label: `plugin:${ran.plugin}`, provider: 'plugin', baseUrl: '' },
        finishReason: 'stop',
        citations: [],
        context: { ...ctx.retriever().status(), used: [], dropped: [], window: { contextLength: 0, contextSource: 'fallback', promptTokens: 0, reservedForAnswer: 0 } },
        attempts: [],
        warnings: [],
        command: ran,
      };
      return result;
    }
    const pieces: ContextPiece[] = [];

    const c = params.context;
    if (c?.uri) {
      const text = await documentText(ctx, c.uri);
      const parsed = URI.parse(c.uri);
      const where = parsed.scheme === 'file' ? relPath(root, parsed.fsPath) : c.uri;
      if (text !== undefined) {
        const lines = text.split('\n');
        if (c.selection) {
          const { start, end } = c.selection;
          const sel = lines.slice(start.line, end.line + 1);
          if (sel.length) {
            // Cut the last line first: on a one-line selection both cuts apply to the same string.
            sel[sel.length - 1] = sel[sel.length - 1]!.slice(0, end.character);
            sel[0] = sel[0]!.slice(start.character);
            pieces.push({ kind: 'selection', score: 1, path: where, startLine: start.line + 1, endLine: end.line + 1, text: sel.join('\n') });
          }
        }
        if (c.includeOpenFile) pieces.push({ kind: 'open-file', score: 1, path: where, startLine: 1, endLine: lines.length, text });
      }
      if (c.diagnostics?.length) {
        pieces.push({ kind: 'diagnostics', score: 1, path: where, text: c.diagnostics.map((d) => (d.line !== undefined ? `line ${d.line + 1}: ${d.message}` : d.message)).join('\n') });
      }
    }
    const mentioned = c?.mentions?.length
      ? await resolveMentions({ root, openText: (u) => ctx.documents.get(u)?.getText(), index: () => ctx.index.whenReady() }, c.mentions)
      : { pieces: [], problems: [] };
    pieces.push(...mentioned.pieces);
    const retriever = ctx.retriever();
    if (params.retrieveLimit > 0) {
      for (const chunk of await retriever.retrieve(question, params.retrieveLimit, signal)) {
        pieces.push({ kind: 'retrieved', score: chunk.score, path: chunk.path, startLine: chunk.startLine, endLine: chunk.endLine, text: chunk.text });
      }
    }
    // After retrieval: it may have waited for the index, and the status says what it found.
    const retrieverStatus = retriever.status();

    let budget: BudgetResult | undefined;
    // Workspace content is data: fenced with a boundary drawn for this request, explained in the system prompt.
    const fence = newFence(pieces.map((p) => p.text));
    const system = pieces.length ? `${SYSTEM_PROMPT}\n\n${untrustedInstruction(fence)}` : SYSTEM_PROMPT;
    const prepare = (w: WindowInfo) => {
      budget = fitToWindow({
        fixed: [system, ...history.map((m) => m.content), question, `${fence.begin}\n${fence.end}\nQuestion: `],
        pieces,
        window: w.contextLength,
        reservedForAnswer: w.maxOutputTokens,
      });
      const context = fenceContent(fence, budget.kept.map(renderPiece).join('\n\n'));
      const messages: ChatMessage[] = [
        { role: 'system', content: system },
        ...history.map((m) => ({ role: m.role, content: m.content })),
        { role: 'user', content: context ? `${context}\n\nQuestion: ${question}` : question },
      ];
      return { messages, promptTokens: budget.promptTokens };
    };

    const streamId = params.streamId;
    try {
      // The router makes each model call a `chat {model}` span (GenAI conventions) under this request's span.
      const routed = await ctx.models.chat({
        role: params.role,
        signal,
        prepare,
        ...(streamId ? { onDelta: (text: string) => ctx.rpc.send(ChatDelta, { streamId, text }) } : {}),
      });
      const b = budget!;
      const ref = (p: { kind: ContextPiece['kind']; path?: string; startLine?: number; endLine?: number }) => ({
        kind: p.kind,
        ...(p.path ? { path: p.path } : {}),
        ...(p.startLine ? { startLine: p.startLine, endLine: p.endLine ?? p.startLine } : {}),
      });
      if (b.dropped.length) ctx.log.info('context dropped to fit the window', { dropped: b.dropped.length, window: b.window });
      const result: ChatSendResult = {
        answer: routed.result.text,
        model: routed.endpoint.model,
        endpoint: { role: routed.endpoint.role, label: routed.endpoint.label, provider: routed.endpoint.provider, baseUrl: routed.endpoint.baseUrl },
        finishReason: routed.result.finishReason,
        citations: citationsOf(b),
        context: {
          ...retrieverStatus,
          used: b.kept.map(ref),
          dropped: b.dropped.map((d) => ({ ...ref(d), tokens: d.tokens, reason: d.reason })),
          window: { contextLength: routed.window.contextLength, contextSource: routed.window.contextSource, promptTokens: b.promptTokens, reservedForAnswer: b.reservedForAnswer },
        },
        attempts: routed.attempts,
        warnings: [
          ...routed.result.warnings,
          ...(routed.window.contextSource === 'fallback' ? [`the context window of ${routed.endpoint.model} is unknown; assumed ${routed.window.contextLength} tokens (set contextLength in the role's endpoint)`] : []),
          ...(b.dropped.length ? [`${b.dropped.length} context piece(s) left out to fit the ${b.window}-token window`] : []),
          ...mentioned.problems,
        ],
        ...(routed.result.usage ? { usage: routed.result.usage } : {}),
      };
      return result;
    } catch (err) {
      if (err instanceof ModelError) {
        if (err.kind === 'cancelled') throw err;
        const attempts = (err as ModelError & { attempts?: Attempt[] }).attempts ?? [];
        throw new RpcError(errorCode(err), redactSecrets(err.message), { kind: err.kind, attempts });
      }
      throw err;
    }
  });
}
