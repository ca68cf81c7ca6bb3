/** Plain-text rendering for the CLI: aligned tables, status marks, server errors as exit codes. JSON output bypasses this. */
import { ResponseError } from 'vscode-jsonrpc/node';
import { NootropicErrorCodes } from '../shared/protocol';

export function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function mark(ok: boolean): string {
  return ok ? 'ok  ' : 'FAIL';
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * A server error as the CLI's exit code: cancelled → 130 (like SIGINT), any other JSON-RPC error → 1, with its
 * message on stderr. Anything else is a bug and is rethrown.
 */
export function exitCodeForServerError(e: unknown): number {
  if (e instanceof ResponseError) {
    if (e.code === NootropicErrorCodes.RequestCancelled) {
      process.stderr.write('nootropic: cancelled\n');
      return 130;
    }
    process.stderr.write(`nootropic: ${e.message}\n`);
    return 1;
  }
  throw e;
}
