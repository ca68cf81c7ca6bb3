/**
 * semgrep (`semgrep --json`) over the files an agent changed, with the rule pack bundled here (written to
 * `.nootropic-cache/semgrep-rules.yml` at first use). When semgrep is not on PATH the critic reports that it was
 * skipped (and `nootropic doctor` says so) rather than calling the code clean.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Finding } from '../workflow/run-log';
import { childEnv } from '../../../shared/security/child-env';
import { makeCacheDir } from '../workspace/cache-dir';

/** A small pack of high-signal rules for code agents write: injection sinks, eval, hard-coded secrets. */
export const BUNDLED_RULES = `rules:
  - id: nootropic.js.eval
    languages: [javascript, typescript]
    severity: ERROR
    message: eval() runs arbitrary code; parse the data instead
    pattern: eval(...)
  - id: nootropic.js.new-function
    languages: [javascript, typescript]
    severity: WARNING
    message: new Function(...) compiles code from a string
    pattern: new Function(...)
  - id: nootropic.js.child-process-shell-template
    languages: [javascript, typescript]
    severity: ERROR
    message: a shell command built from a template string is an injection risk; use execFile with an argument array
    patterns:
      - pattern-either:
          - pattern: $CP.exec(\`...\${...}...\`, ...)
          - pattern: $CP.execSync(\`...\${...}...\`, ...)
  - id: nootropic.js.loose-equality-null
    languages: [javascript, typescript]
    severity: INFO
    message: use === (or == null deliberately, with a comment)
    pattern: $X == undefined
    fix: $X === undefined
  - id: nootropic.py.subprocess-shell-true
    languages: [python]
    severity: ERROR
    message: subprocess with shell=True and a formatted string is an injection risk
    pattern: subprocess.$F(f"...", ..., shell=True, ...)
  - id: nootropic.py.eval
    languages: [python]
    severity: ERROR
    message: eval() runs arbitrary code
    pattern: eval(...)
  - id: nootropic.generic.private-key
    languages: [generic]
    severity: ERROR
    message: a private key is committed in source
    pattern: -----BEGIN RSA PRIVATE KEY-----
`;

const SemgrepOutput = z.object({
  results: z.array(
    z.object({
      check_id: z.string(),
      path: z.string(),
      start: z.object({ line: z.number(), col: z.number() }),
      end: z.object({ line: z.number(), col: z.number() }),
      extra: z.object({ message: z.string(), severity: z.string().optional(), fix: z.string().optional() }).passthrough(),
    }),
  ),
  errors: z.array(z.unknown()).default([]),
});

export interface SemgrepRun {
  status: 'ran' | 'absent' | 'failed' | 'skipped';
  detail: string;
  findings: Finding[];
}

export async function runSemgrep(root: string, files: readonly string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<SemgrepRun> {
  if (!files.length) return { status: 'skipped', detail: 'no files to scan', findings: [] };
  const rules = path.join(root, '.nootropic-cache', 'semgrep-rules.yml');
  await makeCacheDir(path.dirname(rules));
  await writeFile(rules, BUNDLED_RULES);
  return new Promise((resolve) => {
    execFile(
      'semgrep',
      ['--json', '--quiet', '--metrics=off', '--disable-version-check', '--config', rules, ...files],
      { cwd: root, env: childEnv(), timeout: opts.timeoutMs, maxBuffer: 32 * 1024 * 1024, windowsHide: true, ...(opts.signal ? { signal: opts.signal } : {}) },
      (err, stdout) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT') return resolve({ status: 'absent', detail: 'semgrep not found on PATH: security rules skipped (install with `pipx install semgrep`)', findings: [] });
        let parsed;
        try {
          parsed = SemgrepOutput.safeParse(JSON.parse(String(stdout)));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) return resolve({ status: 'failed', detail: `semgrep failed: ${err ? (err as Error).message : 'unreadable output'}`, findings: [] });
        const sev = (s: string | undefined): Finding['severity'] => (s === 'ERROR' ? 'error' : s === 'WARNING' ? 'warning' : 'info');
        resolve({
          status: 'ran',
          detail: `semgrep: ${parsed.data.results.length} finding(s) in ${files.length} file(s)`,
          findings: parsed.data.results.map((r) => ({
            source: 'semgrep' as const,
            severity: sev(r.extra.severity),
            message: r.extra.message,
            path: r.path.split(path.sep).join('/'),
            line: r.start.line,
            column: r.start.col,
            endLine: r.end.line,
            endColumn: r.end.col,
            rule: r.check_id,
            ...(r.extra.fix !== undefined ? { fix: r.extra.fix } : {}),
          })),
        });
      },
    );
  });
}
