import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { tempWorkspace } from '../support/paths';

// esbuild.config.mjs exports the guard; importing it does not run the build.
import { shippedGrammars, vscodeImportGuard, zodLocalesStub } from '../../esbuild.config.mjs';
import { GRAMMARS } from '../../server/src/syntax/grammars';

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

describe('what the bundles leave out', () => {
  it("drops zod's other locales but keeps its English messages", async () => {
    const contents = "import { z } from 'zod'; const r = z.object({ n: z.number() }).safeParse({ n: 'x' }); module.exports = { message: r.error?.issues[0]?.message, locales: Object.keys(z.locales) };";
    const build = (plugins: esbuild.Plugin[]) =>
      esbuild.build({ stdin: { contents, resolveDir: process.cwd(), sourcefile: 'x.ts' }, bundle: true, write: false, logLevel: 'silent', platform: 'node', format: 'cjs', minify: true, plugins });
    const [full, stubbed] = [await build([]), await build([zodLocalesStub()])];
    const run = (text: string) => {
      const module = { exports: {} as { message?: string; locales: string[] } };
      new Function('module', 'exports', 'require', text)(module, module.exports, require);
      return module.exports;
    };
    expect(run(stubbed.outputFiles[0]!.text)).toEqual({ message: 'Invalid input: expected number, received string', locales: [] });
    expect(run(full.outputFiles[0]!.text).locales.length).toBeGreaterThan(10);
    expect(stubbed.outputFiles[0]!.contents.length).toBeLessThan(full.outputFiles[0]!.contents.length - 100_000);
  });

  it('ships exactly the grammars the server loads', () => {
    expect(shippedGrammars()).toEqual([...GRAMMARS]);
  });
});
