import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-run';
import { tempWorkspace } from '../support/paths';

describe('nootropic check (syntax diagnostics through the server)', () => {
  it('exits 1 and prints path:line:col for a broken file, 0 for clean files', async () => {
    const ws = tempWorkspace();
    try {
      ws.write('src/ok.ts', 'export const a = 1;\n');
      ws.write('src/bad.py', 'import os\ndef f(:\n    pass\n');
      const bad = await runCli(['check', 'src/bad.py', 'src/ok.ts'], { cwd: ws.root });
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stdout).toMatch(/^src\/bad\.py:2:\d+: Syntax error/m);
      expect(bad.stdout).not.toMatch(/ok\.ts/);
      const ok = await runCli(['check', 'src/ok.ts', '--json'], { cwd: ws.root });
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toEqual({ files: [{ path: 'src/ok.ts', diagnostics: [] }], errors: 0 });
    } finally {
      ws.dispose();
    }
  });

  it('skips binary files with a reason; a missing file is a usage error (exit 2, its path), not a clean check', async () => {
    const ws = tempWorkspace();
    try {
      ws.write('blob.ts', 'const\u0000\u0001binary');
      const r = await runCli(['check', 'blob.ts', '--json'], { cwd: ws.root });
      const out = JSON.parse(r.stdout) as { files: { path: string; skipped?: string }[] };
      expect(out.files.find((f) => f.path === 'blob.ts')?.skipped).toBe('binary file');
      expect(r.code).toBe(0);
      const missing = await runCli(['check', 'blob.ts', 'missing.ts', '--json'], { cwd: ws.root });
      expect(missing.code).toBe(2);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toMatch(/^nootropic check: input file missing\.ts: no such file \(usage: nootropic check \[options\] <files\.\.\.>\)\n$/);
    } finally {
      ws.dispose();
    }
  });
});
