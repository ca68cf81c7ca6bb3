/**
 * The health report behind `nootropic/doctor`, the status bar and the startup log: every dependency probed for
 * real (HTTP requests, process spawns), reported truthfully; degraded items are results, never exceptions.
 */
import { PROTOCOL_VERSION, type DoctorReport } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { checkGrammarFiles, checkGrammars } from '../syntax/parser';
import { REQUIRED_NODE } from '../version';
import { DEFAULT_BASE_URLS, endpointKey } from '../models/endpoints';
import { detectHardware } from '../models/hardware';
import { configuredEndpoints } from '../models/models-report';
import { recommendLocalModel } from '../models/recommend';
import { registryModels } from '../models/registry';
import { probeCompletion } from '../completion/probe';
import { probeLlamaEndpoint, probeModelEndpoint, probeOllama, probeSemgrep } from './probes';

function nodeSatisfies(required: string, actual: string): boolean {
  const want = /(\d+)\.(\d+)/.exec(required);
  const have = /v?(\d+)\.(\d+)/.exec(actual);
  if (!want || !have) return true;
  const [wm, wn] = [Number(want[1]), Number(want[2])];
  const [hm, hn] = [Number(have[1]), Number(have[2])];
  return hm > wm || (hm === wm && hn >= wn);
}

/** Model names installed on the Ollama servers we know of (for the recommendation); unreachable ones add none. */
async function installedOllamaModels(ctx: Pick<ServerContext, 'models'>, urls: string[], timeoutMs: number, signal: AbortSignal): Promise<string[]> {
  const lists = await Promise.all(
    urls.map((baseUrl) =>
      ctx.models
        .adapter({ role: 'chat', index: 0, provider: 'ollama', baseUrl, model: '', toolCalls: 'auto', label: 'discovery' }, timeoutMs)
        .listModels(signal)
        .then((ms) => ms.map((m) => m.name))
        .catch(() => [] as string[]),
    ),
  );
  return lists.flat();
}

/**
 * Starts each probe in a turn of the event loop of its own, one after another: their synchronous parts (a process
 * spawn forks the server, a socket is set up) would otherwise block the loop as one piece at every start-up,
 * in front of the editor's first requests. The probes still run side by side once started.
 */
function staggered(): <T>(start: () => Promise<T>) => Promise<T> {
  let gate: Promise<void> = Promise.resolve();
  return (start) => {
    gate = gate.then(() => new Promise<void>((r) => setImmediate(r)));
    return gate.then(start);
  };
}

export async function buildDoctorReport(
  ctx: Pick<ServerContext, 'config' | 'info' | 'index' | 'models' | 'retriever' | 'status' | 'secrets'>,
  signal: AbortSignal,
  timeoutOverrideMs?: number,
  /**
   * An explicit doctor run: send one real fill-in-the-middle request and load every grammar. The background probe
   * does neither (it must not load a model, nor block the event loop compiling grammars at start-up).
   */
  explicit = false,
): Promise<DoctorReport> {
    const config = ctx.config.config;
    const timeoutMs = timeoutOverrideMs ?? config.models.probeTimeoutMs;
    const endpoints = configuredEndpoints(ctx.models, (role) => config.models.roles[role].length > 0);
    const ollamaUrls = [...new Set([DEFAULT_BASE_URLS.ollama, ...endpoints.filter((e) => e.provider === 'ollama').map((e) => e.baseUrl)])];
    const turn = staggered();
    const [models, semgrep, ollama, grammars, hardware, installed, , completion] = await Promise.all([
      Promise.all(
        endpoints.map((ep) =>
          turn(() =>
            ep.provider === 'llamacpp'
              ? probeLlamaEndpoint(ctx.models, ep, signal)
              : probeModelEndpoint(ep.label, { ...config.models, provider: ep.provider, baseUrl: ep.baseUrl, model: ep.model }, signal, timeoutMs),
          ),
        ),
      ),
      turn(() => probeSemgrep(signal)),
      turn(() => probeOllama(signal, timeoutMs)),
      explicit ? checkGrammars() : turn(async () => checkGrammarFiles()),
      turn(() => detectHardware(signal)),
      // The models installed (for the recommendation) are listed through the Ollama client, whose first fetch
      // compiles undici: an explicit doctor run asks; the background probe at start-up does not.
      explicit ? installedOllamaModels(ctx, ollamaUrls, timeoutMs, signal) : ([] as string[]),
      // Domains still starting (plugins activating, bounded by their own timeout) report their outcome first.
      ctx.status.settled(Math.max(timeoutMs, config.plugins.activateTimeoutMs + 1_000)),
      config.completion.enabled && explicit ? probeCompletion(config, ctx.models, ctx.secrets.apiKey, signal, timeoutMs) : undefined,
    ]);
    // An endpoint the router's circuit breaker is resting is worth saying even when the probe got through.
    for (const m of models) {
      const ep = endpoints.find((e) => e.label === m.role);
      const breaker = ep ? ctx.models.breaker(ep) : undefined;
      if (ep && breaker && breaker.state !== 'closed' && !m.error) m.error = `recent requests to ${endpointKey(ep)} failed (${breaker.reason ?? 'unknown'}); requests are paused briefly`;
    }
    const recommended = recommendLocalModel(hardware, registryModels(), installed);
    // A report right after start-up should show the index, not "loading": wait for it within the probe budget.
    await ctx.index.waitUntilSearchable(timeoutMs);
    const index = ctx.index.current();
    const persisted = ctx.index.persisted();
    const snap = persisted?.snapshot;
    const indexOnDisk = persisted
      ? {
          dir: persisted.dir,
          present: Boolean(snap),
          ...(snap
            ? { files: snap.files, chunks: snap.chunks, mode: snap.embedder === 'none' ? ('lexical' as const) : ('hybrid' as const), embedder: snap.embedder, builtAt: new Date(snap.builtAt).toISOString(), ageMs: snap.ageMs }
            : {}),
        }
      : undefined;
    const embedder = ctx.index.embedderStatus();
    const context = ctx.retriever().status();
    const node = { version: process.version, required: REQUIRED_NODE, ok: nodeSatisfies(REQUIRED_NODE, process.version) };
    const degraded: string[] = [];
    if (!node.ok) degraded.push(`node ${process.version} is older than required ${REQUIRED_NODE}`);
    for (const s of ctx.config.sourceReports) if (s.error) degraded.push(`config: ${s.error}`);
    if (!ctx.config.workspaceTrusted) degraded.push('workspace not trusted: no agent writes, commands or workspace plugins (restricted mode)');
    for (const m of models) if (!m.reachable || m.error) degraded.push(`model ${m.role} (${m.provider} ${m.baseUrl}): ${m.error ?? 'unreachable'}`);
    if (context.index === 'unavailable') degraded.push(`workspace index: ${context.detail}`);
    else if (indexOnDisk && !indexOnDisk.present && index.state !== 'ready') degraded.push(`workspace index: none on disk yet (${index.state}); run \`nootropic index\` to build it`);
    if (!semgrep.available) degraded.push(`semgrep: ${semgrep.error}`);
    if (!ollama.available) degraded.push(`ollama: ${ollama.error}`);
    if (!embedder.available) degraded.push(`embedder: ${embedder.error}`);
    for (const f of grammars.failed) degraded.push(`grammar ${f.name}: ${f.error}`);
    if (index.state === 'error') degraded.push(`index: ${index.message ?? 'failed'}`);
    const runtime = ctx.index.runtime();
    if (runtime.inlineReason && runtime.inlineReason !== 'NOOTROPIC_INDEX_INLINE=1') degraded.push(`index: ${runtime.inlineReason}`);
    if (runtime.crashes && index.state !== 'error') degraded.push(`index: the index worker crashed ${runtime.crashes} time(s) and was restarted (last: ${runtime.lastCrash})`);
    if (completion && !completion.reachable) degraded.push(`completion (${completion.endpoint ? `${completion.endpoint.provider} ${completion.endpoint.baseUrl} ${completion.endpoint.model}` : 'no endpoint'}): ${completion.error ?? 'unreachable'}`);
    // What domains report through status (failed plugins, ...) belongs here too; not doctor's own last probe.
    for (const reason of ctx.status.degradedExcept('health')) if (!degraded.includes(reason)) degraded.push(reason);

    const report: DoctorReport = {
      version: ctx.info.version,
      protocolVersion: PROTOCOL_VERSION,
      node,
      workspace: { root: ctx.config.workspaceRoot, trusted: ctx.config.workspaceTrusted },
      server: { state: 'running', pid: process.pid, transport: ctx.info.transport, uptimeMs: Date.now() - ctx.info.startedAt },
      config: { sources: [...ctx.config.sourceReports] },
      models,
      hardware,
      recommended,
      context,
      tools: {
        semgrep,
        ollama,
        embedder,
        grammars: {
          available: grammars.failed.length === 0,
          languages: grammars.loaded,
          ...(grammars.failed.length ? { error: grammars.failed.map((f) => `${f.name}: ${f.error}`).join('; ') } : {}),
        },
      },
      index,
      ...(indexOnDisk ? { indexOnDisk } : {}),
      ...(completion ? { completion } : {}),
      degraded,
    };
    return report;
}
