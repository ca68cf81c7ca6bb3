import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, redactValue, registerSecret } from '../../server/src/security/redact';
import { PRESET_RULE_IDS, SUPPLEMENTARY_RULES, findSecretRanges } from '../../server/src/security/secret-rules';
import { AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, GITLAB_TOKEN, GOOGLE_KEY, NEEDLES, PEM, SECRET_CONFIG, SECRET_SOURCE, SLACK_TOKEN, STRIPE_KEY } from '../support/secret-fixtures';

const leaks = (text: string) => NEEDLES.filter((n) => text.includes(n));

describe('security: the secret rule set', () => {
  it('loads secretlint\'s recommended preset as its rules (the maintained data), without the comment filter', () => {
    for (const id of ['aws', 'privatekey', 'github', 'slack', 'npm', 'basicauth']) expect(PRESET_RULE_IDS).toContain(`@secretlint/secretlint-rule-${id}`);
    expect(PRESET_RULE_IDS).not.toContain('@secretlint/secretlint-rule-filter-comments');
    for (const r of SUPPLEMENTARY_RULES) expect(r.pattern.global, r.id).toBe(true);
  });

  it('masks AWS key pairs, PEM blocks and GitHub/GitLab/Slack/Stripe/Google tokens and high-entropy passwords', () => {
    expect(leaks(redactText(SECRET_CONFIG))).toEqual([]);
    expect(leaks(redactText(SECRET_SOURCE))).toEqual([]);
    for (const s of [AWS_KEY_ID, GITHUB_TOKEN, GITLAB_TOKEN, SLACK_TOKEN, STRIPE_KEY, GOOGLE_KEY]) expect(redactText(`value ${s} end`)).toBe(`value ${REDACTED} end`);
    // The AWS secret needs its context (any 40-char base64 string alone is not a secret).
    expect(redactText(`AWS_SECRET_ACCESS_KEY="${AWS_SECRET}"`)).not.toContain(AWS_SECRET.slice(5));
    expect(redactText(`${AWS_KEY_ID}:${AWS_SECRET}`)).not.toContain(AWS_SECRET.slice(5));
  });

  it('masks a PEM block as a whole, keeping its line breaks, and also when a chunk boundary cuts it', () => {
    const text = `before\n${PEM}\nafter`;
    const out = redactText(text);
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(out.startsWith('before\n[redacted]\n')).toBe(true);
    expect(out.endsWith('\nafter')).toBe(true);
    const lines = PEM.split('\n');
    expect(leaks(redactText(lines.slice(0, 10).join('\n')))).toEqual([]);
    expect(leaks(redactText(['const x = 1;', ...lines.slice(15)].join('\n')))).toEqual([]);
    expect(redactText(['const x = 1;', ...lines.slice(15)].join('\n')).startsWith('const x = 1;\n[redacted]')).toBe(true);
  });

  it('leaves ordinary code alone', () => {
    const code = [
      "const token = this.nextToken();",
      "password: z.string().min(8),",
      "const secret = process.env.SECRET;",
      "const sha = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';",
      "if (tokens > 4096) throw new Error('too long');",
    ].join('\n');
    expect(redactText(code)).toBe(code);
    expect(findSecretRanges('hello world, nothing here')).toEqual([]);
  });

  it('masks registered key values wherever they appear, and values under secret-named keys', () => {
    registerSecret('plain-looking-configured-key');
    expect(redactText('k=plain-looking-configured-key;plain-looking-configured-key')).toBe(`k=${REDACTED};${REDACTED}`);
    expect(redactValue('', { apiKey: 'x', nested: [`key ${GITHUB_TOKEN}`] })).toEqual({ apiKey: REDACTED, nested: [`key ${REDACTED}`] });
  });
});
