import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedbackStore, FEEDBACK_FILE_MAX_BYTES } from '../../server/src/agents/feedback';
import { journalDir, writeRecord } from '../../server/src/edits/journal';
import { checkParamSize, PARAM_LIMITS, splitRequestArgs } from '../../server/src/rpc/registry';
import { redactClipped } from '../../server/src/security/redact';
import { FrameGuard, MAX_CONTENT_LENGTH } from '../../server/src/transport';
import { AWS_SECRET, PEM } from '../support/secret-fixtures';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'nootropic-sec-'));
  dirs.push(d);
  return d;
};

function guard(chunks: Array<string | Buffer>): { passed: string; broken: string[] } {
  const broken: string[] = [];
  const g = new FrameGuard((r) => broken.push(r));
  let passed = '';
  g.on('data', (b: Buffer) => (passed += b.toString('latin1')));
  const src = new PassThrough();
  src.pipe(g);
  for (const c of chunks) g.write(c);
  return { passed, broken };
}

describe('security: stdio framing (FrameGuard)', () => {
  const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('passes well-formed frames through unchanged, whatever the chunking', () => {
    const bytes = frame('{"jsonrpc":"2.0","id":1,"method":"x"}') + `Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}` + frame('{"a":"é"}');
    for (const size of [1, 3, 7, 1000]) {
      const parts: string[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.slice(i, i + size));
      const r = guard(parts.map((p) => Buffer.from(p, 'utf8')));
      expect(r.broken, `chunk ${size}`).toEqual([]);
      expect(Buffer.from(r.passed, 'latin1').toString('utf8')).toBe(bytes);
    }
  });

  it('reports broken framing once, without the bytes, and passes nothing after it', () => {
    for (const bad of ['Content-Length: abc\r\n\r\n', 'Content-Length: 1\r\nContent-Length: 2\r\n\r\n', `Content-Length: ${MAX_CONTENT_LENGTH + 1}\r\n\r\n`, 'X-Other: 1\r\n\r\n', '\r\n', 'Content-Length: 3\n\n', 'A'.repeat(9000)]) {
      const r = guard([bad, frame('{}')]);
      expect(r.broken, JSON.stringify(bad.slice(0, 40))).toHaveLength(1);
      expect(r.broken[0]).toMatch(/^framing error at byte \d+: /);
      expect(r.broken[0]!.length).toBeLessThan(120);
    }
    expect(guard([Buffer.from([0, 1, 2, 0xff])]).broken).toHaveLength(1);
    // A body shorter than announced is data, not framing: the next header starts mid-body and breaks.
    expect(guard(['Content-Length: 2\r\n\r\n{"id":1}']).broken).toHaveLength(1);
  });
});

describe('security: params limits and omitted params (registry)', () => {
  it('takes a lone handler argument for the cancellation token, not for params', () => {
    const token = { isCancellationRequested: false };
    expect(splitRequestArgs([token])).toEqual({ raw: undefined, token });
    expect(splitRequestArgs([{ a: 1 }, token])).toEqual({ raw: { a: 1 }, token });
    expect(splitRequestArgs([1, 2, token])).toEqual({ raw: [1, 2], token });
  });

  it('names the field and the size of what is too big, never its content', () => {
    const long = 'z'.repeat(PARAM_LIMITS.stringChars + 1);
    const problem = checkParamSize({ a: { runId: long } })!;
    expect(problem).toBe(`params.a.runId: string too long (${long.length} characters, at most ${PARAM_LIMITS.stringChars})`);
    expect(checkParamSize({ list: new Array(PARAM_LIMITS.arrayItems + 1).fill(0) })).toMatch(/params.list: too many items/);
    expect(checkParamSize({ ['k'.repeat(2_000)]: 1 })).toMatch(/field name too long \(2000 characters/);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { d: deep };
    expect(checkParamSize(deep)).toMatch(/nested deeper than 64/);
    expect(checkParamSize({ a: 'x'.repeat(4_000_000), b: 'y'.repeat(4_000_000), c: 'z'.repeat(4_000_000), d: 'w'.repeat(4_000_000), e: 'v'.repeat(4_500_000) })).toMatch(/too large/);
    expect(checkParamSize({ text: 'x'.repeat(1_000_000), items: [1, 2, 3] })).toBeUndefined();
    expect(checkParamSize(undefined)).toBeUndefined();
  });
});

describe('security: bounded stores', () => {
  it('span strings are redacted, then clipped; huge ones are not even scanned', () => {
    expect(redactClipped(`aws_secret_access_key=${AWS_SECRET}`, 4096)).toBe('aws_secret_access_key=[redacted]');
    const clipped = redactClipped(`${PEM}\n${'x'.repeat(10_000)}`, 1_000);
    expect(clipped.startsWith('[redacted]')).toBe(true);
    expect(clipped).toMatch(/… \[\d+ more characters\]$/);
    expect(redactClipped('r'.repeat(10_000_000), 4096)).toBe('[10000000 characters omitted]');
  });

  it('the feedback store rotates at its cap and still exports both files', async () => {
    const root = tmp();
    const store = new FeedbackStore(root);
    await store.record({ kind: 'answer', verdict: 'accept', prompt: 'old', response: 'kept' });
    writeFileSync(store.file, readFileSync(store.file, 'utf8') + `${'\n'.repeat(10)}`.padEnd(FEEDBACK_FILE_MAX_BYTES + 10, ' ') + '\n');
    await store.record({ kind: 'answer', verdict: 'accept', prompt: 'new', response: 'fresh' });
    expect(statSync(store.file).size).toBeLessThan(10_000);
    expect(statSync(store.file.replace(/\.jsonl$/, '.1.jsonl')).size).toBeGreaterThan(FEEDBACK_FILE_MAX_BYTES);
    expect((await store.entries()).map((e) => e.prompt)).toEqual(['old', 'new']);
  });

  it('the edit journal keeps contents verbatim (for undo) in owner-only, git-ignored files', async () => {
    const root = tmp();
    const record = { version: 1 as const, id: '20261202T194500123Z-001-abcdef', at: new Date().toISOString(), files: [{ path: 'k.env', before: `aws_secret_access_key=${AWS_SECRET}`, after: '' }] };
    await writeRecord(root, record);
    const file = path.join(journalDir(root), `${record.id}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(journalDir(root)).mode & 0o777).toBe(0o700);
    // Git-ignored through the cache folder's own .gitignore (makeCacheDir), which covers the journal.
    expect(readFileSync(path.join(root, '.nootropic-cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(readFileSync(file, 'utf8')).toContain(AWS_SECRET);
  });
});
