// Retries, backoff, circuit breakers and fallback chains, through the router against the stand-in.
import dc from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../../shared/config/schema';
import { createLogger } from '../../../server/src/log';
import { CircuitBreaker } from '../../../server/src/models/circuit-breaker';
import { ModelError } from '../../../server/src/models/errors';
import { backoffDelay, withRetries } from '../../../server/src/models/retry';
import { ModelRouter, type WindowInfo } from '../../../server/src/models/router';
import { Secrets } from '../../../server/src/security/secrets';
import { closedPort, startModelStandin, type Standin } from '../../support/model-standin';

const standins: Standin[] = [];
afterEach(async () => {
  await Promise.all(standins.splice(0).map((s) => s.close()));
});
async function standin(...args: Parameters<typeof startModelStandin>) {
  const s = await startModelStandin(...args);
  standins.push(s);
  return s;
}

function modelsConfig(patch: Partial<Config['models']>): Config['models'] {
  return { ...defaultConfig().models, maxRetries: 2, ...patch };
}

function router(models: Config['models'], health: string[][] = []) {
  return new ModelRouter({ models: () => models, secrets: new Secrets({}), log: createLogger(() => {}, 'error'), onHealth: (r) => health.push(r) });
}

const prepare = (w: WindowInfo) => ({ messages: [{ role: 'user' as const, content: `window ${w.contextLength}` }], promptTokens: 20 });

describe('backoff', () => {
  it('doubles from the base, is capped, and jitters within [50%, 100%]', () => {
    const p = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(0, { ...p, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay(0, { ...p, random: () => 0 })).toBe(50);
    expect(backoffDelay(3, { ...p, random: () => 0.999999 })).toBe(800);
    expect(backoffDelay(8, { ...p, random: () => 0.999999 })).toBe(1_000);
  });

  it('retries only retryable errors, at most maxRetries times, and stops when cancelled', async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      return Promise.reject(new ModelError('server', 'boom'));
    };
    const signal = new AbortController().signal;
    await expect(withRetries(flaky, { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 }, signal)).rejects.toMatchObject({ kind: 'server' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetries(() => (calls++, Promise.reject(new ModelError('auth', 'no'))), { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 }, signal)).rejects.toMatchObject({ kind: 'auth' });
    expect(calls).toBe(1);
    const controller = new AbortController();
    const pending = withRetries(flaky, { maxRetries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, controller.signal);
    setImmediate(() => controller.abort());
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, rests for the cooldown, then lets one trial through', () => {
    let now = 0;
    const b = new CircuitBreaker({ threshold: 2, cooldownMs: 1_000, now: () => now });
    b.failure('x');
    expect(b.acquire().ok).toBe(true);
    b.failure('x');
    expect(b.state).toBe('open');
    expect(b.acquire()).toMatchObject({ ok: false, retryInMs: 1_000 });
    now = 1_000;
    expect(b.state).toBe('half-open');
    expect(b.acquire().ok).toBe(true);
    expect(b.acquire().ok).toBe(false); // one trial at a time
    b.failure('still down');
    expect(b.state).toBe('open');
    now = 2_500;
    expect(b.acquire().ok).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
  });
});

describe('ModelRouter', () => {
  it('retries a 429/500 burst with backoff on the same endpoint, then answers', async () => {
    const s = await standin({ replies: [{ status: 429, retryAfter: '0' }, { status: 500 }, { text: 'finally' }] });
    const r = router(modelsConfig({ provider: 'openai', baseUrl: `${s.url}/v1`, model: 'qwen2.5-coder:7b' }));
    const out = await r.chat({ role: 'chat', signal: new AbortController().signal, prepare });
    expect(out.result.text).toBe('finally');
    expect(s.calls('/v1/chat/completions')).toHaveLength(3);
    expect(out.attempts).toEqual([]);
  });

  it('falls back down the chain when an endpoint is dead, and reports the failure', async () => {
    const dead = await closedPort();
    const s = await standin({ replies: [{ text: 'from fallback' }] });
    const health: string[][] = [];
    const r = router(
      modelsConfig({
        roles: {
          chat: [
            { provider: 'ollama', baseUrl: `http://127.0.0.1:${dead}`, model: 'qwen2.5-coder:7b' },
            { provider: 'ollama', baseUrl: s.url, model: 'qwen2.5-coder:7b' },
          ],
          edit: [],
          plan: [],
          embed: [],
          completion: [],
        },
      }),
      health,
    );
    const out = await r.chat({ role: 'chat', signal: new AbortController().signal, prepare });
    expect(out.result.text).toBe('from fallback');
    expect(out.endpoint.label).toBe('chat fallback 1');
    expect(out.attempts).toHaveLength(1);
    expect(out.attempts[0]).toMatchObject({ kind: 'unreachable', error: expect.stringContaining('connection refused') });
    expect(health.at(-1)!.join()).toContain('connection refused');
    // The window came from the server's /api/show, and the prompt was built for it.
    expect(out.window).toMatchObject({ contextLength: 32_768, contextSource: 'server' });
    expect((s.calls('/api/chat')[0]!.body as { options: { num_ctx: number } }).options.num_ctx).toBe(2_048);
  });

  it('opens the circuit after repeated failures and then skips the endpoint without connecting', async () => {
    const dead = await closedPort();
    const r = router(modelsConfig({ provider: 'ollama', baseUrl: `http://127.0.0.1:${dead}`, model: 'm' }));
    for (let i = 0; i < 3; i++) await expect(r.chat({ role: 'chat', signal: new AbortController().signal, prepare })).rejects.toMatchObject({ kind: 'unreachable' });
    const err = await r.chat({ role: 'chat', signal: new AbortController().signal, prepare }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'circuit-open', message: expect.stringContaining('repeated failures') });
  });

  it('refuses a non-loopback endpoint before any connection, with the opt-in in the message', async () => {
    const connects: unknown[] = [];
    const onConnect = (m: unknown) => connects.push(m);
    dc.subscribe('undici:client:beforeConnect', onConnect);
    dc.subscribe('net.client.socket', onConnect);
    try {
      const r = router(modelsConfig({ provider: 'openai', baseUrl: 'https://203.0.113.7/v1', model: 'gpt-4o' }));
      const err = await r.chat({ role: 'chat', signal: new AbortController().signal, prepare }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'policy', message: expect.stringContaining('NOOTROPIC_ALLOW_CLOUD=1') });
      expect(connects).toEqual([]);
    } finally {
      dc.unsubscribe('undici:client:beforeConnect', onConnect);
      dc.unsubscribe('net.client.socket', onConnect);
    }
  });

  it('does not fall back once answer text has streamed', async () => {
    const a = await standin({ replies: [{ chunks: ['partial '], resetAfter: 1, delayMs: 100 }] });
    const b = await standin({ replies: [{ text: 'should not be used' }] });
    const r = router(
      modelsConfig({
        roles: { chat: [{ provider: 'openai', baseUrl: `${a.url}/v1`, model: 'x' }, { provider: 'openai', baseUrl: `${b.url}/v1`, model: 'x' }], edit: [], plan: [], embed: [], completion: [] },
      }),
    );
    const err = await r.chat({ role: 'chat', signal: new AbortController().signal, prepare }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringContaining('no fallback once text has streamed') });
    expect(b.calls('/v1/chat/completions')).toHaveLength(0);
  });

  it('embeds through the embed role and says when none is configured', async () => {
    const s = await standin({ models: ['nomic-embed-text'] });
    const none = router(modelsConfig({}));
    await expect(none.embed(['x'], new AbortController().signal)).rejects.toMatchObject({ kind: 'unsupported', message: expect.stringContaining('roles.embed') });
    const r = router(modelsConfig({ roles: { chat: [], edit: [], plan: [], embed: [{ provider: 'ollama', baseUrl: s.url, model: 'nomic-embed-text' }], completion: [] } }));
    const out = await r.embed(['a', 'b'], new AbortController().signal);
    expect(out.vectors).toHaveLength(2);
  });
});
