/**
 * Secrets never reach logs, traces, run logs or exports. Keys that name a secret are blanked; values that look
 * like API keys (or equal a known secret) are masked wherever they appear in a string.
 */
const SECRET_KEY = /(api[-_]?key|token|secret|password|authorization|cookie)/i;
const SECRET_VALUE = /\b(sk-[A-Za-z0-9_-]{12,}|sk-ant-[A-Za-z0-9_-]{12,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abp]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g;

const known = new Set<string>();

/** Register a secret value (e.g. the configured API key) so it is masked even when it matches no pattern. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) known.add(value);
}

export function redactText(text: string): string {
  let out = text.replace(SECRET_VALUE, '[redacted]');
  for (const s of known) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

export function redactValue(key: string, value: unknown): unknown {
  // A number under a "token" key is a count (gen_ai.usage.input_tokens), never a credential.
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '' && typeof value !== 'number') return '[redacted]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue('', v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(k, v);
    return out;
  }
  return value;
}
