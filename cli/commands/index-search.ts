/**
 * `nootropic index` and `nootropic search`: the workspace index through the server. Batch mode
 * (`--queries FILE.jsonl`) reuses one server for many queries and prints one JSON line per query.
 */
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import { z } from 'zod';
import { IndexBuild, IndexState, IndexStatus, Search, type SearchHit } from '../../shared/protocol';
import { ProgressBar } from '../progress';
import { printJson } from '../render';
import type { ServerClient } from '../server-client';

export async function index(client: ServerClient, opts: { json: boolean; force: boolean }): Promise<number> {
  const bar = new ProgressBar('indexing', !opts.json && Boolean(process.stderr.isTTY));
  client.connection.onNotification(IndexStatus.method, (raw: unknown) => {
    const s = IndexState.safeParse(raw);
    if (s.success && s.data.state === 'indexing' && s.data.processed !== undefined) bar.update(s.data.processed, s.data.total);
  });
  const summary = await client.request(IndexBuild, { force: opts.force });
  bar.done();
  if (opts.json) printJson(summary);
  else {
    const skipped = Object.entries(summary.skippedBy).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
    process.stdout.write(
      `indexed ${summary.files} files, ${summary.chunks} chunks in ${summary.ms} ms (${summary.changedFiles} changed; ${summary.mode} mode, embedder: ${summary.embedder})\n` +
        (summary.skipped ? `skipped ${summary.skipped}: ${skipped}\n` : '') +
        (summary.recovered ? `note: ${summary.recovered}\n` : ''),
    );
  }
  return 0;
}

function printHits(hits: SearchHit[]): void {
  if (!hits.length) {
    process.stdout.write('no results\n');
    return;
  }
  for (const h of hits) {
    const first = h.text.split('\n').find((l) => l.trim())?.trim() ?? '';
    process.stdout.write(`${h.path}:${h.startLine}-${h.endLine}  ${h.symbol || h.kind}  (${h.score.toFixed(2)})\n    ${first.slice(0, 120)}\n`);
  }
}

const QueryLine = z.object({ id: z.union([z.string(), z.number()]), query: z.string().min(1) });

export async function search(client: ServerClient, query: string | undefined, opts: { json: boolean; limit: number; queries?: string }): Promise<number> {
  if (opts.queries) {
    const lines = readline.createInterface({ input: createReadStream(opts.queries), crlfDelay: Infinity });
    let n = 0;
    let bad = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let parsed: z.infer<typeof QueryLine>;
      try {
        parsed = QueryLine.parse(JSON.parse(line));
      } catch (err) {
        bad++;
        process.stderr.write(`${opts.queries}:${n}: skipped: expected {"id", "query"}: ${(err as Error).message.split('\n')[0]}\n`);
        continue;
      }
      const { hits } = await client.request(Search, { query: parsed.query, limit: opts.limit });
      process.stdout.write(JSON.stringify({ id: parsed.id, hits }) + '\n');
    }
    return bad ? 1 : 0;
  }
  if (!query) {
    process.stderr.write('nootropic search: give a QUERY or --queries FILE.jsonl\n');
    return 2;
  }
  const result = await client.request(Search, { query, limit: opts.limit });
  if (opts.json) printJson({ hits: result.hits });
  else printHits(result.hits);
  return 0;
}
