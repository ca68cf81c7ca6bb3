/** `nootropic models [--json]`: configured models per role, what each server offers, hardware, recommendation. */
import { ModelsList, type ModelsReport } from '../../shared/protocol';
import { mark, printJson, table } from '../render';
import type { ServerClient } from '../server-client';

const gb = (bytes: number | undefined) => (bytes === undefined ? '' : `${(bytes / 1024 ** 3).toFixed(1)} GB`);

export function renderModels(r: ModelsReport): string {
  const lines: string[] = ['configured'];
  lines.push(
    table(
      r.configured.map((m) => [
        mark(m.reachable && !m.error),
        m.label,
        `${m.provider} ${m.baseUrl} ${m.model}`,
        m.reachable
          ? `context ${m.contextLength ?? '?'} (${m.contextSource ?? '?'}), tools ${m.toolCalls ?? '?'}${m.error ? `: ${m.error}` : ''}`
          : `unreachable: ${m.error ?? ''}`,
      ]),
    ),
  );
  lines.push('discovered');
  for (const d of r.discovered) {
    lines.push(`  ${d.provider} ${d.baseUrl}: ${d.reachable ? `${d.models.length} model(s)` : `unreachable: ${d.error ?? ''}`}`);
    if (d.models.length) lines.push(table(d.models.map((m) => [m.name, m.quantization ?? '', m.contextLength ? `ctx ${m.contextLength}` : '', gb(m.sizeBytes)]), '    '));
  }
  const h = r.hardware;
  lines.push('hardware');
  lines.push(
    table([
      ['memory', `${h.totalMemoryGiB} GiB (${h.freeMemoryGiB} GiB free)`],
      ['cpu', `${h.cpu.model}, ${h.cpu.cores} cores${h.cpu.features.length ? `, ${h.cpu.features.join(' ')}` : ''}`],
      ['gpu', h.gpus.length ? h.gpus.map((g) => `${g.name} ${g.memoryGiB} GiB`).join('; ') : h.gpuProbe],
    ]),
  );
  lines.push(
    r.recommended
      ? `recommended local model: ${r.recommended.name} (${r.recommended.reason})${r.recommended.installed ? ', installed' : `; get it with \`${r.recommended.command}\``}`
      : 'recommended local model: none in the registry fits this machine',
  );
  return lines.join('\n');
}

export async function models(client: ServerClient, opts: { json: boolean; timeoutMs?: number }): Promise<number> {
  const report = await client.request(ModelsList, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
  if (opts.json) printJson(report);
  else process.stdout.write(renderModels(report) + '\n');
  return 0;
}
