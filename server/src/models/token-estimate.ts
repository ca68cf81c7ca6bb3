/**
 * A token estimate without a tokenizer: code runs ~3–4 characters per token in BPE vocabularies, and words
 * outside ASCII cost more. Errs high on purpose: overestimating drops one more chunk, underestimating makes a
 * server truncate the prompt silently.
 */
export function estimateTokens(text: string): number {
  if (!text) return 0;
  let ascii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 128) ascii++;
  const other = text.length - ascii;
  return Math.ceil(ascii / 3.2 + other * 1.0);
}

/** Per-message overhead of chat templates (role markers, separators). */
export const MESSAGE_OVERHEAD_TOKENS = 8;
