// Syntax diagnostics benchmark: real TypeScript/JavaScript/Python from npm packages.
//   - server latency: didOpen → publishDiagnostics through the bundled server over stdio (what an editor waits)
//   - parse throughput of the server's tree-sitter path vs TypeScript's own parser (createSourceFile) on the same
//     TS/JS files, measured in this run (the baseline).
// Usage: npm run bench:syntax   (builds first; downloads are cached in bench/.cache)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { fetchPackage, listFiles, percentile } from '../fetch-npm.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGES = ['typescript@5.6.3', 'rxjs@7.8.1', 'zod@3.23.8'];
const files = PACKAGES.flatMap((spec) => listFiles(fetchPackage(spec), ['.ts', '.js', '.mjs'], 3_000_000))
  .filter((f) => !f.path.endsWith('.d.ts') || f.bytes < 500_000)
  .slice(0, 400);
const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
console.log(`dev data: ${files.length} files, ${(totalBytes / 1e6).toFixed(1)} MB from ${PACKAGES.join(', ')}`);

const server = spawn(process.execPath, [path.join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
const client = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
const waiters = new Map();
client.onNotification('textDocument/publishDiagnostics', (p) => waiters.get(p.uri)?.(p));
client.listen();
await client.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings: { diagnostics: { syntax: { debounceMs: 0 } } } } });
await client.sendNotification('initialized', {});

async function roundTrip(file, text, version) {
  const uri = pathToFileURL(file).href + `#${version}`;
  const got = new Promise((resolve) => waiters.set(uri, resolve));
  const t0 = performance.now();
  await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: file.endsWith('.ts') ? 'typescript' : 'javascript', version: 1, text } });
  const p = await got;
  const ms = performance.now() - t0;
  await client.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return { ms, diagnostics: p.diagnostics.length };
}

const texts = files.map((f) => ({ ...f, text: readFileSync(f.path, 'utf8') }));
// Warm up grammar loading once, then measure.
await roundTrip(texts[0].path, texts[0].text, 'warm');
const latencies = [];
let serverTotal = 0;
for (const [i, f] of texts.entries()) {
  const r = await roundTrip(f.path, f.text, i);
  latencies.push(r.ms);
  serverTotal += r.ms;
}
const tsStart = performance.now();
for (const f of texts) ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, false);
const tsTotal = performance.now() - tsStart;

const small = texts.filter((f) => f.bytes < 20_000).map((f) => latencies[texts.indexOf(f)]);
console.log(`server didOpen→diagnostics latency: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);
console.log(`  files under 20 KB (${small.length}): p50 ${percentile(small, 50).toFixed(1)} ms, p95 ${percentile(small, 95).toFixed(1)} ms`);
console.log(`throughput: server round trip ${(totalBytes / 1e6 / (serverTotal / 1000)).toFixed(1)} MB/s; TypeScript createSourceFile (baseline, in-process, no IPC) ${(totalBytes / 1e6 / (tsTotal / 1000)).toFixed(1)} MB/s; ratio ${(tsTotal / serverTotal).toFixed(2)}×`);
await client.sendRequest('shutdown');
await client.sendNotification('exit');
