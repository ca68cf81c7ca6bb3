/**
 * With the default configuration, nootropic makes no non-loopback connection. Every server the CLI spawns
 * inherits NODE_OPTIONS, so the egress guard records the CLI's and the server's connections alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-run';
import { REPO_ROOT, tempWorkspace } from '../support/paths';

const GUARD = path.join(REPO_ROOT, 'test', 'support', 'egress-guard.cjs');

function connections(log: string): { kind: string; host: string; port?: number | string }[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

describe('egress with the default configuration', () => {
  it('doctor and check connect only to loopback', async () => {
    const ws = tempWorkspace();
    try {
      ws.write('a.ts', 'export const a = 1;\n');
      const log = path.join(ws.root, 'egress.jsonl');
      const env = { NODE_OPTIONS: `--require ${GUARD}`, NOOTROPIC_EGRESS_LOG: log };
      // Exit 1: no Ollama answers on the default endpoint, so the configured chat model is unusable (a FAIL item).
      expect((await runCli(['doctor', '--json', '--root', ws.root], { env })).code).toBe(1);
      expect((await runCli(['check', 'a.ts'], { env, cwd: ws.root })).code).toBe(0);
      const seen = connections(log);
      // The guard really is loaded: doctor probes the default local Ollama endpoint.
      expect(seen.some((c) => c.kind === 'connect' && Number(c.port) === 11434)).toBe(true);
      const remote = seen.filter((c) => !['127.0.0.1', 'localhost', '::1'].includes(c.host));
      expect(remote).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
