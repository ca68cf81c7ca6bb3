/** `git diff HEAD` of the workspace for /review, run with an explicit environment (no keys reach git). */
import { execFile } from 'node:child_process';

const MAX_DIFF = 150_000;

export function gitDiff(cwd: string, signal?: AbortSignal): Promise<string> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, LANG: 'C', GIT_TERMINAL_PROMPT: '0' };
  return new Promise((resolve, reject) =>
    execFile('git', ['diff', 'HEAD', '--no-color', '--no-ext-diff'], { cwd, env, maxBuffer: 16 * 1024 * 1024, windowsHide: true, ...(signal ? { signal } : {}) }, (err, stdout, stderr) =>
      err ? reject(new Error(`git diff failed: ${(stderr || err.message).trim().split('\n')[0]}`)) : resolve(stdout.length > MAX_DIFF ? `${stdout.slice(0, MAX_DIFF)}\n… (diff cut at ${MAX_DIFF} characters)` : stdout),
    ),
  );
}
