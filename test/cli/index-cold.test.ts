// The CLI on an indexed workspace, as a new user runs it: `ask` straight after `index` (a fresh server each
// time) gets citations from the persisted index over both model protocols; `doctor` reports the index on disk;
// two `index --force` at once leave every hit once (one writer at a time).
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatSendResult, DoctorReport, SearchHit } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  await standin?.close();
  ws?.dispose();
  standin = ws = undefined;
});

function workspace(): TempWorkspace {
  ws = tempWorkspace('nootropic-cli-cold-');
  ws.write('src/billing/invoice.ts', 'export function computeInvoiceTotal(lines: { price: number; qty: number }[]) {\n  return lines.reduce((s, l) => s + l.price * l.qty, 0);\n}\n');
  ws.write('src/net/retry.ts', 'export async function retryWithBackoff(fn: () => Promise<void>, attempts = 3) {\n  for (let i = 0; i < attempts; i++) await fn();\n}\n');
  for (let i = 0; i < 40; i++) ws.write(`src/gen/mod${i}.ts`, `export function helper${i}(x: number) {\n  return x + ${i};\n}\n`);
  return ws;
}

describe('CLI cold start on an indexed workspace', () => {
  for (const protocol of ['openai', 'ollama'] as const) {
    it(`ask gets citations from the persisted index (${protocol})`, async () => {
      const w = workspace();
      expect((await runCli(['--root', w.root, 'index', '--json'], { timeoutMs: 60_000 })).code).toBe(0);
      standin = await startModelStandin({ replies: [{ text: 'It multiplies price by qty and sums.' }] });
      const baseUrl = protocol === 'openai' ? `${standin.url}/v1` : standin.url;
      const r = await runCli(['--root', w.root, '--provider', protocol, '--base-url', baseUrl, '--model', 'qwen2.5-coder:7b', 'ask', '--json', 'how is the invoice total computed?'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const result = ChatSendResult.parse(JSON.parse(r.stdout));
      expect(result.context.index).toBe('ready');
      expect(result.citations.map((c) => c.path)).toContain('src/billing/invoice.ts');
    }, 240_000);
  }

  it('doctor --json right after start reports the persisted index', async () => {
    const w = workspace();
    const built = JSON.parse((await runCli(['--root', w.root, 'index', '--json'], { timeoutMs: 60_000 })).stdout) as { files: number; chunks: number };
    const r = await runCli(['--root', w.root, 'doctor', '--json'], { timeoutMs: 60_000, env: { NOOTROPIC_BASE_URL: 'http://127.0.0.1:9' } });
    const report = DoctorReport.parse(JSON.parse(r.stdout));
    expect(report.indexOnDisk).toMatchObject({ present: true, files: built.files, chunks: built.chunks, mode: 'lexical' });
    expect(report.index.chunks).toBe(built.chunks);
  }, 240_000);

  it('two `index --force` at once: one writes, the other waits; no duplicated hits afterwards', async () => {
    const w = workspace();
    const [a, b] = await Promise.all([runCli(['--root', w.root, 'index', '--force', '--json'], { timeoutMs: 120_000 }), runCli(['--root', w.root, 'index', '--force', '--json'], { timeoutMs: 120_000 })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const s = await runCli(['--root', w.root, 'search', 'invoice total', '--json', '--limit', '20'], { timeoutMs: 60_000 });
    const hits = z.object({ hits: z.array(SearchHit) }).parse(JSON.parse(s.stdout)).hits;
    const keys = hits.map((h) => `${h.path}:${h.startLine}-${h.endLine}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('src/billing/invoice.ts'))).toHaveLength(1);
    const again = JSON.parse((await runCli(['--root', w.root, 'index', '--json'], { timeoutMs: 60_000 })).stdout) as { chunks: number; changedFiles: number; recovered?: string };
    expect(again.chunks).toBe(42);
    expect(again.changedFiles).toBe(0);
  }, 300_000);
});
