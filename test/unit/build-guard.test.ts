import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempWorkspace } from '../support/paths';

// esbuild.config.mjs exports the guards; importing it does not run the build.
import { IMPORT_RULES, importViolation, LAZY_PACKAGES, layerGuard, lazyPackages, resolveSource, shippedGrammars, vscodeImportGuard, zodLocalesStub } from '../../esbuild.config.mjs';
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

  it('fails the build on a static import of a package loaded on first use, naming the file', async () => {
    const build = esbuild.build({ stdin: { contents: "import OpenAI from 'openai'; export const x = OpenAI;", resolveDir: path.join(REPO_ROOT, 'server', 'src'), sourcefile: 'server/src/x.ts', loader: 'ts' }, bundle: true, write: false, logLevel: 'silent', platform: 'node', format: 'cjs', plugins: [lazyPackages()] });
    await expect(build).rejects.toThrow(/imports openai statically: it is loaded on first use/);
  });

  it('turns `await import()` of such a package into a require of dist/lazy/<file>.js when it runs, not at start', async () => {
    const contents = "export async function client() { const { default: OpenAI } = await import('openai'); return OpenAI; }";
    const out = await esbuild.build({ stdin: { contents, resolveDir: path.join(REPO_ROOT, 'server', 'src'), sourcefile: 'server/src/x.ts', loader: 'ts' }, bundle: true, write: false, logLevel: 'silent', platform: 'node', format: 'cjs', plugins: [lazyPackages()] });
    const text = out.outputFiles[0]!.text;
    expect(text).toContain('require("./lazy/openai.js")');
    expect(text).not.toMatch(/node_modules\/openai\//);
    // The require sits in a module wrapper that only the import() calls.
    const calls: string[] = [];
    const module = { exports: {} as { client: () => Promise<unknown> } };
    new Function('module', 'exports', 'require', text)(module, module.exports, (id: string) => {
      calls.push(id);
      return id === './lazy/openai.js' ? { __esModule: true, default: 'the OpenAI class' } : require(id);
    });
    expect(calls).not.toContain('./lazy/openai.js');
    expect(await module.exports.client()).toBe('the OpenAI class');
    expect(calls).toContain('./lazy/openai.js');
  });

  it('the built dist/lazy/ files load and export what the server uses; the server bundle holds none of them', () => {
    const dist = path.join(REPO_ROOT, 'dist');
    const load = (file: string) => require(path.join(dist, 'lazy', `${file}.js`)) as Record<string, unknown>;
    expect(Object.keys(LAZY_PACKAGES).sort()).toEqual(['anthropic-sdk', 'lancedb', 'mcp', 'openai', 'otlp-http']);
    expect(typeof load('otlp-http').OTLPTraceExporter).toBe('function');
    expect(typeof load('openai').default).toBe('function');
    expect(typeof load('anthropic-sdk').default).toBe('function');
    expect(typeof load('lancedb').connect).toBe('function');
    expect(typeof load('mcp').Client).toBe('function');
    expect(typeof load('mcp').StdioClientTransport).toBe('function');
    for (const bundle of ['server.js', 'server-main.js', 'index-worker.js']) {
      const text = readFileSync(path.join(dist, bundle), 'utf8');
      for (const pkg of ['node_modules/openai/', 'node_modules/@anthropic-ai/sdk/', 'node_modules/@lancedb/lancedb/', 'node_modules/apache-arrow/', 'node_modules/@modelcontextprotocol/sdk/', 'node_modules/@opentelemetry/exporter-trace-otlp-http/']) {
        expect(text.includes(pkg), `${bundle} bundles ${pkg}`).toBe(false);
      }
    }
  });

  it('ships exactly the grammars the server loads', () => {
    expect(shippedGrammars()).toEqual([...GRAMMARS]);
  });
});

/** Bundles `entry` (inside a temp tree laid out like the repository) with the layer guard on that tree. */
async function bundleIn(files: Record<string, string>, entry: string): Promise<esbuild.BuildResult> {
  const ws = tempWorkspace('nootropic-layers-');
  try {
    for (const [rel, text] of Object.entries(files)) ws.write(rel, text);
    return await esbuild.build({ entryPoints: [path.join(ws.root, entry)], bundle: true, write: false, logLevel: 'silent', platform: 'node', plugins: [layerGuard(ws.root)] });
  } finally {
    ws.dispose();
  }
}

describe('build guard: the layer table', () => {
  const forbidden: Array<[string, Record<string, string>, string, RegExp]> = [
    ['the extension importing server code', { 'extension/x.ts': "import { a } from '../server/src/a';\nexport const x = a;\n", 'server/src/a.ts': 'export const a = 1;\n' }, 'extension/x.ts', /extension\/x\.ts imports server\/src\/a\.ts: extension\/ may import only extension\/, shared\//],
    ['chat importing a handler', { 'server/src/chat/x.ts': "import { h } from '../handlers/h';\nexport const x = h;\n", 'server/src/handlers/h.ts': 'export const h = 1;\n' }, 'server/src/chat/x.ts', /server\/src\/chat\/x\.ts imports server\/src\/handlers\/h\.ts: .*only server\.ts registers them/],
    ['the index importing a handler', { 'server/src/rag/x.ts': "import { h } from '../handlers/h';\nexport const x = h;\n", 'server/src/handlers/h.ts': 'export const h = 1;\n' }, 'server/src/rag/x.ts', /server\/src\/rag\/x\.ts imports server\/src\/handlers\/h\.ts/],
    ['a webview importing the protocol directly', { 'webviews/v/main.ts': "import { p } from '../../shared/protocol/p';\nexport const x = p;\n", 'shared/protocol/p.ts': 'export const p = 1;\n' }, 'webviews/v/main.ts', /webviews\/ may import only webviews\/, shared\/webview\//],
    ['the server importing the extension', { 'server/src/x.ts': "import { e } from '../../extension/e';\nexport const x = e;\n", 'extension/e.ts': 'export const e = 1;\n' }, 'server/src/x.ts', /server\/src\/x\.ts imports extension\/e\.ts/],
    ['the CLI importing server internals', { 'cli/x.ts': "import { r } from '../server/src/models/router';\nexport const x = r;\n", 'server/src/models/router.ts': 'export const r = 1;\n' }, 'cli/x.ts', /the CLI is a client of the server/],
    ['security importing telemetry (the bottom layer)', { 'server/src/security/x.ts': "import { t } from '../telemetry/t';\nexport const x = t;\n", 'server/src/telemetry/t.ts': 'export const t = 1;\n' }, 'server/src/security/x.ts', /bottom layer/],
  ];
  for (const [what, files, entry, message] of forbidden) {
    it(`fails the build on ${what}, naming both files and the rule`, async () => {
      await expect(bundleIn(files, entry)).rejects.toThrow(message);
    });
  }

  it('lets allowed imports through: the CLI on shared/ and the edit engine, a webview on shared/webview/, rag on models', async () => {
    const files = {
      'cli/main.ts': "import { s } from '../shared/s';\nimport { applyEdits } from '../server/src/edits';\nexport const x = [s, applyEdits];\n",
      'shared/s.ts': 'export const s = 1;\n',
      'server/src/edits/index.ts': 'export const applyEdits = 1;\n',
      'webviews/v/main.ts': "import { w } from '../../shared/webview/w';\nexport const x = w;\n",
      'shared/webview/w.ts': 'export const w = 1;\n',
      'server/src/rag/x.ts': "import { m } from '../models/m';\nexport const x = m;\n",
      'server/src/models/m.ts': 'export const m = 1;\n',
    };
    for (const entry of ['cli/main.ts', 'webviews/v/main.ts', 'server/src/rag/x.ts']) expect((await bundleIn(files, entry)).errors).toEqual([]);
  });

  // esbuild never resolves type-only imports; reading every source's imports covers them too.
  it('the repository itself obeys the table, type-only imports included', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name === 'dist') continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts')) sources.push(p);
      }
    };
    const layers = [...new Set(IMPORT_RULES.map((r) => r.from.split('/')[0]!))];
    for (const top of layers) walk(path.join(REPO_ROOT, top));
    expect(sources.length).toBeGreaterThan(100);
    const rel = (p: string) => path.relative(REPO_ROOT, p).split(path.sep).join('/');
    const violations: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)) {
        const why = importViolation(rel(file), rel(resolveSource(path.resolve(path.dirname(file), m[1]!))));
        if (why) violations.push(why);
      }
    }
    expect(violations).toEqual([]);
  });
});
