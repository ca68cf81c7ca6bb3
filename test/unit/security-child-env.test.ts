// Child processes get an allow-listed environment: no credentials by name, no held secret by value; the server's own
// environment (as the CLI starts it) has no credential-looking variable; a server reading NOOTROPIC_API_KEY from its
// environment deletes it once read.
import { describe, expect, it } from 'vitest';
import { childEnv, holdSecret, serverEnv } from '../../shared/security/child-env';
import { Secrets } from '../../server/src/security/secrets';

describe('childEnv', () => {
  const source = {
    PATH: '/usr/bin',
    HOME: '/home/u',
    LANG: 'C.UTF-8',
    LC_ALL: 'C',
    TMPDIR: '/tmp',
    NOOTROPIC_API_KEY: 'nk-123456789',
    OPENAI_API_KEY: 'sk-abcdef123456',
    GITHUB_TOKEN: 'ghp_x',
    AWS_SECRET_ACCESS_KEY: 'wJalr',
    NODE_OPTIONS: '--require ./evil.js',
    RANDOM_VAR: 'x',
  };
  it('passes the allow-list only, never credential names', () => {
    expect(childEnv({}, source)).toEqual({ PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', LC_ALL: 'C', TMPDIR: '/tmp' });
  });

  it('adds what the user configured for that child, except a value carrying a held secret', () => {
    holdSecret('held-secret-value-42');
    expect(childEnv({ MCP_MODE: 'fast', LEAK: 'x held-secret-value-42 y', NOOTROPIC_API_KEY: 'k' }, { PATH: '/bin', HOME: 'held-secret-value-42' })).toEqual({ PATH: '/bin', MCP_MODE: 'fast' });
  });
});

describe('serverEnv', () => {
  it('keeps settings and paths, drops every credential-looking variable', () => {
    const env = serverEnv({ PATH: '/bin', NOOTROPIC_MODEL: 'm', NOOTROPIC_USER_CONFIG: '/c.yaml', NOOTROPIC_API_KEY: 'k', OPENAI_API_KEY: 'k2', GH_TOKEN: 't' }, { MALLOC_ARENA_MAX: '2' });
    expect(env).toEqual({ PATH: '/bin', NOOTROPIC_MODEL: 'm', NOOTROPIC_USER_CONFIG: '/c.yaml', MALLOC_ARENA_MAX: '2' });
  });
});

describe('Secrets', () => {
  it('reads NOOTROPIC_API_KEY once and, for its own environment, deletes it', () => {
    const env: Record<string, string | undefined> = { NOOTROPIC_API_KEY: 'nk-consumed-12345', PATH: '/bin' };
    const s = new Secrets(env, { consume: true });
    expect(s.apiKey).toBe('nk-consumed-12345');
    expect(env).toEqual({ PATH: '/bin' });
    // …and a child environment built afterwards cannot carry it under another name.
    expect(childEnv({ X: 'nk-consumed-12345' }, { PATH: '/bin', HOME: 'nk-consumed-12345' })).toEqual({ PATH: '/bin' });
  });
});
