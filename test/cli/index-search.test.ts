import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexSummary, SearchHit } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { CLI_BUNDLE, cleanEnv, tempWorkspace } from '../support/paths';
import { z } from 'zod';

function sampleWorkspace() {
  const ws = tempWorkspace('nootropic-cli-index-');
  ws.write('src/cart.ts', 'export function applyDiscount(total: number, percent: number) {\n  return total - (total * percent) / 100;\n}\n');
  ws.write('src/auth.ts', 'export async function verifyPasswordHash(password: string, hash: string) {\n  return compare(password, hash);\n}\n');
  return ws;
}

describe('nootropic index / search (CLI subprocess)', () => {
  it('index --json prints {files, chunks, skipped, ms, embedder}; search --json prints hits with relative paths', async () => {
    const ws = sampleWorkspace();
    try {
      const r = await runCli(['index', '--json', '--root', ws.root]);
      expect(r.code, r.stderr).toBe(0);
      const summary = IndexSummary.parse(JSON.parse(r.stdout));
      expect(summary).toMatchObject({ files: 2, skipped: 0, embedder: 'none', mode: 'lexical' });
      const s = await runCli(['search', 'check the password against its hash', '--json', '--limit', '3', '--root', ws.root]);
      expect(s.code, s.stderr).toBe(0);
      const hits = z.object({ hits: z.array(SearchHit) }).parse(JSON.parse(s.stdout)).hits;
      expect(hits[0]).toMatchObject({ path: 'src/auth.ts', startLine: 1, endLine: 3, symbol: 'verifyPasswordHash' });
      expect(hits.length).toBeLessThanOrEqual(3);
      const plain = await runCli(['search', 'apply a discount', '--root', ws.root]);
      expect(plain.stdout).toMatch(/^src\/cart\.ts:1-3 {2}applyDiscount/m);
    } finally {
      ws.dispose();
    }
  });

  it('batch mode answers one JSON line per query from one server, and reports bad lines', async () => {
    const ws = sampleWorkspace();
    try {
      const file = path.join(ws.root, 'queries.jsonl');
      writeFileSync(file, ['{"id":"a","query":"apply discount to a total"}', 'not json', '{"id":2,"query":"verify password"}', ''].join('\n'));
      const r = await runCli(['search', '--root', ws.root, '--queries', file, '--limit', '2', '--json']);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string | number; hits: { path: string }[] });
      expect(lines.map((l) => l.id)).toEqual(['a', 2]);
      expect(lines[0]!.hits[0]!.path).toBe('src/cart.ts');
      expect(lines[1]!.hits[0]!.path).toBe('src/auth.ts');
      expect(r.stderr).toMatch(/queries\.jsonl:2: skipped/);
      expect(r.code).toBe(1);
    } finally {
      ws.dispose();
    }
  });

  it('loses nothing when the server is killed mid-index: the next run is consistent and complete', async () => {
    const ws = sampleWorkspace();
    try {
      for (let i = 0; i < 400; i++) ws.write(`gen/mod${i}.ts`, `export function generated${i}(x: number) {\n  return x + ${i};\n}\n`);
      const child = spawn(process.execPath, [CLI_BUNDLE, 'index', '--root', ws.root], { env: cleanEnv(), stdio: 'ignore' });
      // Kill the CLI and its server (same process group is not guaranteed): SIGKILL the CLI after it started indexing.
      await new Promise((r) => setTimeout(r, 700));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const r = await runCli(['index', '--json', '--root', ws.root], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(IndexSummary.parse(JSON.parse(r.stdout))).toMatchObject({ files: 402 });
      const s = await runCli(['search', 'generated399', '--json', '--limit', '1', '--root', ws.root]);
      expect(JSON.parse(s.stdout).hits[0]).toMatchObject({ path: 'gen/mod399.ts', symbol: 'generated399' });
    } finally {
      ws.dispose();
    }
  });
});
