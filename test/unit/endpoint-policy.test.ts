import { describe, expect, it } from 'vitest';
import { checkEndpoint, isLoopbackHost } from '../../server/src/security/endpoint-policy';

describe('endpoint policy', () => {
  it('treats loopback names and addresses as local', () => {
    for (const h of ['localhost', '127.0.0.1', '127.8.9.10', '[::1]', '::1', 'api.localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.1', '192.168.1.2', 'example.com', '0.0.0.0', '::', 'localhost.example.com']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a non-loopback URL without opt-in, saying how to opt in', () => {
    const d = checkEndpoint('https://api.openai.com/v1', false);
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.reason).toMatch(/NOOTROPIC_ALLOW_CLOUD=1/);
    expect(checkEndpoint('https://api.openai.com/v1', true).allowed).toBe(true);
    expect(checkEndpoint('http://127.0.0.1:11434', false).allowed).toBe(true);
  });

  it('rejects junk URLs and other protocols with a reason', () => {
    expect(checkEndpoint('not a url', true)).toMatchObject({ allowed: false, reason: expect.stringMatching(/invalid endpoint URL/) });
    expect(checkEndpoint('file:///etc/passwd', true)).toMatchObject({ allowed: false, reason: expect.stringMatching(/unsupported protocol/) });
  });
});
