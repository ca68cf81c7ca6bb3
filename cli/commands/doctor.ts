/**
 * `nootropic doctor [--json]`: what the server sees of this machine, as a table or JSON. Degraded ≠ failed: exit 1
 * only for the FAIL items that make configured features unusable (`failures`), 0 otherwise.
 */
import { Doctor, type DoctorReport } from '../../shared/protocol';
import { mark, printJson, table } from '../render';
import type { ServerClient } from '../server-client';

export function renderDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`nootropic ${r.version} (protocol ${r.protocolVersion})`);
  lines.push(
    table([
      [mark(r.node.ok), 'node', `${r.node.version} (needs ${r.node.required})`],
      [mark(r.workspace.root !== null), 'workspace', `${r.workspace.root ?? 'none'}${r.workspace.trusted ? '' : ' (restricted: not trusted)'}`],
      [mark(true), 'server', `${r.server.state}, pid ${r.server.pid}, ${r.server.transport}`],
    ]),
  );
  lines.push('config');
  lines.push(
    table(r.config.sources.map((s) => [s.status === 'error' || s.error ? 'FAIL' : s.status === 'loaded' ? 'ok  ' : '-   ', s.layer, [s.path, s.error].filter(Boolean).join(': ') || s.status])),
  );
  lines.push('models');
  lines.push(
    table(
      r.models.map((m) => [
        mark(m.reachable && !m.error),
        m.role,
        `${m.provider} ${m.baseUrl} ${m.model}`,
        m.reachable
          ? `${m.provider === 'llamacpp' ? 'loadable' : 'reachable'}${m.latencyMs !== undefined ? ` (${m.latencyMs} ms)` : ''}${m.detail ? `: ${m.detail}` : ''}${m.error ? `: ${m.error}` : ''}`
          : `${m.provider === 'llamacpp' ? 'unusable' : 'unreachable'}: ${m.error ?? ''}`,
      ]),
    ),
  );
  if (r.completion) {
    const c = r.completion;
    const who = c.endpoint ? `${c.endpoint.provider} ${c.endpoint.baseUrl} ${c.endpoint.model}` : 'none';
    const note = c.fallbackToChat ? ' (no completion role: the chat endpoint and model serve completions)' : '';
    lines.push('completion');
    lines.push(
      table([
        [mark(!c.enabled || c.reachable), c.enabled ? 'on' : 'off', `${who}${note}`],
        ...(c.enabled ? [['', c.protocol ?? 'no FIM', c.reachable ? `${c.detail ?? 'answered'}${c.latencyMs !== undefined ? ` (${c.latencyMs} ms)` : ''}` : (c.error ?? 'unreachable')]] : []),
      ]),
    );
  }
  lines.push('tools');
  const t = r.tools;
  lines.push(
    table([
      [mark(t.semgrep.available), 'semgrep', t.semgrep.detail ?? t.semgrep.error ?? ''],
      [mark(t.ollama.available), 'ollama', t.ollama.available ? (t.ollama.detail ?? '') : (t.ollama.error ?? '')],
      [mark(t.embedder.available), 'embedder', t.embedder.detail ?? t.embedder.error ?? ''],
      [mark(t.grammars.available), 'grammars', t.grammars.error ?? t.grammars.languages.join(', ')],
    ]),
  );
  const ix = r.index;
  lines.push('index');
  lines.push(
    table([
      [
        mark(ix.state !== 'error'),
        ix.state,
        `${ix.files} files, ${ix.chunks} chunks, ${ix.skipped} skipped; ${ix.mode} mode (embedder: ${ix.embedder})${ix.message ? `: ${ix.message}` : ''}`,
      ],
      ...(r.indexOnDisk
        ? [
            [
              mark(r.indexOnDisk.present),
              'on disk',
              r.indexOnDisk.present
                ? `${r.indexOnDisk.files} files, ${r.indexOnDisk.chunks} chunks, ${r.indexOnDisk.mode} mode, built ${Math.round((r.indexOnDisk.ageMs ?? 0) / 1000)} s ago (${r.indexOnDisk.dir})`
                : `no index yet in ${r.indexOnDisk.dir}: run \`nootropic index\``,
            ],
          ]
        : []),
    ]),
  );
  lines.push('hardware');
  const h = r.hardware;
  lines.push(
    table([
      ['memory', `${h.totalMemoryGiB} GiB (${h.freeMemoryGiB} GiB free)`],
      ['cpu', `${h.cpu.model}, ${h.cpu.cores} cores${h.cpu.features.length ? `, ${h.cpu.features.join(' ')}` : ''}`],
      ['gpu', h.gpus.length ? h.gpus.map((g) => `${g.name} ${g.memoryGiB} GiB`).join('; ') : h.gpuProbe],
      [
        'recommended',
        r.recommended ? `${r.recommended.name}${r.recommended.installed ? ' (installed)' : ` (\`${r.recommended.command}\`)`}: ${r.recommended.reason}` : 'no registry model fits this machine',
      ],
    ]),
  );
  lines.push(`context: ${r.context.retriever}: ${r.context.detail}`);
  if (r.degraded.length) {
    lines.push('degraded');
    for (const d of r.degraded) lines.push(`  - ${d}`);
  }
  lines.push(r.degraded.length ? `${r.degraded.length} degraded item(s); nootropic keeps working without them.` : 'everything available.');
  return lines.join('\n');
}

/**
 * The FAIL items that make configured features unusable, each as one line; empty means exit 0. The rule (README,
 * "Exit codes"): node older than required (the server cannot run), a config file that failed to load (what runs is
 * not what was configured), a configured model endpoint unreachable or unusable (chat, ask, edits and agents need
 * it), a tree-sitter grammar that failed to load (no syntax diagnostics or chunking for that language), the index
 * in error. Optional tools (semgrep, the ollama binary, the embedder: search falls back to keywords) and a
 * restricted workspace are degraded, reported, and exit 0.
 */
export function failures(r: DoctorReport): string[] {
  const out: string[] = [];
  if (!r.node.ok) out.push(`node ${r.node.version} is older than required ${r.node.required}`);
  for (const s of r.config.sources) if (s.status === 'error' || s.error) out.push(`config ${s.layer}${s.path ? ` ${s.path}` : ''}: ${s.error ?? 'failed to load'}`);
  for (const m of r.models) if (!m.reachable || m.error) out.push(`model ${m.role} (${m.provider} ${m.baseUrl}): ${m.error ?? 'unreachable'}`);
  if (!r.tools.grammars.available) out.push(`grammars: ${r.tools.grammars.error ?? 'failed to load'}`);
  if (r.index.state === 'error') out.push(`index: ${r.index.message ?? 'failed'}`);
  return out;
}

export async function doctor(client: ServerClient, opts: { json: boolean; timeoutMs?: number }): Promise<number> {
  const report = await client.request(Doctor, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
  if (opts.json) printJson(report);
  else process.stdout.write(renderDoctor(report) + '\n');
  const failed = failures(report);
  if (!opts.json) for (const f of failed) process.stderr.write(`nootropic doctor: FAIL ${f}\n`);
  return failed.length ? 1 : 0;
}
