/**
 * Where secrets are in a text: the ranges to mask. Two sources, both data-driven:
 *
 * 1. secretlint's recommended preset (`@secretlint/secretlint-rule-preset-recommend`, MIT, maintained upstream):
 *    AWS, GCP service-account keys, private keys (PEM), npm, basic-auth URLs, Slack, SendGrid, Shopify, GitHub,
 *    OpenAI, Linear, 1Password. Its rules are run here through the small part of secretlint's rule context they use
 *    (`report`, `createTranslator`), without secretlint's file engine. `filter-comments` is left out on purpose: a
 *    `secretlint-disable` comment written by a repository must not switch redaction off.
 * 2. `SUPPLEMENTARY_RULES` below, for what that preset version does not cover or cuts short, with their patterns
 *    taken from gitleaks' default config (MIT, `config/gitleaks.toml`, rule ids kept): GitLab, Stripe, Google API
 *    keys, Anthropic, AWS secret access keys in any `*secret*access*key` context or within 100 characters after an
 *    access key id (secretlint reports only the first characters of that key), PEM blocks cut by a chunk boundary,
 *    and generic `password=`/`secret=`/`token:` assignments whose value has high entropy.
 */
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';

export type Range = readonly [start: number, end: number];

interface SecretlintRule {
  meta: { id: string };
  create(context: unknown, options: Record<string, unknown>): { file?: (source: unknown) => unknown };
}

const PRESET_SKIPPED = new Set(['@secretlint/secretlint-rule-filter-comments']);
/**
 * The aws rule's id scan (`enableIDScanRule`) stays off: its account-id pattern alone cost 60 ms/MB (bench:redact),
 * and access key ids are masked by `aws-access-token` below.
 */
const PRESET_OPTIONS: Record<string, Record<string, unknown>> = {};
/**
 * Reports kept only when the reported text passes. The aws rule (10.x) reports a secret access key at the start of
 * the whole `aws_secret_access_key = …` match with the key's length, so its range covers the name and misses the
 * key's tail: only its key-shaped reports are kept; `aws-secret-access-key` below masks the secret itself.
 */
const PRESET_REPORT_FILTER: Record<string, (reported: string) => boolean> = {
  '@secretlint/secretlint-rule-aws': (reported) => /^[A-Za-z0-9/+=]+$/.test(reported),
};

/**
 * Substrings (lower case) without one of which a rule cannot match, read off each rule's patterns: a rule runs only
 * on text that contains one. A rule not listed always runs (a new preset version's rules included).
 */
const PRESET_HINTS: Record<string, readonly string[]> = {
  '@secretlint/secretlint-rule-aws': ['secret'],
  '@secretlint/secretlint-rule-gcp': ['private_key'],
  '@secretlint/secretlint-rule-privatekey': ['private key'],
  '@secretlint/secretlint-rule-npm': ['npm_', '_authtoken', 'x-oauth-basic'],
  '@secretlint/secretlint-rule-basicauth': ['://'],
  '@secretlint/secretlint-rule-slack': ['xox', 'xapp', 'slack'],
  '@secretlint/secretlint-rule-sendgrid': ['sg.'],
  '@secretlint/secretlint-rule-shopify': ['shp'],
  '@secretlint/secretlint-rule-github': ['gh', 'github_pat'],
  '@secretlint/secretlint-rule-openai': ['t3blbkfj'],
  '@secretlint/secretlint-rule-linear': ['lin_api_'],
  '@secretlint/secretlint-rule-1password': ['ops_'],
};

let sink: Array<{ id: string; range: Range }> = [];
const preset = (presetRules as unknown as SecretlintRule[])
  .filter((r) => !PRESET_SKIPPED.has(r.meta.id))
  .map((rule) => {
    const context = {
      report: (d: { range: Range }) => sink.push({ id: rule.meta.id, range: d.range }),
      ignore: () => undefined,
      createTranslator: () => (key: string) => key,
      sharedOptions: {},
    };
    return { id: rule.meta.id, hints: PRESET_HINTS[rule.meta.id], handler: rule.create(context, PRESET_OPTIONS[rule.meta.id] ?? {}) };
  });

/** Rule ids of the secretlint preset in use (for docs and tests). */
export const PRESET_RULE_IDS: readonly string[] = preset.map((p) => p.id);

export interface SupplementaryRule {
  id: string;
  /** With the `d` flag when `group` is set. Global. */
  pattern: RegExp;
  /** The capture group to mask (default: the whole match). */
  group?: number;
  /** Extra check on the masked text (e.g. entropy). */
  accept?: (value: string) => boolean;
  /** Run only when the text, in lower case, contains one of these (a cheap skip: each is necessary for a match). */
  hints?: readonly string[];
}

const B64 = 'A-Za-z0-9/+=';
const AWS_ID_HINTS = ['a3t', 'akia', 'asia', 'agpa', 'aida', 'aroa', 'aipa', 'anpa', 'anva'];
const AWS_KEY_ID = '(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}';

export const SUPPLEMENTARY_RULES: readonly SupplementaryRule[] = [
  { id: 'aws-access-token', pattern: new RegExp(`\\b${AWS_KEY_ID}\\b`, 'g'), hints: AWS_ID_HINTS },
  {
    id: 'aws-secret-access-key',
    pattern: new RegExp(`(?:aws)?_?secret_?(?:access)?_?key["']?\\s*(?::|=>|=)\\s*["']?([${B64}]{40})(?![${B64}])`, 'dgi'),
    group: 1,
    hints: ['secret'],
  },
  {
    id: 'aws-secret-after-key-id',
    pattern: new RegExp(`${AWS_KEY_ID}[\\s\\S]{0,100}?(?<![${B64}])([${B64}]{40})(?![${B64}])`, 'dg'),
    group: 1,
    accept: (v) => /[a-z]/.test(v) && /[A-Z0-9]/.test(v),
    hints: AWS_ID_HINTS,
  },
  // A whole block, or one cut by a chunk boundary (no END: mask to the end of the text).
  {
    id: 'private-key',
    pattern: /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$(?![\s\S]))/g,
    hints: ['private key'],
  },
  // The tail of a block whose BEGIN is in an earlier chunk: the base64 lines (and headers) before an END line.
  { id: 'private-key-tail', pattern: /(?:^|\n)((?:[A-Za-z0-9+/=]{16,}\r?\n)+-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)/dg, group: 1, hints: ['private key'] },
  { id: 'gitlab-pat', pattern: /\bglpat-[0-9A-Za-z_-]{20}\b/g, hints: ['glpat-'] },
  { id: 'gitlab-token', pattern: /\bgl(?:ptt|dt|rt|cbt|ft|imt|agent|oas|soat)-[0-9A-Za-z_-]{20,}\b/g, hints: ['glptt-', 'gldt-', 'glrt-', 'glcbt-', 'glft-', 'glimt-', 'glagent-', 'gloas-', 'glsoat-'] },
  { id: 'stripe-access-token', pattern: /\b(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99}\b/g, hints: ['k_test_', 'k_live_', 'k_prod_'] },
  { id: 'gcp-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, hints: ['aiza'] },
  { id: 'anthropic-api-key', pattern: /\bsk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{20,}\b/g, hints: ['sk-ant-'] },
  { id: 'openai-api-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{12,}\b/g, hints: ['sk-'] },
  { id: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{22,})\b/g, hints: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'] },
  { id: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, hints: ['xox'] },
  { id: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, hints: ['eyj'] },
  {
    id: 'generic-secret-assignment',
    pattern:
      /(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|client[_-]?secret|private[_-]?key|credentials?)["']?\s*(?::=|=>|:|=)\s*["'`]?([A-Za-z0-9+/=_\-!@#$%^&*.~]{8,200})(?![A-Za-z0-9+/=_\-!@#$%^&*.~])/dgi,
    group: 1,
    accept: (v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v) && shannonEntropy(v) >= 3,
    hints: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
  },
];

const hintPatterns = new WeakMap<readonly string[], RegExp>();
/** One case-insensitive scan for any of `hints` (no lower-cased copy of the text). */
function hintPattern(hints: readonly string[]): RegExp {
  let re = hintPatterns.get(hints);
  if (!re) hintPatterns.set(hints, (re = new RegExp(hints.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i')));
  return re;
}

/** Bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Ranges to mask in `text`, unsorted, possibly overlapping. */
export function findSecretRanges(text: string): Range[] {
  const out: Range[] = [];
  const reported: typeof sink = [];
  sink = reported;
  const hinted = (hints: readonly string[] | undefined) => !hints || hintPattern(hints).test(text);
  try {
    const source = { content: text, contentType: 'text', ext: '', filePath: undefined };
    for (const p of preset) {
      if (!hinted(p.hints)) continue;
      // A rule's async work (only the p12 check, which needs a file path) is never started without a path.
      const r = p.handler.file?.(source);
      if (r instanceof Promise) r.catch(() => undefined);
    }
  } finally {
    sink = [];
  }
  for (const { id, range } of reported) {
    const keep = PRESET_REPORT_FILTER[id];
    if (!keep || keep(text.slice(range[0], range[1]))) out.push(range);
  }
  for (const rule of SUPPLEMENTARY_RULES) {
    if (!hinted(rule.hints)) continue;
    for (const m of text.matchAll(rule.pattern)) {
      const g = rule.group ?? 0;
      const span = g === 0 ? ([m.index, m.index + m[0].length] as const) : m.indices?.[g];
      if (!span || span[1] <= span[0]) continue;
      if (rule.accept && !rule.accept(text.slice(span[0], span[1]))) continue;
      out.push([span[0], span[1]]);
    }
  }
  return out;
}
