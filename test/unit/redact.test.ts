import { describe, expect, it } from 'vitest';
import { redactText, redactValue, registerSecret } from '../../server/src/security/redact';

describe('secret redaction', () => {
  it('masks values that look like API keys and keys that name secrets', () => {
    expect(redactText('Authorization: Bearer sk-abcdefghijklmnop1234')).toBe('Authorization: Bearer [redacted]');
    expect(redactText('token ghp_abcdefghijklmnopqrstuvwx12')).toBe('token [redacted]');
    expect(redactValue('apiKey', 'anything')).toBe('[redacted]');
    expect(redactValue('', { headers: { authorization: 'x' }, model: 'llama3' })).toEqual({ headers: { authorization: '[redacted]' }, model: 'llama3' });
    expect(redactValue('prompt', 'refactor the tokenizer')).toBe('refactor the tokenizer');
    // Token counts (GenAI conventions) stay readable; a token string does not.
    expect(redactValue('', { 'gen_ai.usage.input_tokens': 42, access_token: 'abc' })).toEqual({ 'gen_ai.usage.input_tokens': 42, access_token: '[redacted]' });
  });

  it('masks a registered secret wherever it appears', () => {
    registerSecret('plain-looking-secret-value');
    expect(redactText('url?k=plain-looking-secret-value&x=1')).toBe('url?k=[redacted]&x=1');
  });
});
