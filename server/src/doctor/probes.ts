/**
 * Truthful health probes for `nootropic/doctor`: each one really tries (an HTTP request, a process spawn) and
 * reports what it saw. A degraded item is a result, never an exception.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { Config } from '../../../shared/config/schema';
import type { ModelEndpointReport, ProbeResult } from '../../../shared/protocol';
import { checkEndpointResolved } from '../security/endpoint-policy';
import type { ResolvedEndpoint } from '../models/endpoints';
import { probeLlamaCpp } from '../models/llamacpp';
import { checkGgufFile } from '../models/llamacpp-runtime';
import type { ModelRouter } from '../models/router';
import { childEnv } from '../../../shared/security/child-env';
import { findOnPath, notOnPath } from './on-path';

function joinUrl(base: string, suffix: string): string {
  return base.replace(/\/+$/, '') + suffix;
}

/**
 * One GET with node:http(s), not fetch: the first fetch compiles Node's bundled undici (hundreds of milliseconds
 * of a blocked event loop on a busy machine), and the background health probe runs at every start-up.
 */
async function getJson(url: string, timeoutMs: number, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
  // An explicit timer, not AbortSignal.any + AbortSignal.timeout: on node 20 a composite signal held by nothing
  // else can be collected before it fires, and the probe then waits forever on a silent endpoint.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const target = new URL(url);
      const get = target.protocol === 'https:' ? https.get : http.get;
      const req = get(target, { signal: controller.signal, headers: { accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (err: Error) => reject(controller.signal.aborted ? Object.assign(err, { cause: controller.signal.reason }) : err));
    });
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the message
    }
    return { status, body };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function describeFetchError(err: unknown, url: string, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const reason = (e as Error & { cause?: unknown }).cause ?? e;
  if (e.name === 'TimeoutError' || (reason instanceof DOMException && reason.name === 'TimeoutError')) return `no answer from ${url} within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'cancelled';
  const code = e.cause?.code ?? (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `connection refused at ${url}: is the server running?`;
  if (code === 'ENOTFOUND') return `host not found for ${url}`;
  return `${url}: ${e.cause?.message ?? e.message}`;
}

/** The path that proves a server of this provider is there (and lists its models). */
function probePath(provider: Config['models']['provider']): string {
  switch (provider) {
    case 'ollama':
      return '/api/tags';
    case 'anthropic':
      return '/v1/models';
    default:
      return '/models'; // OpenAI-compatible base URLs include /v1
  }
}

function modelNames(provider: Config['models']['provider'], body: unknown): string[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { models?: { name?: string; model?: string }[]; data?: { id?: string }[] };
  if (provider === 'ollama' && Array.isArray(b.models)) return b.models.map((m) => m.name ?? m.model ?? '').filter(Boolean);
  if (Array.isArray(b.data)) return b.data.map((m) => m.id ?? '').filter(Boolean);
  return undefined;
}

export async function probeModelEndpoint(
  role: string,
  models: Config['models'],
  signal: AbortSignal,
  timeoutMs = models.probeTimeoutMs,
): Promise<ModelEndpointReport> {
  const base = { role, provider: models.provider, baseUrl: models.baseUrl, model: models.model };
  if (models.provider === 'llamacpp') {
    try {
      checkGgufFile(models.model);
      return { ...base, reachable: true };
    } catch (err) {
      return { ...base, reachable: false, error: (err as Error).message };
    }
  }
  const decision = await checkEndpointResolved(models.baseUrl, models.allowCloud);
  if (!decision.allowed) return { ...base, reachable: false, error: decision.reason };
  const url = joinUrl(models.baseUrl, probePath(models.provider));
  const started = Date.now();
  try {
    const { status, body } = await getJson(url, timeoutMs, signal);
    const latencyMs = Date.now() - started;
    if (status === 401 || status === 403) {
      return { ...base, reachable: false, latencyMs, error: `${url} answered ${status}: check NOOTROPIC_API_KEY` };
    }
    if (status < 200 || status >= 300) {
      return { ...base, reachable: false, latencyMs, error: `${url} answered HTTP ${status}: is this a ${models.provider} endpoint?` };
    }
    const names = modelNames(models.provider, body);
    if (names && models.model && !names.some((n) => n === models.model || n === `${models.model}:latest`)) {
      const hint = models.provider === 'ollama' ? ` (run \`ollama pull ${models.model}\`)` : '';
      return { ...base, reachable: true, latencyMs, error: `model ${models.model} not found on the endpoint${hint}; it has: ${names.slice(0, 8).join(', ') || 'none'}` };
    }
    return { ...base, reachable: true, latencyMs };
  } catch (err) {
    if (signal.aborted) throw err;
    return { ...base, reachable: false, error: describeFetchError(err, url, timeoutMs) };
  }
}

/**
 * An embedded llama.cpp model: the GGUF file (present, really GGUF, its header readable) and node-llama-cpp with a
 * working prebuilt binary. Only runs when such a model is configured, so node-llama-cpp loads only then.
 */
export async function probeLlamaEndpoint(router: Pick<ModelRouter, 'llamaRuntime'>, ep: ResolvedEndpoint, signal: AbortSignal): Promise<ModelEndpointReport> {
  const base = { role: ep.label, provider: ep.provider, baseUrl: ep.baseUrl, model: ep.model };
  const started = Date.now();
  const r = await probeLlamaCpp(router.llamaRuntime(), ep.model, signal);
  return r.ok ? { ...base, reachable: true, latencyMs: Date.now() - started, detail: r.detail } : { ...base, reachable: false, error: r.error };
}

/** Runs a program for its version; one not on PATH fails with ENOENT without a spawn (see on-path.ts). */
async function run(cmd: string, args: string[], timeoutMs: number, signal: AbortSignal): Promise<{ stdout: string }> {
  const env = childEnv();
  if (!(await findOnPath(cmd, env))) throw notOnPath(cmd);
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, signal, windowsHide: true }, (err, stdout) =>
      err ? reject(err) : resolve({ stdout: String(stdout) }),
    );
  });
}

export async function probeSemgrep(signal: AbortSignal, timeoutMs = 10_000): Promise<ProbeResult> {
  try {
    const { stdout } = await run('semgrep', ['--version'], timeoutMs, signal);
    return { available: true, detail: `semgrep ${stdout.trim()}` };
  } catch (err) {
    if (signal.aborted) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    return {
      available: false,
      error:
        code === 'ENOENT'
          ? 'semgrep not found on PATH: security rules are off (install with `pipx install semgrep`)'
          : `semgrep failed to start: ${(err as Error).message}`,
    };
  }
}

/** Ollama: the local server on its default port, or at least its CLI on PATH. */
export async function probeOllama(signal: AbortSignal, timeoutMs: number): Promise<ProbeResult> {
  const url = 'http://127.0.0.1:11434/api/version';
  try {
    const { status, body } = await getJson(url, timeoutMs, signal);
    const version = (body as { version?: string } | null)?.version;
    if (status === 200) return { available: true, detail: `server at http://127.0.0.1:11434${version ? ` (version ${version})` : ''}` };
  } catch (err) {
    if (signal.aborted) throw err;
  }
  try {
    const { stdout } = await run('ollama', ['--version'], 5_000, signal);
    return { available: false, detail: stdout.trim(), error: 'ollama is installed but its server is not running: start it with `ollama serve`' };
  } catch (err) {
    if (signal.aborted) throw err;
    return { available: false, error: 'ollama not found (no server on 127.0.0.1:11434, no `ollama` on PATH): install it from ollama.com or configure another endpoint' };
  }
}
