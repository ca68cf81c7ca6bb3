/** `nootropic traces [--trace ID] [--limit N] [--json]`: recent spans from the server's local span store. */
import { TracesList, type StoredSpan } from '../../shared/protocol';
import { printJson, table } from '../render';
import type { ServerClient } from '../server-client';

function describe(s: StoredSpan): string {
  const a = s.attributes;
  const bits = [a['rpc.method'], a['gen_ai.request.model'], a['gen_ai.tool.name'], a['gen_ai.agent.name']].filter((v) => v !== undefined);
  return bits.join(' ');
}

export async function traces(client: ServerClient, opts: { json: boolean; traceId?: string; limit: number }): Promise<number> {
  const result = await client.request(TracesList, { limit: opts.limit, ...(opts.traceId ? { traceId: opts.traceId } : {}) });
  if (opts.json) {
    printJson(result);
    return 0;
  }
  if (!result.spans.length) {
    process.stdout.write(`no spans${result.persisted ? '' : ' (no workspace: spans are kept in memory only)'}\n`);
    return 0;
  }
  process.stdout.write(
    table(
      result.spans.map((s) => [
        new Date(s.startMs).toISOString().slice(11, 23),
        `${s.durationMs.toFixed(1)} ms`,
        s.status.code === 2 ? 'ERROR' : 'ok',
        s.name,
        describe(s),
        s.traceId.slice(0, 8),
      ]),
      '',
    ) + '\n',
  );
  return 0;
}
