/**
 * A model answer with workspace context: fits the pieces to the window of whichever model in the role's chain
 * answers, fences them as untrusted data, streams deltas, and reports exactly what the model was shown
 * (citations, used and dropped pieces, the window).
 */
import { NootropicErrorCodes, type ChatSendResult, type Citation } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { ModelError } from '../models/errors';
import { fitToWindow, renderPiece, type BudgetResult, type ContextPiece } from '../models/prompt-budget';
import type { Attempt, WindowInfo } from '../models/router';
import type { ChatMessage } from '../models/types';
import { fenceContent, newFence, untrustedInstruction } from '../prompts/fence';
import { RpcError } from '../rpc/registry';
import { redactSecrets } from '../security/secrets';
import { SYSTEM_PROMPT } from './prompts';

export interface AnswerRequest {
  role: 'chat' | 'edit' | 'plan';
  history: { role: 'user' | 'assistant'; content: string }[];
  question: string;
  pieces: ContextPiece[];
  retrieverStatus: { index: 'ready' | 'unavailable'; retriever: string; detail: string };
  signal: AbortSignal;
  onDelta?: (text: string) => void;
}

export type ModelAnswer = Omit<ChatSendResult, 'kind'>;

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

export async function modelAnswer(ctx: Pick<ServerContext, 'models' | 'log'>, req: AnswerRequest): Promise<ModelAnswer> {
  const { pieces, history, question } = req;
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

  try {
    // The router makes each model call a `chat {model}` span (GenAI conventions) under this request's span.
    const routed = await ctx.models.chat({ role: req.role, signal: req.signal, prepare, ...(req.onDelta ? { onDelta: req.onDelta } : {}) });
    const b = budget!;
    const ref = (p: { kind: ContextPiece['kind']; path?: string; startLine?: number; endLine?: number }) => ({
      kind: p.kind,
      ...(p.path ? { path: p.path } : {}),
      ...(p.startLine ? { startLine: p.startLine, endLine: p.endLine ?? p.startLine } : {}),
    });
    if (b.dropped.length) ctx.log.info('context dropped to fit the window', { dropped: b.dropped.length, window: b.window });
    return {
      answer: routed.result.text,
      model: routed.endpoint.model,
      endpoint: { role: routed.endpoint.role, label: routed.endpoint.label, provider: routed.endpoint.provider, baseUrl: routed.endpoint.baseUrl },
      finishReason: routed.result.finishReason,
      citations: citationsOf(b),
      context: {
        ...req.retrieverStatus,
        used: b.kept.map(ref),
        dropped: b.dropped.map((d) => ({ ...ref(d), tokens: d.tokens, reason: d.reason })),
        window: { contextLength: routed.window.contextLength, contextSource: routed.window.contextSource, promptTokens: b.promptTokens, reservedForAnswer: b.reservedForAnswer },
      },
      attempts: routed.attempts,
      warnings: [
        ...routed.result.warnings,
        ...(routed.window.contextSource === 'fallback' ? [`the context window of ${routed.endpoint.model} is unknown; assumed ${routed.window.contextLength} tokens (set contextLength in the role's endpoint)`] : []),
        ...(b.dropped.length ? [`${b.dropped.length} context piece(s) left out to fit the ${b.window}-token window`] : []),
      ],
      ...(routed.result.usage ? { usage: routed.result.usage } : {}),
    };
  } catch (err) {
    if (err instanceof ModelError) {
      if (err.kind === 'cancelled') throw err;
      const attempts = (err as ModelError & { attempts?: Attempt[] }).attempts ?? [];
      throw new RpcError(errorCode(err), redactSecrets(err.message), { kind: err.kind, attempts });
    }
    throw err;
  }
}

/** The result shape for answers that did not come from a model (search, plan, plugin commands). */
export function noModelResult(ctx: Pick<ServerContext, 'retriever'>, role: 'chat' | 'edit' | 'plan', answer: string, source: string): ModelAnswer {
  return {
    answer,
    model: source,
    endpoint: { role, label: source, provider: 'plugin', baseUrl: '' },
    finishReason: 'stop',
    citations: [],
    context: { ...ctx.retriever().status(), used: [], dropped: [], window: { contextLength: 0, contextSource: 'fallback', promptTokens: 0, reservedForAnswer: 0 } },
    attempts: [],
    warnings: [],
  };
}
