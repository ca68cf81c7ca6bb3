import { describe, expect, it } from 'vitest';
import { TracesList } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { closedPort } from '../support/model-standin';
import { tempWorkspace } from '../support/paths';

describe('nootropic traces', () => {
  it('shows spans recorded by earlier server processes in this workspace', async () => {
    const ws = tempWorkspace();
    try {
      const port = await closedPort();
      expect((await runCli(['doctor', '--json', '--root', ws.root, '--base-url', `http://127.0.0.1:${port}`])).code).toBe(1); // model unreachable: a FAIL item
      const r = await runCli(['traces', '--json', '--root', ws.root]);
      expect(r.code, r.stderr).toBe(0);
      const out = TracesList.result.parse(JSON.parse(r.stdout));
      expect(out.persisted).toBe(true);
      expect(out.spans.map((s) => s.name)).toContain('rpc nootropic/doctor');
      const table = await runCli(['traces', '--root', ws.root]);
      expect(table.stdout).toMatch(/rpc nootropic\/doctor\s+nootropic\/doctor/);
      expect((await runCli(['traces', '--limit', 'zero', '--root', ws.root])).code).toBe(2);
    } finally {
      ws.dispose();
    }
  });
});
