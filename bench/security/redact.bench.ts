// The redactor's cost per MB of real source (public npm packages: lodash, express, typescript's lib files up to
// 2 MB), called per 2,000-character chunk (as the index did) and per whole file (as the index does now: masked
// before chunking), against the previous redactor (five key-prefix regexes) measured in the same run as baseline.
// Prints median MB/s of 5 runs and how many ranges each found. `npm run bench:redact`.
import { readFileSync } from 'node:fs';
import { redactText } from '../../server/src/security/redact';
// @ts-expect-error plain ESM helper without types
import { fetchPackage, listFiles } from '../fetch-npm.mjs';

const OLD = /\b(sk-[A-Za-z0-9_-]{12,}|sk-ant-[A-Za-z0-9_-]{12,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abp]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g;
const oldRedact = (t: string) => t.replace(OLD, '[redacted]');

const files: string[] = [];
for (const spec of ['lodash@4.17.21', 'express@4.21.2', 'typescript@5.9.3']) {
  const dir = fetchPackage(spec) as string;
  for (const f of listFiles(dir, ['.js', '.ts', '.json', '.md'], 2_000_000) as Array<{ path: string }>) files.push(readFileSync(f.path, 'utf8'));
}
const bytes = files.reduce((n, t) => n + Buffer.byteLength(t), 0);
const chunks: string[] = [];
for (const t of files) for (let i = 0; i < t.length; i += 2_000) chunks.push(t.slice(i, i + 2_000));

function time(fn: () => number): { ms: number; masked: number } {
  const runs: number[] = [];
  let masked = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    masked = fn();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[2]!, masked };
}
const count = (s: string) => s.split('[redacted]').length - 1;
const mb = bytes / 1e6;
const rows = [
  ['previous redactor, per chunk', time(() => chunks.reduce((n, c) => n + count(oldRedact(c)), 0))],
  ['security/redact, per chunk', time(() => chunks.reduce((n, c) => n + count(redactText(c)), 0))],
  ['previous redactor, per file', time(() => files.reduce((n, c) => n + count(oldRedact(c)), 0))],
  ['security/redact, per file', time(() => files.reduce((n, c) => n + count(redactText(c)), 0))],
] as const;
console.log(`${files.length} files, ${mb.toFixed(1)} MB, ${chunks.length} chunks of 2,000 characters`);
for (const [name, r] of rows) console.log(`${name.padEnd(32)} ${(r.ms / mb).toFixed(1).padStart(7)} ms/MB  ${(mb / (r.ms / 1000)).toFixed(1).padStart(6)} MB/s  masked ${r.masked}`);
