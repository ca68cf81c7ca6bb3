/**
 * Fits context into a model's window. The question and the instructions always go in; context pieces are
 * kept in rank order (selection, diagnostics, open file, then retrieved chunks by score) and the lowest
 * ranked are dropped first until the prompt plus the reserved answer fits. Whatever is dropped is reported,
 * so a caller can say "3 chunks left out" instead of silently answering from less.
 */
import { ModelError } from './errors';
import { estimateTokens, MESSAGE_OVERHEAD_TOKENS } from './token-estimate';

export type ContextKind = 'selection' | 'diagnostics' | 'git-diff' | 'open-file' | 'retrieved';

export interface ContextPiece {
  kind: ContextKind;
  /** Higher is more important within a kind. */
  score: number;
  path?: string;
  startLine?: number;
  endLine?: number;
  text: string;
}

export interface DroppedPiece {
  kind: ContextKind;
  path?: string;
  startLine?: number;
  endLine?: number;
  tokens: number;
  reason: string;
}

export interface BudgetResult {
  kept: ContextPiece[];
  dropped: DroppedPiece[];
  promptTokens: number;
  window: number;
  reservedForAnswer: number;
}

const KIND_RANK: Record<ContextKind, number> = { selection: 0, diagnostics: 1, 'git-diff': 2, 'open-file': 3, retrieved: 4 };

export function rankPieces(pieces: readonly ContextPiece[]): ContextPiece[] {
  return [...pieces].sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || b.score - a.score);
}

/** Tokens a piece costs once rendered into the prompt (its header line included). */
export function pieceTokens(p: ContextPiece): number {
  return estimateTokens(renderPiece(p)) + 2;
}

export function renderPiece(p: ContextPiece): string {
  const where = p.path ? `${p.path}${p.startLine ? `:${p.startLine}-${p.endLine ?? p.startLine}` : ''}` : p.kind;
  return `--- ${p.kind}: ${where}\n${p.text}`;
}

export function fitToWindow(opts: { fixed: string[]; pieces: readonly ContextPiece[]; window: number; reservedForAnswer: number }): BudgetResult {
  const fixedTokens = opts.fixed.reduce((n, t) => n + estimateTokens(t) + MESSAGE_OVERHEAD_TOKENS, 0);
  const room = opts.window - opts.reservedForAnswer - fixedTokens;
  if (room < 0) {
    throw new ModelError(
      'too-large',
      `the question and instructions need ~${fixedTokens} tokens but the model's window is ${opts.window} with ${opts.reservedForAnswer} reserved for the answer: shorten the question or use a model with a larger context`,
    );
  }
  const kept: ContextPiece[] = [];
  const dropped: DroppedPiece[] = [];
  let used = 0;
  for (const p of rankPieces(opts.pieces)) {
    const cost = pieceTokens(p);
    const where = { kind: p.kind, ...(p.path ? { path: p.path } : {}), ...(p.startLine ? { startLine: p.startLine, endLine: p.endLine ?? p.startLine } : {}) };
    if (used + cost <= room) {
      kept.push(p);
      used += cost;
    } else {
      dropped.push({ ...where, tokens: cost, reason: `does not fit: ${room - used} of ${opts.window} tokens left` });
    }
  }
  return { kept, dropped, promptTokens: fixedTokens + used, window: opts.window, reservedForAnswer: opts.reservedForAnswer };
}
