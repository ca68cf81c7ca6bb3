import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { tempWorkspace } from '../support/paths';

// esbuild.config.mjs exports the guard; importing it does not run the build.
import { vscodeImportGuard } from '../../esbuild.config.mjs';

describe('build guard: only extension/ may import vscode', () => {
  it('fails the server build when server code imports vscode, naming the file', async () => {
    const ws = tempWorkspace();
    try {
      const entry = ws.write('server/src/leak.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
      const build = esbuild.build({ entryPoints: [entry], bundle: true, write: false, logLevel: 'silent', plugins: [vscodeImportGuard(null)] });
      await expect(build).rejects.toThrow(/imports 'vscode': only extension\/ may/);
    } finally {
      ws.dispose();
    }
  });

  it('lets the extension build import vscode (as an external)', async () => {
    const result = await esbuild.build({
      stdin: { contents: "import * as vscode from 'vscode'; export const x = vscode;", resolveDir: process.cwd() + '/extension', sourcefile: 'extension/x.ts' },
      bundle: true,
      write: false,
      logLevel: 'silent',
      platform: 'node',
      plugins: [vscodeImportGuard('extension')],
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).toMatch(/require\("vscode"\)/);
  });
});
