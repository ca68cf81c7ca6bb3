/**
 * Commands the agents run (the tests command, semgrep): a shell command in the workspace, with a time limit that
 * kills its whole process group, cancellation, and the output kept to its last part (what a model can use). It runs
 * with an allow-listed environment (shared/security/child-env.ts): no keys or tokens for model-written test code to read.
 * Whether a command may run at all is `approveCommand`'s decision, made before anything is spawned.
 */
import { spawn } from 'node:child_process';
import { allowlistVerdict, parseCommand } from '../security/command-policy';
import { childEnv } from '../../../shared/security/child-env';
import type { ControlChange } from '../security/control-files';

export interface CommandResult {
  command: string;
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  /** stdout and stderr interleaved, the last `maxOutput` characters. */
  output: string;
  durationMs: number;
}

export function runShell(command: string, cwd: string, opts: { timeoutMs: number; signal?: AbortSignal; maxOutput?: number; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  const started = Date.now();
  const max = opts.maxOutput ?? 8_000;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new Error('cancelled'));
    const child = spawn(command, { cwd, shell: true, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? childEnv(), windowsHide: true });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.length > max * 2) output = output.slice(-max);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    let timedOut = false;
    const killTree = () => {
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, opts.timeoutMs);
    const onAbort = () => killTree();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new Error('cancelled'));
      resolve({ command, exitCode: code, ...(sig ? { signal: sig } : {}), timedOut, output: output.slice(-max), durationMs: Date.now() - started });
    });
  });
}

export interface ApprovalRequest {
  command: string;
  cwd: string;
  reason: string;
  /** 'edit': the agent wants to write control files (`files`); `command` summarises them. Default 'command'. */
  kind?: 'command' | 'edit';
  files?: ControlChange[];
}

export type Approver = (req: ApprovalRequest) => Promise<boolean>;

export interface ApprovalDecision {
  approved: boolean;
  /** Why: 'spec', 'allowlist', 'client', or the refusal. */
  by: string;
}

/**
 * A command runs when it is the spec's tests command, when the allow-list covers every part of it (parsed, see
 * security/command-policy.ts), or when the person approves it (client). A command that does not parse never runs.
 */
export async function approveCommand(opts: {
  command: string;
  cwd: string;
  reason: string;
  trusted: boolean;
  specTests?: string;
  allowlist: readonly string[];
  ask?: Approver;
}): Promise<ApprovalDecision> {
  if (!opts.trusted) return { approved: false, by: 'restricted mode (untrusted workspace): agents run no commands' };
  const cmd = opts.command.trim();
  const parsed = await parseCommand(cmd).catch((err: unknown) => ({ ok: false as const, error: `the shell parser failed (${err instanceof Error ? err.message : String(err)})` }));
  if (!parsed.ok) return { approved: false, by: `"${cmd}" cannot be parsed as a shell command (${parsed.error}): refused` };
  if (opts.specTests && cmd === opts.specTests.trim()) return { approved: true, by: 'spec' };
  const listed = await allowlistVerdict(parsed, opts.allowlist);
  if (listed.allowed) return { approved: true, by: 'allowlist' };
  if (!opts.ask) return { approved: false, by: `"${cmd}" is not in project-spec.yaml or agents.allowCommands (${listed.why}), and there is no one to ask` };
  const ok = await opts.ask({ command: cmd, cwd: opts.cwd, reason: opts.reason }).catch(() => false);
  return ok ? { approved: true, by: 'client' } : { approved: false, by: `"${cmd}" was not approved (${listed.why}; approve it with --yes, or make it the spec's tests command)` };
}

/**
 * An agent's edit that writes control files (security/control-files.ts) needs the person's approval, through the
 * same request as a command: no allow-list or spec covers it, and restricted mode never gets this far.
 */
export async function approveControlEdit(opts: { files: readonly ControlChange[]; cwd: string; trusted: boolean; ask?: Approver }): Promise<ApprovalDecision> {
  const list = opts.files.map((f) => `${f.path} (${f.why})`).join(', ');
  if (!opts.trusted) return { approved: false, by: 'restricted mode (untrusted workspace): agents write nothing' };
  if (!opts.ask) return { approved: false, by: `the edit writes control files that only the user may approve — ${list} — and there is no one to ask` };
  const ok = await opts
    .ask({ kind: 'edit', command: `write ${opts.files.map((f) => f.path).join(', ')}`, cwd: opts.cwd, reason: `the agent's edit changes control files: ${list}`, files: [...opts.files] })
    .catch(() => false);
  return ok ? { approved: true, by: 'client' } : { approved: false, by: `the edit writes control files that were not approved — ${list} (approve with --yes, or make the change yourself)` };
}
