// Build: one esbuild context per target.
//   extension  → dist/extension.js   (cjs, node, `vscode` external)
//   server+CLI → dist/server.js (launcher) + dist/server-main.js, dist/cli.js (+ dist/cli-early.js), dist/index-worker.js (cjs, node) + dist/wasm/ (tree-sitter runtime and grammars)
//   lazy       → dist/lazy/*.js: packages the server loads on first use (LAZY_PACKAGES)
//   webviews   → dist/webviews/*.js  (iife, browser)
// Flags: --production (minify, no sourcemaps), --watch. Anything outside extension/ importing `vscode` fails
// the build: the server, shared code, plugins and the CLI must run without an editor. Every relative import is
// checked against the layer table (IMPORT_RULES below): an import across layers it does not allow fails too.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Fails the build when a file outside `allowedDir` (relative to root) imports `vscode`. In the extension's
 * build, its own dependencies (vscode-languageclient) may import it too; shared/ code it pulls in may not.
 */
export function vscodeImportGuard(allowedDir) {
  return {
    name: 'vscode-import-guard',
    setup(build) {
      build.onResolve({ filter: /^vscode$/ }, (args) => {
        const rel = path.relative(root, args.importer).split(path.sep).join('/');
        // `includes`: in a git worktree node_modules may be a symlink that resolves outside the root (../main/node_modules).
        if (allowedDir && (rel.startsWith(`${allowedDir}/`) || rel.split('/').includes('node_modules'))) return { path: 'vscode', external: true };
        return {
          errors: [
            {
              text: `${rel} imports 'vscode': only extension/ may. The server, shared/, plugins/, webviews/ and the CLI run without an editor.`,
            },
          ],
        };
      });
    },
  };
}

/**
 * zod's `z.locales` (every language's error messages, ~250 KB minified in each bundle) is never used: zod registers
 * its English messages itself (zod/v4/classic/schemas.js imports locales/en.js directly). The namespace is left
 * empty, so each bundle is smaller and quicker to load (test/unit/build-guard.test.ts checks messages stay English).
 */
export function zodLocalesStub() {
  return {
    name: 'zod-locales-stub',
    setup(build) {
      build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
        args.importer.split(path.sep).join('/').includes('/node_modules/zod/') ? { path: 'zod-locales', namespace: 'zod-locales-stub' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'zod-locales-stub' }, () => ({ contents: 'export {};', loader: 'js' }));
    },
  };
}

/**
 * Packages the server needs only on first use: a model provider the person may never configure (Anthropic,
 * OpenAI-compatible), LanceDB with Apache Arrow (written only when the index changes), MCP servers, OTLP trace export. Bundled into
 * the server they were read and compiled at every start (3 of its 6.7 MB), by the CLI, each editor window and
 * Neovim alike. Each is bundled once into dist/lazy/<file>.js instead, and an `await import('<package>')` in the
 * server becomes a require of that file at that moment. A static import of one of them fails the build: it would
 * load the package at start again. `import type` is erased and is fine.
 */
export const LAZY_PACKAGES = {
  'anthropic-sdk': ['@anthropic-ai/sdk'],
  lancedb: ['@lancedb/lancedb'],
  openai: ['openai'],
  // One file for both: they share zod and ajv.
  mcp: ['@modelcontextprotocol/sdk/client/index.js', '@modelcontextprotocol/sdk/client/stdio.js'],
  // Trace export, only when an OTLP endpoint is configured.
  'otlp-http': ['@opentelemetry/exporter-trace-otlp-http'],
};
const LAZY_FILE = new Map(Object.entries(LAZY_PACKAGES).flatMap(([file, pkgs]) => pkgs.map((p) => [p, file])));

export function lazyPackages() {
  const names = [...LAZY_FILE.keys()].map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return {
    name: 'lazy-packages',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => {
        const rel = path.relative(root, args.importer).split(path.sep).join('/');
        if (rel.split('/').includes('node_modules')) return undefined;
        if (args.kind !== 'dynamic-import') {
          return { errors: [{ text: `${rel} imports ${args.path} statically: it is loaded on first use (dist/lazy/, LAZY_PACKAGES in esbuild.config.mjs); use \`await import('${args.path}')\` where it is needed` }] };
        }
        // A stub module bundled in the server requires the file: esbuild turns `import()` of a bundled module
        // into a require when it runs (with the ES-module interop of the bundle), not at start.
        return { path: LAZY_FILE.get(args.path), namespace: 'lazy-stub' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-stub' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`./lazy/${args.path}.js`)});`, loader: 'js' }));
      build.onResolve({ filter: /^\.\/lazy\//, namespace: 'lazy-stub' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * Which layer may import which, by path from the repository root. The first rule whose `from` prefix matches
 * the importing file applies: `allow` lists the only targets it may import, `deny` targets it may not. Packages
 * (node_modules) are not layers; `vscode` has its own guard above.
 */
/** What no server code may import: the clients. */
const SERVER_DENY = ['extension/', 'webviews/', 'cli/'];

export const IMPORT_RULES = [
  {
    from: 'cli/',
    allow: ['cli/', 'shared/', 'server/src/edits/', 'server/src/security/control-files.ts', 'server/src/version.ts', 'server/src/plugins/describe-registry.ts'],
    why: 'the CLI is a client of the server: it may use shared/ and only the server parts it wraps (the edit engine it runs offline and its control-file check, the version, the registry path)',
  },
  { from: 'extension/', allow: ['extension/', 'shared/'], why: 'the extension talks to the server over the protocol: shared/ only, never server/src' },
  {
    from: 'webviews/',
    allow: ['webviews/', 'shared/webview/', 'shared/protocol/tasks.ts'],
    why: 'webviews run in the browser on messages: shared/webview/ only, and the zod-only task shapes (shared/protocol/tasks.ts)',
  },
  { from: 'shared/', allow: ['shared/'], why: 'shared/ is imported by every side and imports nothing of theirs' },
  { from: 'plugins/', allow: ['plugins/', 'shared/'], why: 'plugins see the plugin API (plugins/api.ts) and shared/, not the server' },
  {
    from: 'server/src/security/',
    allow: ['server/src/security/', 'shared/', 'server/src/syntax/'],
    why: 'security (redaction, secrets, endpoint policy, command policy) is the bottom layer: shared/ and the parser only',
  },
  // createServer registers the handlers; the handlers call the rest. Nothing else calls a handler.
  { from: 'server/src/server.ts', deny: SERVER_DENY, why: 'the server runs without an editor and knows no client' },
  { from: 'server/src/handlers/', deny: SERVER_DENY, why: 'the server runs without an editor and knows no client' },
  {
    from: 'server/src/',
    deny: ['server/src/handlers/', ...SERVER_DENY],
    why: 'handlers call services and libraries, not the other way (only server.ts registers them); and the server knows no client',
  },
];

/** Why `importer` may not import `target` (paths from the root, `/`-separated), or null when the table allows it. */
export function importViolation(importer, target) {
  for (const rule of IMPORT_RULES) {
    if (!importer.startsWith(rule.from)) continue;
    const forbidden = rule.allow ? !rule.allow.some((p) => target.startsWith(p)) : rule.deny.some((p) => target.startsWith(p));
    if (!forbidden) return null;
    return `${importer} imports ${target}: ${rule.from} ${rule.allow ? `may import only ${rule.allow.join(', ')}` : `may not import ${rule.deny.join(', ')}`} (${rule.why})`;
  }
  return null;
}

/** The file a relative import names (TypeScript's extensionless and folder forms); the path itself when none exists. */
export function resolveSource(abs) {
  for (const c of [abs, `${abs}.ts`, `${abs}.tsx`, `${abs}.mts`, `${abs}.js`, `${abs}.mjs`, path.join(abs, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return abs;
}

/** Fails the build on a relative import the layer table forbids. `base`: the folder the table's paths are from. */
export function layerGuard(base = root) {
  return {
    name: 'layer-guard',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        if (!args.importer) return undefined;
        const rel = (p) => path.relative(base, p).split(path.sep).join('/');
        const importer = rel(args.importer);
        if (importer.startsWith('..') || importer.split('/').includes('node_modules')) return undefined;
        const target = rel(resolveSource(path.resolve(args.resolveDir, args.path)));
        const why = importViolation(importer, target);
        return why ? { errors: [{ text: why }] } : undefined;
      });
    },
  };
}

/** The grammars the server loads (server/src/syntax/grammars.ts `GRAMMARS`): only those are shipped. */
export function shippedGrammars() {
  const source = readFileSync(path.join(root, 'server', 'src', 'syntax', 'grammars.ts'), 'utf8');
  const list = /export const GRAMMARS = \[([^\]]*)\]/.exec(source)?.[1];
  if (!list) throw new Error('esbuild.config.mjs: GRAMMARS not found in server/src/syntax/grammars.ts');
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

/** Copies the tree-sitter runtime and the grammar WASM files the server loads next to the server bundle. */
function copyWasm(outdir) {
  const wasmDir = path.join(outdir, 'wasm');
  mkdirSync(wasmDir, { recursive: true });
  cpSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), path.join(wasmDir, 'tree-sitter.wasm'));
  const grammars = path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
  const wanted = new Set(shippedGrammars().map((g) => `tree-sitter-${g}.wasm`));
  for (const f of readdirSync(grammars)) {
    if (!/^tree-sitter-.*\.wasm$/.test(f)) continue;
    // Grammars the server never loads (PowerShell, INI, regex) stay out; a stale copy from an older build goes.
    if (wanted.has(f)) cpSync(path.join(grammars, f), path.join(wasmDir, f));
    else rmSync(path.join(wasmDir, f), { force: true });
  }
}

/**
 * The agents' critic runs the TypeScript language service (server/src/agents/ts-diagnostics.ts). The compiler is
 * one self-contained file plus its lib .d.ts files; it is copied beside the bundle (dist/typescript/) and loaded
 * only when the critic first checks a TS/JS file, so the server starts as fast as before.
 */
function copyTypeScript(outdir) {
  const lib = path.dirname(require.resolve('typescript'));
  const target = path.join(outdir, 'typescript');
  mkdirSync(target, { recursive: true });
  for (const f of readdirSync(lib)) if (f === 'typescript.js' || /^lib\..*\.d\.ts$/.test(f)) cpSync(path.join(lib, f), path.join(target, f));
}

/** Bundled plugins: every plugins/<name>/ with a package.json; its TypeScript main is compiled next to it. */
function bundledPlugins() {
  const dir = path.join(root, 'plugins');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'package.json')))
    .map((e) => e.name);
}

/** Copies each bundled plugin's package.json beside its compiled main in dist/plugins/<name>/. */
function copyPluginManifests(outdir) {
  for (const name of bundledPlugins()) {
    mkdirSync(path.join(outdir, 'plugins', name), { recursive: true });
    cpSync(path.join(root, 'plugins', name, 'package.json'), path.join(outdir, 'plugins', name, 'package.json'));
  }
}

/**
 * Native modules cannot be bundled. LanceDB's JS is bundled, its prebuilt N-API binary package
 * (@lancedb/lancedb-<platform>) is copied to dist/node_modules/, where the bundle's require finds it — in the
 * repo, in the npm bin and inside the .vsix alike.
 */
// transformers.js (with onnxruntime-node) loads only when a local embedding model is configured; it is resolved
// from node_modules at run time (npm installs), and its absence is reported, not fatal (the .vsix omits it).
const NATIVE_EXTERNALS = ['*.node', '@lancedb/lancedb-*', '@huggingface/transformers', 'node-llama-cpp'];

function copyNativePackages(outdir) {
  const scope = path.join(root, 'node_modules', '@lancedb');
  const target = path.join(outdir, 'node_modules', '@lancedb');
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(scope)) {
    if (!name.startsWith('lancedb-')) continue;
    cpSync(path.join(scope, name), path.join(target, name), { recursive: true, dereference: true });
  }
}

export function buildOptions({ production }) {
  const common = {
    bundle: true,
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'warning',
    absWorkingDir: root,
  };
  // CJS output, but sources may use import.meta.url (to find files next to the bundle).
  const cjsNode = {
    ...common,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': '__nootropic_import_meta_url' },
    banner: { js: "const __nootropic_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  };
  return {
    extension: {
      ...cjsNode,
      entryPoints: { extension: 'extension/extension.ts' },
      outdir: 'dist',
      plugins: [vscodeImportGuard('extension'), zodLocalesStub(), layerGuard()],
    },
    server: {
      ...cjsNode,
      // plugin-host.js runs each plugin in its own worker thread (server/src/plugins/isolate.ts).
      // index-worker.js holds the workspace index off the server's event loop (server/src/rag/remote-index.ts).
      // cli-early.js starts the server before cli.js loads (cli/early-server.ts).
      // server.js is the launcher (server/src/launch.ts): it starts the index worker, then loads server-main.js.
      entryPoints: { server: 'server/src/launch.ts', 'server-main': 'server/src/main.ts', cli: 'cli/main.ts', 'cli-early': 'cli/early-server.ts', 'plugin-host': 'server/src/plugins/host.ts', 'index-worker': 'server/src/rag/index-worker.ts' },
      outdir: 'dist',
      external: NATIVE_EXTERNALS,
      plugins: [
        lazyPackages(),
        vscodeImportGuard(null),
        zodLocalesStub(), layerGuard(),
        {
          name: 'copy-runtime-files',
          setup: (b) =>
            b.onEnd(() => {
              copyWasm(path.join(root, 'dist'));
              copyNativePackages(path.join(root, 'dist'));
              copyTypeScript(path.join(root, 'dist'));
            }),
        },
      ],
    },
    lazy: {
      ...cjsNode,
      entryPoints: Object.fromEntries(Object.keys(LAZY_PACKAGES).map((file) => [`lazy/${file}`, `lazy-entry:${file}`])),
      outdir: 'dist',
      external: NATIVE_EXTERNALS,
      plugins: [
        {
          // Each entry re-exports its packages, required as CommonJS (the server's `import()` becomes a require).
          name: 'lazy-entries',
          setup: (b) => {
            b.onResolve({ filter: /^lazy-entry:/ }, (args) => ({ path: args.path.slice('lazy-entry:'.length), namespace: 'lazy-entry' }));
            b.onLoad({ filter: /.*/, namespace: 'lazy-entry' }, (args) => {
              const pkgs = LAZY_PACKAGES[args.path].map((p) => `require(${JSON.stringify(p)})`);
              return { contents: `module.exports = ${pkgs.length === 1 ? pkgs[0] : `Object.assign({}, ${pkgs.join(', ')})`};`, loader: 'js', resolveDir: root };
            });
          },
        },
        vscodeImportGuard(null),
        zodLocalesStub(),
      ],
    },
    plugins: {
      ...cjsNode,
      entryPoints: Object.fromEntries(bundledPlugins().map((name) => [`${name}/index`, `plugins/${name}/index.ts`])),
      outdir: 'dist/plugins',
      plugins: [vscodeImportGuard(null), zodLocalesStub(), layerGuard(), { name: 'copy-plugin-manifests', setup: (b) => b.onEnd(() => copyPluginManifests(path.join(root, 'dist'))) }],
    },
    webviews: {
      ...common,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      entryPoints: { status: 'webviews/status/main.ts', chat: 'webviews/chat/main.ts', trace: 'webviews/trace/main.ts', taskboard: 'webviews/taskboard/main.ts' },
      outdir: 'dist/webviews',
      plugins: [vscodeImportGuard(null), zodLocalesStub(), layerGuard()],
    },
  };
}

async function main() {
  const production = process.argv.includes('--production');
  const watch = process.argv.includes('--watch');
  const targets = buildOptions({ production });
  const started = Date.now();
  const contexts = await Promise.all(Object.values(targets).map((o) => esbuild.context(o)));
  try {
    if (watch) {
      await Promise.all(contexts.map((c) => c.watch()));
      console.error('[esbuild] watching extension, server, cli, plugins, webviews');
      return;
    }
    await Promise.all(contexts.map((c) => c.rebuild()));
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    console.error(`[esbuild] built nootropic ${version}${production ? ' (production)' : ''} in ${Date.now() - started} ms`);
  } catch {
    process.exitCode = 1; // esbuild already printed the errors
  } finally {
    if (!watch) await Promise.all(contexts.map((c) => c.dispose()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
