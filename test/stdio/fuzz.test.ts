/**
 * Fuzz every advertised nootropic/* method with malformed and random params against the bundled server: every
 * request must get a result or an error (never a hang or a crash), the server must keep serving, and files in
 * the workspace must be untouched. New methods are covered automatically (they are read from `initialize`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Doctor } from '../../shared/protocol';
import { spawnStdioServer, type LspProcess } from '../support/lsp-process';
import { closedPort } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 7 : 10));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(r() * 2 ** 31) * (r() < 0.5 ? -1 : 1);
    case 2:
      return r() * 1e308;
    case 3:
      return r() < 0.5;
    case 4:
      return ['', '../../../etc/passwd', '/', 'file:///etc/shadow', '\u0000\uFFFF', 'x'.repeat(1 + Math.floor(r() * 5000))][Math.floor(r() * 6)];
    case 5:
      return '🙂'.repeat(Math.floor(r() * 50));
    case 6:
      return -0;
    case 7:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    default: {
      const keys = ['root', 'query', 'limit', 'path', 'uri', 'text', 'timeoutMs', 'id', 'files', 'edits', 'instruction', '__proto__', 'constructor'];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(r() * 5); i++) o[keys[Math.floor(r() * keys.length)]!] = randomValue(r, depth + 1);
      return o;
    }
  }
}

let proc: LspProcess;
let ws: TempWorkspace;
let methods: string[] = [];
const SENTINEL = 'export const untouched = 42;\n';

beforeAll(async () => {
  ws = tempWorkspace('nootropic-fuzz-');
  ws.write('src/keep.ts', SENTINEL);
  const port = await closedPort();
  // Model calls go to a closed loopback port so they fail fast; nothing leaves the machine.
  proc = spawnStdioServer({ NOOTROPIC_BASE_URL: `http://127.0.0.1:${port}`, NOOTROPIC_PROVIDER: 'ollama' });
  const init = await proc.initialize(ws.root);
  methods = (init.capabilities.experimental as { nootropic: { methods: string[] } }).nootropic.methods;
});

afterAll(() => {
  proc?.kill();
  ws?.dispose();
});

describe('fuzzing every advertised nootropic/* method over stdio', () => {
  it('answers every junk request with a result or an error and stays up', async () => {
    expect(methods.length).toBeGreaterThan(0);
    const r = rng(20261124);
    const cases: unknown[] = [undefined, null, 0, 'junk', [], [1, 2], { '': 1 }, { timeoutMs: 'x' }];
    for (let i = 0; i < 12; i++) cases.push(randomValue(r));
    const outcomes: Record<string, { ok: number; errors: Record<number, number> }> = {};
    for (const method of methods) {
      outcomes[method] = { ok: 0, errors: {} };
      for (const params of cases) {
        const answer = await Promise.race([
          proc.client.sendRequest(method, params).then(
            () => ({ kind: 'result' as const }),
            (err: { code?: number }) => ({ kind: 'error' as const, code: err.code ?? 0 }),
          ),
          new Promise<{ kind: 'hang' }>((resolve) => setTimeout(() => resolve({ kind: 'hang' }), 15_000)),
        ]);
        expect(answer.kind, `${method} ${JSON.stringify(params)?.slice(0, 200)}`).not.toBe('hang');
        if (answer.kind === 'result') outcomes[method]!.ok++;
        else if (answer.kind === 'error') {
          // Internal errors mean a handler threw on input it should have rejected: not acceptable.
          expect(answer.code, `${method} ${JSON.stringify(params)?.slice(0, 200)}`).not.toBe(-32603);
          outcomes[method]!.errors[answer.code] = (outcomes[method]!.errors[answer.code] ?? 0) + 1;
        }
      }
    }
    expect(proc.child.exitCode).toBeNull();
    const report = Doctor.result.parse(await proc.client.sendRequest(Doctor.method, { timeoutMs: 300 }));
    expect(report.server.state).toBe('running');
    expect(readFileSync(`${ws.root}/src/keep.ts`, 'utf8')).toBe(SENTINEL);
  });
});
