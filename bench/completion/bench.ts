/**
 * Inline completion benchmark (issue 17), run with `npm run bench:completion` (or
 * `node bench/run-ts.mjs bench/completion/bench.ts [--cases N] [--repos a,b]`).
 *
 * 1. Context recall on real code: in each repository (Debian python3-* / golang-*-dev / librust-*-dev packages and
 *    npm tarballs, the retrieval dev set's list, split into its tune and report halves), a line that calls a
 *    function defined in exactly one other file of the same repository is cut, at two positions: (a) before the
 *    callee's name (nothing of the call typed: the context must guess the callee from the code around it), and
 *    (b) just after `name(` (the person is writing the arguments). The FIM prompt the server sends (recorded by
 *    the stand-in at `/api/generate`) counts as a hit when it holds the callee's definition line. Budget: 1,024
 *    tokens (`nootropic.completion.contextTokens`). Baseline, same cases and budget: the prompt built from the
 *    current file only (basic FIM). Figures per half: `tune` is what the context code was tuned on, `report` was
 *    not looked at while tuning. The line is typed 150 ms after its file opens (`--open-pause MS`), as a person
 *    starts typing a moment after opening a file: the server's warm-up at open has read the folder by then.
 * 2. Overhead: each inline-completion request's round trip through the server against a stand-in that answers
 *    instantly with the rest of the cut line (as a model that guessed right would: the post-processing and its
 *    syntax check run as on a real answer), and right after it the raw model call alone (the same recorded
 *    `/api/generate` body sent straight to the stand-in, response read to the end); overhead = round trip − raw
 *    call, per request, p50/p95, and the round trip as a ratio of the raw call. No cache hits. As in an editor, the
 *    file is opened (its syntax check runs then), the cut line is typed (`didChange` with the line's range, as an
 *    editor sends it to a server that asks for incremental sync) and completion asked; then the callee's name and
 *    `(` are typed and it is asked again. The same on a ~50k-chunk workspace (sympy: a copy of bench/index-scale's
 *    indexed workspace, `--scale-ws DIR`, loaded from its snapshot as a reopened workspace is), `--scale-cases`
 *    documents (100), with the server in its own process over stdio as editors run it and in this process
 *    (`--scale-transport stdio,in-process`), and the first request after a fresh server start separately (three
 *    starts).
 * 3. Cancellation latency: from `$/cancelRequest` to the stand-in seeing the HTTP request aborted.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc/node';
import { buildPromptContext, importedNames } from '../../server/src/completion/prompt-context';
import { IndexBuild, IndexInfo } from '../../shared/protocol';
import { startInProcessServer } from '../../test/support/in-process';
import { spawnStdioServer } from '../../test/support/lsp-process';
import { startModelStandin } from '../../test/support/model-standin';
// @ts-expect-error plain JS helper shared by the benchmarks
import { percentile } from '../fetch-npm.mjs';
import { fetchRepo, REPOS, type RepoSpec } from '../retrieval/sources';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const CASES_PER_REPO = Number(arg('cases', '12'));
/** The 50k-chunk workspace of the overhead figures: a copy of bench/index-scale's indexed sympy workspace. */
const SCALE_FROM = arg('scale-ws', '/tmp/nootropic-index-scale-i13-speed/sympy-ws');
const SCALE_CASES = Number(arg('scale-cases', '100'));
const ONLY = arg('repos', '').split(',').filter(Boolean);
/** The case selection before member calls of free functions were left out (see casesFor). */
const ALL_CALLS = args.includes('--all-calls');
/** How the server runs for the 50k-chunk overhead: `stdio` (its own process, as editors run it), `in-process`, or both. */
const SCALE_TRANSPORTS = (arg('scale-transport', 'stdio,in-process').split(',') as ('stdio' | 'in-process')[]).filter((t) => t === 'stdio' || t === 'in-process');
/** Member calls of free functions left out, per repository (candidate lines, before one case per callee is kept). */
const dropped = new Map<string, number>();
const BUDGET = 1024;
/** How long after opening a file its line is typed, in the recall runs. */
const OPEN_PAUSE_MS = Number(arg('open-pause', '150'));
const CACHE = path.join(__dirname, '..', '.cache', 'retrieval');

const DEF: Record<string, RegExp[]> = {
  'js/ts': [/^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]{3,})\s*[(<]/, /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]{3,})\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)/],
  python: [/^def\s+([A-Za-z][\w]{3,})\s*\(/],
  go: [/^func\s+(?:\(\w+\s+\*?\w+(?:\[[^\]]*\])?\)\s+)?([A-Za-z][\w]{3,})\s*[([]/],
  rust: [/^\s*(?:pub(?:\([\w:]+\))?\s+)?(?:const\s+)?(?:unsafe\s+)?(?:extern\s+"C"\s+)?fn\s+([a-z_][\w]{3,})\s*[(<]/],
  java: [/^\s*(?:public|protected|private|static|final|\s)+[\w<>\[\], ?]+\s+([a-z][\w]{3,})\s*\(/],
};
const LANG_ID: Record<string, string> = { 'js/ts': 'typescript', python: 'python', go: 'go', rust: 'rust', java: 'java' };

/** A server the bench talks to: in this process, or in its own over stdio (as Neovim, Helix and the CLI run it). */
interface BenchServer {
  client: MessageConnection;
  /** Resolves with the next publishDiagnostics for `uri`. */
  diagnostics(uri: string): Promise<unknown>;
  dispose(): void;
}

async function startServer(transport: 'in-process' | 'stdio', ws: string, initializationOptions: unknown): Promise<BenchServer> {
  const env = { NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_STATE_DIR: path.join(ws, '.state') };
  if (transport === 'in-process') {
    const server = startInProcessServer(env);
    await server.initialize(ws, initializationOptions);
    return server;
  }
  const p = spawnStdioServer(env);
  const waiting = new Map<string, (() => void)[]>();
  p.client.onNotification('textDocument/publishDiagnostics', (params: { uri: string }) => {
    const resolve = waiting.get(params.uri) ?? [];
    waiting.delete(params.uri);
    for (const r of resolve) r();
  });
  await p.initialize(ws, initializationOptions);
  return {
    client: p.client,
    diagnostics: (uri) => new Promise<void>((r) => waiting.set(uri, [...(waiting.get(uri) ?? []), r])),
    dispose: () => p.kill(),
  };
}

interface Case {
  repo: string;
  half: string;
  file: string;
  line: number;
  column: number;
  /** Just after `name(`. */
  argsColumn: number;
  name: string;
  defFile: string;
  defLine: string;
}

interface CaseFile {
  content: string;
  /** Offset of the cut line's first character. */
  lineStart: number;
  /** The cut line as it is in the file. */
  line: string;
}

function caseFile(ws: string, c: Case): CaseFile {
  const content = readFileSync(path.join(ws, c.file), 'utf8');
  let lineStart = 0;
  for (let i = 0; i < c.line; i++) lineStart = content.indexOf('\n', lineStart) + 1;
  const end = content.indexOf('\n', lineStart);
  return { content, lineStart, line: content.slice(lineStart, end < 0 ? content.length : end) };
}

function filesOf(dir: string, include: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a dangling symlink in a Debian package (werkzeug's jquery.js)
      }
      if (st.isDirectory()) walk(p);
      else {
        const rel = path.relative(dir, p).split(path.sep).join('/');
        if (include.test(rel) && st.size < 300_000) out.push(rel);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** Deterministic shuffle (no Math.random: the same cases every run). */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Whether a definition line defines a method (callable as `value.name(`): a Go func with a receiver, an indented
 * Rust fn (in an impl or trait). Python's and JS's patterns only match free functions.
 */
function isMethod(lang: string, line: string): boolean {
  if (lang === 'go') return /^func\s*\(/.test(line);
  if (lang === 'rust') return /^\s+/.test(line);
  return false;
}

/** Names a file can call module members through: Python/JS imports, Go packages (last path segment or alias). */
function moduleNames(lang: string, text: string): ReadonlySet<string> {
  if (lang !== 'go') return importedNames(text).names;
  const out = new Set<string>();
  for (const m of text.matchAll(/^\s*(?:import\s+)?(?:([A-Za-z_]\w*)\s+)?"([\w./-]+)"\s*$/gm)) out.add(m[1] ?? m[2]!.split('/').pop()!.replace(/[.-].*$/, ''));
  return out;
}

/**
 * Calls of a repository function defined in exactly one other file. `value.name(` where `name` is a free function
 * is not such a call (a free function cannot be called on a value): `result.slice()` on an array, `t.Name()` on a
 * `reflect.Type`, Rust's `iter.chain(…)` are other functions that share the name; only a module or package before
 * the dot (`utils.name(`, `pkg.Name(`) makes it one. `--all-calls` keeps them all, as the selection before did.
 */
function casesFor(spec: RepoSpec, root: string, files: string[], limit = CASES_PER_REPO): Case[] {
  const texts = new Map(files.map((f) => [f, readFileSync(path.join(root, f), 'utf8')]));
  const defs = new Map<string, { file: string; line: string; method: boolean }[]>();
  for (const [f, text] of texts) {
    for (const line of text.split('\n')) {
      for (const re of DEF[spec.lang]!) {
        const m = re.exec(line);
        if (m?.[1]) defs.set(m[1], [...(defs.get(m[1]) ?? []), { file: f, line: line.trim(), method: isMethod(spec.lang, line) }]);
      }
    }
  }
  const cases: Case[] = [];
  for (const [f, text] of texts) {
    const modules = moduleNames(spec.lang, text);
    text.split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|#|\*|\/\*)/.test(line) || line.length > 200) return;
      for (const m of line.matchAll(/([A-Za-z_$][\w$]{3,})\s*\(/g)) {
        const d = defs.get(m[1]!);
        if (!d || d.length !== 1 || d[0]!.file === f) continue;
        if (DEF[spec.lang]!.some((re) => re.test(line))) continue;
        const column = m.index!;
        if (/[\w$.]$/.test(line.slice(0, column)) && !/\.$/.test(line.slice(0, column))) continue;
        const receiver = /(?:([A-Za-z_$][\w$]*)|\S)\s*\.$/.exec(line.slice(0, column));
        if (receiver && !d[0]!.method && !ALL_CALLS && !(receiver[1] && modules.has(receiver[1]))) {
          dropped.set(spec.name, (dropped.get(spec.name) ?? 0) + 1);
          continue;
        }
        cases.push({ repo: spec.name, half: spec.half, file: f, line: i, column, argsColumn: column + m[0].length, name: m[1]!, defFile: d[0]!.file, defLine: d[0]!.line });
      }
    });
  }
  // One case per callee, spread over the repository.
  const seen = new Set<string>();
  return cases
    .sort((a, b) => hash(`${a.file}:${a.line}:${a.name}`) - hash(`${b.file}:${b.line}:${b.name}`))
    .filter((c) => (seen.has(c.name) ? false : (seen.add(c.name), true)))
    .slice(0, limit);
}

async function main(): Promise<void> {
  const repos = REPOS.filter((r) => (ONLY.length ? ONLY.includes(r.name) : r.lang !== 'java'));
  /** What the stand-in answers next: the rest of the cut line, as a model that guessed right would (so the server's
   * post-processing runs as it does on a real answer). */
  let reply = '';
  const standin = await startModelStandin({ defaultFimReply: () => ({ text: reply }) });
  // This process's own first fetch loads its HTTP client (tens of milliseconds): done before any raw call is timed,
  // or the first overhead would be that much too small.
  await (await fetch(`${standin.url}/api/tags`)).text();
  const results: { repo: string; half: string; lang: string; hits: number; base: number; hitsArgs: number; baseArgs: number; n: number; chunks: number }[] = [];
  const latencies: number[] = [];
  const rawCalls: number[] = [];
  const overheads: number[] = [];
  /** The same, split: a document's first request (full parse) and the next, a few keystrokes later (incremental). */
  const overheadFirst: number[] = [];
  const overheadNext: number[] = [];
  /** One completion request at `cut` (the line's text before the cursor); the prompt, and both timings. */
  let version = 1;
  /** The cut line's text in the open document (the original line right after didOpen). */
  let lineNow = '';
  /**
   * `file`: the case's file, read once per case and never split (what this process allocates, an in-process
   * server's garbage collector pays for).
   */
  const ask = async (server: BenchServer, c: Case, lang: string, ws: string, file: CaseFile, cut: string, first: boolean, into?: { first: number[]; next: number[]; all: number[] }) => {
    const uri = pathToFileURL(path.join(ws, c.file)).href;
    if (first) {
      // As in an editor: the file is opened (its syntax check runs then), and the line is typed a moment later.
      const checked = server.diagnostics(uri);
      await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: LANG_ID[lang], version: version++, text: file.content } });
      await checked;
      // A moment passes before the person types (recall only: the 50k-chunk overhead types at once, the strictest
      // case): the warm-up at open, which reads the files beside this one for what they call, is done by then.
      if (!into) await new Promise((r) => setTimeout(r, OPEN_PAUSE_MS));
      lineNow = file.line;
    }
    // The server asks for incremental sync, so an editor sends the changed range only: here, the cut line.
    const range = { start: { line: c.line, character: 0 }, end: { line: c.line, character: lineNow.length } };
    await server.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: version++ }, contentChanges: [{ range, text: cut }] });
    lineNow = cut;
    // Before the name, a wrong guess at the callee (the right one would make the next request, the name typed, a
    // cache hit); after `name(`, the line's real arguments.
    const rest = file.line.slice(cut.length);
    reply = first ? `guessed${rest.slice(c.name.length)}` : rest;
    const before = standin.calls('/api/generate').length;
    const t0 = performance.now();
    await server.client.sendRequest('textDocument/inlineCompletion', { textDocument: { uri }, position: { line: c.line, character: cut.length }, context: { triggerKind: 2 } });
    const lsp = performance.now() - t0;
    const sent = standin.calls('/api/generate')[before]?.body as { prompt?: string } | undefined;
    if (sent && into) {
      const r0 = performance.now();
      const res = await fetch(`${standin.url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent) });
      await res.text();
      const raw = performance.now() - r0;
      into.all.push(lsp - raw);
      (first ? into.first : into.next).push(lsp - raw);
    } else if (sent) {
      // The raw model call alone, same body, same stand-in, same moment.
      const r0 = performance.now();
      const res = await fetch(`${standin.url}/api/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent) });
      await res.text();
      const raw = performance.now() - r0;
      latencies.push(lsp);
      rawCalls.push(raw);
      overheads.push(lsp - raw);
      (first ? overheadFirst : overheadNext).push(lsp - raw);
    }
    // The document stays open for the next request (the callee's name typed), closed after it.
    if (!first) await server.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
    if (into) return { prompt: sent?.prompt, hit: false, base: false };
    const text = file.content.slice(0, file.lineStart) + cut + file.content.slice(file.lineStart + file.line.length);
    const offset = file.lineStart + cut.length;
    const baseline = buildPromptContext({ text, offset, path: c.file, languageId: LANG_ID[lang]! }, { definitions: () => [], lines: () => undefined, recentEdits: () => [] }, BUDGET);
    return { prompt: sent?.prompt, hit: !!sent?.prompt?.includes(c.defLine), base: baseline.prefix.includes(c.defLine) || baseline.suffix.includes(c.defLine) };
  };
  const cancelMs: number[] = [];
  for (const spec of repos) {
    let src: string;
    try {
      src = fetchRepo(CACHE, spec);
    } catch (err) {
      console.log(`[bench] skip ${spec.name}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const ws = mkdtempSync(path.join(os.tmpdir(), `nootropic-complete-${spec.name}-`));
    const files = filesOf(src, spec.include);
    for (const f of files) {
      mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
      cpSync(path.join(src, f), path.join(ws, f));
    }
    const cases = casesFor(spec, ws, files);
    if (!cases.length) {
      rmSync(ws, { recursive: true, force: true });
      continue;
    }
    const server = await startServer('in-process', ws, { settings: { completion: { debounceMs: 0, contextTokens: BUDGET }, models: { provider: 'ollama', baseUrl: standin.url, model: 'qwen2.5-coder:7b' } } });
    await server.client.sendRequest(IndexBuild.method, {});
    const info = IndexInfo.result.parse(await server.client.sendRequest(IndexInfo.method, {}));
    let hits = 0;
    let base = 0;
    let hitsArgs = 0;
    let baseArgs = 0;
    for (const c of cases) {
      const file = caseFile(ws, c);
      const line = file.line;
      const atName = await ask(server, c, spec.lang, ws, file, line.slice(0, c.column), true);
      if (atName.hit) hits++;
      else if (process.env.BENCH_SHOW_MISSES) console.log(`[miss] ${c.file}:${c.line + 1} ${c.name} (def in ${c.defFile}): ${JSON.stringify(line.slice(0, c.column).trim())}${process.env.BENCH_SHOW_MISSES === 'prompt' ? `\n${atName.prompt}\n[end]` : ''}`);
      if (atName.base) base++;
      const atArgs = await ask(server, c, spec.lang, ws, file, line.slice(0, c.argsColumn), false);
      if (atArgs.hit) hitsArgs++;
      else if (process.env.BENCH_SHOW_MISSES) console.log(`[miss-args] ${c.file}:${c.line + 1} ${c.name} (def in ${c.defFile}): ${JSON.stringify(line.slice(0, c.argsColumn).trim())}`);
      if (atArgs.base) baseArgs++;
    }
    // Cancellation: a stalled FIM stream, cancelled once the request reached the stand-in.
    const c = cases[0]!;
    const uri = pathToFileURL(path.join(ws, c.file)).href;
    for (let i = 0; i < 3; i++) {
      const text = `${readFileSync(path.join(ws, c.file), 'utf8')}\n// cancel ${i}\n`;
      await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: LANG_ID[spec.lang], version: version++, text } });
      standin.scriptFim({ chunks: ['x', 'y'], stallAfter: 1 });
      const count = standin.calls('/api/generate').length;
      const cts = new CancellationTokenSource();
      const lines = text.split('\n').length;
      const pending = server.client.sendRequest('textDocument/inlineCompletion', { textDocument: { uri }, position: { line: lines - 1, character: 0 }, context: { triggerKind: 2 } }, cts.token).catch(() => undefined);
      await standin.waitForRequests('/api/generate', count + 1);
      const t0 = performance.now();
      cts.cancel();
      const req = standin.calls('/api/generate')[count]!;
      while (!req.aborted) await new Promise((r) => setImmediate(r));
      cancelMs.push(performance.now() - t0);
      await pending;
      await server.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
    }
    server.dispose();
    rmSync(ws, { recursive: true, force: true });
    results.push({ repo: spec.name, half: spec.half, lang: spec.lang, hits, base, hitsArgs, baseArgs, n: cases.length, chunks: info.chunks });
    console.log(
      `[bench] ${spec.name.padEnd(14)} ${spec.lang.padEnd(6)} ${spec.half.padEnd(6)} ${String(info.chunks).padStart(6)} chunks  recall before name ${hits}/${cases.length} (current file ${base})  after name( ${hitsArgs}/${cases.length} (current file ${baseArgs})`,
    );
  }
  // Overhead on a ~50k-chunk workspace (sympy), index loaded from its snapshot as a person reopening it would: with
  // the server in its own process over stdio (as editors run it: its heap and event loop are its own, not shared
  // with this benchmark and the stand-in), and in this process as the figures above.
  type Scale = { first: number[]; next: number[]; all: number[]; afterStart: number[]; chunks: number };
  const scales: { transport: 'stdio' | 'in-process'; scale: Scale }[] = [];
  if (!ONLY.length || ONLY.includes('sympy')) {
    if (!existsSync(path.join(SCALE_FROM, 'sympy'))) console.log(`[bench] skip the 50k-chunk overhead: ${SCALE_FROM} is missing (run npm run bench:index-scale first, or pass --scale-ws)`);
    else {
      const ws = mkdtempSync(path.join(os.tmpdir(), 'nootropic-complete-scale-'));
      cpSync(SCALE_FROM, ws, { recursive: true, preserveTimestamps: true });
      const spec: RepoSpec = { name: 'sympy', lang: 'python', half: 'report', source: '', include: /^sympy\/(core|polys|simplify|solvers)\/.*\.py$/ };
      const cases = casesFor({ ...spec }, ws, filesOf(ws, spec.include), SCALE_CASES);
      console.log(`[bench] sympy: ${cases.length} cases for the overhead on the large workspace`);
      for (const transport of SCALE_TRANSPORTS) {
        const scale: Scale = { first: [], next: [], all: [], afterStart: [], chunks: 0 };
        scales.push({ transport, scale });
        for (let round = 0; round < 3; round++) {
          const server = await startServer(transport, ws, { settings: { completion: { debounceMs: 0, contextTokens: BUDGET }, models: { provider: 'ollama', baseUrl: standin.url, model: 'qwen2.5-coder:7b' } } });
          await server.client.sendRequest(IndexBuild.method, {});
          scale.chunks = IndexInfo.result.parse(await server.client.sendRequest(IndexInfo.method, {})).chunks;
          // Rounds 2 and 3 measure only the first request after a fresh start (cold caches).
          const list = round === 0 ? cases : cases.slice(round, round + 1);
          for (const [i, c] of list.entries()) {
            const file = caseFile(ws, c);
            const into = i === 0 ? { first: scale.afterStart, next: [], all: [] } : scale;
            await ask(server, c, 'python', ws, file, file.line.slice(0, c.column), true, into);
            await ask(server, c, 'python', ws, file, file.line.slice(0, c.argsColumn), false, scale);
          }
          server.dispose();
        }
      }
      rmSync(ws, { recursive: true, force: true });
    }
  }
  await standin.close();
  const sum = (rs: typeof results, k: 'hits' | 'base' | 'hitsArgs' | 'baseArgs' | 'n') => rs.reduce((a, r) => a + r[k], 0);
  const ratio = (rs: typeof results, k: 'hits' | 'base' | 'hitsArgs' | 'baseArgs') => `${(sum(rs, k) / sum(rs, 'n')).toFixed(2)} (${sum(rs, k)}/${sum(rs, 'n')})`;
  const ms = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)} ms, p95 ${percentile(xs, 95).toFixed(2)} ms`;
  if (results.length) {
  console.log("\n[bench] context recall at a 1,024-token budget (the callee's definition line in the FIM prompt); current-file baseline in brackets");
  const left = [...dropped.values()].reduce((a, b) => a + b, 0);
  console.log(
    ALL_CALLS
      ? '[bench] case selection: every `name(` of a function defined in one other file (--all-calls)'
      : `[bench] case selection: calls of a function defined in one other file; ${left} candidate lines calling a free function's name on a value (\`result.slice()\`, \`t.Name()\`) left out, as calls of other functions (--all-calls keeps them)`,
  );
  console.log('[bench]   half   repos  before the name                after `name(`');
  const row = (label: string, rs: typeof results) =>
    console.log(`[bench]   ${label.padEnd(6)} ${String(rs.length).padStart(5)}  ${ratio(rs, 'hits').padEnd(12)} [${(sum(rs, 'base') / sum(rs, 'n')).toFixed(2)}]   ${ratio(rs, 'hitsArgs').padEnd(12)} [${(sum(rs, 'baseArgs') / sum(rs, 'n')).toFixed(2)}]`);
  for (const half of ['tune', 'report']) {
    const rs = results.filter((r) => r.half === half);
    if (rs.length) row(half, rs);
  }
  for (const lang of [...new Set(results.map((r) => r.lang))]) row(lang, results.filter((r) => r.lang === lang));
  row('all', results);
  console.log(`[bench] against an instant stand-in, ${latencies.length} requests, no cache hits:`);
  console.log(`[bench]   inline completion round trip through the server  ${ms(latencies)}`);
  console.log(`[bench]   raw model call alone (same body, same stand-in)   ${ms(rawCalls)}`);
  console.log(`[bench]   server overhead (round trip − raw call)           ${ms(overheads)}   ratio round trip / raw call p50 ${(percentile(latencies, 50) / percentile(rawCalls, 50)).toFixed(2)}x`);
  console.log(`[bench]     a document's first request (just opened)         ${ms(overheadFirst)}`);
  console.log(`[bench]     its next request, the callee's name typed         ${ms(overheadNext)}`);
  }
  for (const { transport, scale } of scales) {
    console.log(`[bench] server overhead on a ${scale.chunks}-chunk workspace (sympy), server ${transport === 'stdio' ? 'in its own process over stdio' : 'in this process'}, ${scale.all.length} requests, no cache hits:`);
    console.log(`[bench]   all                                               ${ms(scale.all)}`);
    console.log(`[bench]     a document's first request                      ${ms(scale.first)}`);
    console.log(`[bench]     its next request, the callee's name typed         ${ms(scale.next)}`);
    console.log(`[bench]   the first request after the server starts (${scale.afterStart.length} starts): ${scale.afterStart.map((x) => x.toFixed(1)).join(', ')} ms`);
  }
  if (cancelMs.length) console.log(`[bench] cancellation, $/cancelRequest to the aborted HTTP request (${cancelMs.length} runs): p50 ${percentile(cancelMs, 50).toFixed(1)} ms, max ${Math.max(...cancelMs).toFixed(1)} ms`);
  writeFileSync(path.join(__dirname, '..', '.cache', 'completion-results.json'), JSON.stringify({ results, latencies, rawCalls, overheads, cancelMs, scales }, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
