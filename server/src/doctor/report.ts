/**
 * The health report behind `nootropic/doctor`, the status bar and the startup log: every dependency probed for
 * real (HTTP requests, process spawns), reported truthfully; degraded items are results, never exceptions.
 */
import { PROTOCOL_VERSION, type DoctorReport } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { checkGrammars } from '../syntax/parser';
import { REQUIRED_NODE } from '../version';
import { probeModelEndpoint, probeOllama, probeSemgrep } from './probes';

function nodeSatisfies(required: string, actual: string): boolean {
  const want = /(\d+)\.(\d+)/.exec(required);
  const have = /v?(\d+)\.(\d+)/.exec(actual);
  if (!want || !have) return true;
  const [wm, wn] = [Number(want[1]), Number(want[2])];
  const [hm, hn] = [Number(have[1]), Number(have[2])];
  return hm > wm || (hm === wm && hn >= wn);
}

export async function buildDoctorReport(
  ctx: Pick<ServerContext, 'config' | 'info' | 'index'>,
  signal: AbortSignal,
  timeoutOverrideMs?: number,
): Promise<DoctorReport> {
    const config = ctx.config.config;
    const timeoutMs = timeoutOverrideMs ?? config.models.probeTimeoutMs;
    const [chat, semgrep, ollama, grammars] = await Promise.all([
      probeModelEndpoint('chat', config.models, signal, timeoutMs),
      probeSemgrep(signal),
      probeOllama(signal, timeoutMs),
      checkGrammars(),
    ]);
    // A report right after start-up should show the index, not "loading": wait for it within the probe budget.
    await Promise.race([ctx.index.whenReady(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    const index = ctx.index.current();
    const embedder = ctx.index.embedderStatus();
    const node = { version: process.version, required: REQUIRED_NODE, ok: nodeSatisfies(REQUIRED_NODE, process.version) };
    const degraded: string[] = [];
    if (!node.ok) degraded.push(`node ${process.version} is older than required ${REQUIRED_NODE}`);
    for (const s of ctx.config.sourceReports) if (s.error) degraded.push(`config: ${s.error}`);
    if (!ctx.config.workspaceTrusted) degraded.push('workspace not trusted: no agent writes, commands or workspace plugins (restricted mode)');
    for (const m of [chat]) if (!m.reachable || m.error) degraded.push(`model ${m.role} (${m.provider} ${m.baseUrl}): ${m.error ?? 'unreachable'}`);
    if (!semgrep.available) degraded.push(`semgrep: ${semgrep.error}`);
    if (!ollama.available) degraded.push(`ollama: ${ollama.error}`);
    degraded.push(`embedder: ${embedder.error}`);
    for (const f of grammars.failed) degraded.push(`grammar ${f.name}: ${f.error}`);
    if (index.state === 'error') degraded.push(`index: ${index.message ?? 'failed'}`);

    const report: DoctorReport = {
      version: ctx.info.version,
      protocolVersion: PROTOCOL_VERSION,
      node,
      workspace: { root: ctx.config.workspaceRoot, trusted: ctx.config.workspaceTrusted },
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
      index,
      degraded,
    };
    return report;
}
