/**
 * Secrets never reach logs, traces, run logs, memory, feedback, the index or exports. Keys that name a secret are
 * blanked; values found by the secret rules (security/secret-rules.ts: secretlint's recommended preset plus
 * gitleaks-derived patterns) or equal to a known secret (the configured API key) are masked wherever they appear.
 * A masked range keeps its line breaks, so line numbers of indexed chunks stay true.
 */
import { findSecretRanges, type Range } from './secret-rules';

export const REDACTED = '[redacted]';
const SECRET_KEY = /(api[-_]?key|token|secret|password|authorization|cookie)/i;

const known = new Set<string>();

/** Register a secret value (e.g. the configured API key) so it is masked even when it matches no pattern. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) known.add(value);
}

/** The registered values (handed to the index worker thread, which masks them before anything is stored). */
export function knownSecrets(): string[] {
  return [...known];
}

function knownRanges(text: string, out: Range[]): void {
  for (const s of known) {
    for (let i = text.indexOf(s); i !== -1; i = text.indexOf(s, i + s.length)) out.push([i, i + s.length]);
  }
}

export function redactText(text: string): string {
  if (text.length < 6) return text;
  const ranges = findSecretRanges(text);
  knownRanges(text, ranges);
  if (!ranges.length) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (let i = 0; i < ranges.length; i++) {
    const start = ranges[i]![0];
    let end = ranges[i]![1];
    // Overlapping or touching ranges become one mask.
    while (i + 1 < ranges.length && ranges[i + 1]![0] <= end) end = Math.max(end, ranges[++i]![1]);
    if (end <= at) continue;
    const from = Math.max(start, at);
    out += text.slice(at, from) + REDACTED + '\n'.repeat(countNewlines(text, from, end));
    at = end;
  }
  return out + text.slice(at);
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * `text` redacted, and at most `max` characters: clipped after redaction (a prefix of redacted text holds no
 * secret); a string over 16 × `max` is not even scanned, only its length is kept.
 */
export function redactClipped(text: string, max: number): string {
  if (text.length > 16 * max) return `[${text.length} characters omitted]`;
  const r = redactText(text);
  return r.length <= max ? r : `${r.slice(0, max)}… [${r.length - max} more characters]`;
}

/** `value` with secrets masked in every string; `maxString` also clips each string (stores that must stay small). */
export function redactValue(key: string, value: unknown, maxString?: number): unknown {
  // A number under a "token" key is a count (gen_ai.usage.input_tokens), never a credential.
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '' && typeof value !== 'number') return REDACTED;
  if (typeof value === 'string') return maxString === undefined ? redactText(value) : redactClipped(value, maxString);
  if (Array.isArray(value)) return value.map((v) => redactValue('', v, maxString));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(k, v, maxString);
    return out;
  }
  return value;
}
