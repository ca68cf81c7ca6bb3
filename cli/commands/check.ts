/**
 * `nootropic check FILE... [--json]`: syntax diagnostics for files, through the server's own document sync
 * (didOpen → publishDiagnostics), exactly what an editor receives. Exit 1 when any file has an error.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { printJson } from '../render';
import type { ServerClient } from '../server-client';

const MAX_BYTES = 5 * 1024 * 1024;

interface FileResult {
  path: string;
  diagnostics: { line: number; column: number; endLine: number; endColumn: number; message: string }[];
  skipped?: string;
}

export async function check(client: ServerClient, files: string[], opts: { json: boolean; root: string }): Promise<number> {
  const pending = new Map<string, (d: Diagnostic[]) => void>();
  client.onDiagnostics((p) => pending.get(p.uri)?.(p.diagnostics));
  const results: FileResult[] = [];
  for (const file of files) {
    const abs = path.resolve(file);
    const rel = path.relative(opts.root, abs).split(path.sep).join('/') || abs;
    let buf: Buffer;
    try {
      buf = await readFile(abs);
    } catch (err) {
      results.push({ path: rel, diagnostics: [], skipped: `cannot read: ${(err as Error).message}` });
      continue;
    }
    if (buf.length > MAX_BYTES) {
      results.push({ path: rel, diagnostics: [], skipped: `larger than ${MAX_BYTES} bytes` });
      continue;
    }
    if (buf.subarray(0, 8000).includes(0)) {
      results.push({ path: rel, diagnostics: [], skipped: 'binary file' });
      continue;
    }
    const uri = pathToFileURL(abs).href;
    const got = new Promise<Diagnostic[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${rel} within 30 s`)), 30_000);
      pending.set(uri, (d) => {
        clearTimeout(timer);
        resolve(d);
      });
    });
    await client.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: '', version: 1, text: buf.toString('utf8') },
    });
    const diagnostics = await got;
    pending.delete(uri);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    results.push({
      path: rel,
      diagnostics: diagnostics.map((d) => ({
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        endLine: d.range.end.line + 1,
        endColumn: d.range.end.character + 1,
        message: typeof d.message === 'string' ? d.message : d.message.value,
      })),
    });
  }
  const errors = results.reduce((n, r) => n + r.diagnostics.length, 0);
  if (opts.json) printJson({ files: results, errors });
  else {
    for (const r of results) {
      if (r.skipped) process.stderr.write(`${r.path}: skipped (${r.skipped})\n`);
      for (const d of r.diagnostics) process.stdout.write(`${r.path}:${d.line}:${d.column}: ${d.message}\n`);
    }
    process.stderr.write(`${results.length} file(s) checked, ${errors} syntax error(s)\n`);
  }
  return errors > 0 ? 1 : 0;
}
