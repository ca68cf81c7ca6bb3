/** `nootropic/doctor`: every dependency probed for real, reported truthfully; degraded items are results. */
import { Doctor, PROTOCOL_VERSION, type DoctorReport } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { probeModelEndpoint, probeOllama, probeSemgrep } from '../doctor/probes';
import { abortSignalFor } from '../rpc/registry';
import { checkGrammars } from '../syntax/parser';
import { REQUIRED_NODE } from '../version';

function nodeSatisfies(required: string, actual: string): boolean {
  const want = /(\d+)\.(\d+)/.exec(required);
  const have = /v?(\d+)\.(\d+)/.exec(actual);
  if (!want || !have) return true;
  const [wm, wn] = [Number(want[1]), Number(want[2])];
  const [hm, hn] = [Number(have[1]), Number(have[2])];
  return hm > wm || (hm === wm && hn >= wn);
}

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'info' | 'status'>): void {
  ctx.rpc.request(Doctor, async (params, token) => {
    const signal = abortSignalFor(token);
    const config = ctx.config.config;
    const timeoutMs = params.timeoutMs ?? config.models.probeTimeoutMs;
    const [chat, semgrep, ollama, grammars] = await Promise.all([
      probeModelEndpoint('chat', config.models, signal, timeoutMs),
      probeSemgrep(signal),
      probeOllama(signal, timeoutMs),
      checkGrammars(),
      // Domains still starting (plugins activating, bounded by their own timeout) report their outcome first.
      ctx.status.settled(Math.max(timeoutMs, config.plugins.activateTimeoutMs + 1_000)),
    ]);
    const embedder = {
      available: false,
      error: 'no embedding model configured: search runs in lexical-only mode',
    };
    const node = { version: process.version, required: REQUIRED_NODE, ok: nodeSatisfies(REQUIRED_NODE, process.version) };
    const degraded: string[] = [];
    if (!node.ok) degraded.push(`node ${process.version} is older than required ${REQUIRED_NODE}`);
    for (const s of ctx.config.sourceReports) if (s.error) degraded.push(`config: ${s.error}`);
    for (const m of [chat]) if (!m.reachable || m.error) degraded.push(`model ${m.role} (${m.provider} ${m.baseUrl}): ${m.error ?? 'unreachable'}`);
    if (!semgrep.available) degraded.push(`semgrep: ${semgrep.error}`);
    if (!ollama.available) degraded.push(`ollama: ${ollama.error}`);
    degraded.push(`embedder: ${embedder.error}`);
    for (const f of grammars.failed) degraded.push(`grammar ${f.name}: ${f.error}`);
    // What domains report through status (failed plugins, ...) belongs in the doctor's report too.
    for (const reason of ctx.status.current().degraded) if (!degraded.includes(reason)) degraded.push(reason);

    const report: DoctorReport = {
      version: ctx.info.version,
      protocolVersion: PROTOCOL_VERSION,
      node,
      workspace: { root: ctx.config.workspaceRoot },
      server: { state: 'running', pid: process.pid, transport: ctx.info.transport, uptimeMs: Date.now() - ctx.info.startedAt },
      config: { sources: [...ctx.config.sourceReports] },
      models: [chat],
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
      degraded,
    };
    return report;
  });
}
