/**
 * Per-user state that must live OUTSIDE the workspace, so nothing a repository ships can forge it:
 *  - the machine secret that signs run headers (a run.json without a valid signature was not written here);
 *  - the user's approvals of a workspace's widening settings (`nootropic trust`), keyed by the workspace's real
 *    path and bound to a hash of the exact values approved.
 * Lives in `$NOOTROPIC_STATE_DIR`, else `$XDG_STATE_HOME/nootropic`, else `~/.local/state/nootropic` (0700/0600).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

type Env = Record<string, string | undefined>;

export function stateDir(env: Env = process.env): string {
  if (env.NOOTROPIC_STATE_DIR) return env.NOOTROPIC_STATE_DIR;
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'nootropic');
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

/** A stable id for a workspace folder (its real path, hashed: file names stay short and reveal nothing). */
export function workspaceKey(root: string): string {
  return createHash('sha256').update(realRoot(root)).digest('hex').slice(0, 32);
}

function writePrivate(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/** The machine secret, created on first use. */
function machineSecret(env: Env): Buffer {
  const file = path.join(stateDir(env), 'run-secret');
  try {
    const hex = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  } catch {
    // first use
  }
  const secret = randomBytes(32);
  writePrivate(file, secret.toString('hex'));
  // Two processes may race to create it: whichever rename won is the secret.
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/** HMAC of `payload` under the machine secret, bound to the workspace (a signed run copied to another repo fails). */
export function signForWorkspace(root: string, payload: string, env: Env = process.env): string {
  return createHmac('sha256', machineSecret(env)).update(workspaceKey(root)).update('\0').update(payload).digest('hex');
}

export function verifyForWorkspace(root: string, payload: string, signature: string | undefined, env: Env = process.env): boolean {
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(signForWorkspace(root, payload, env), 'hex');
  const given = Buffer.from(signature, 'hex');
  return expected.length === given.length && expected.equals(given);
}

const Approval = z.object({ root: z.string(), hash: z.string(), keys: z.array(z.string()), approvedAt: z.string() });
export type Approval = z.infer<typeof Approval>;

function approvalFile(root: string, env: Env): string {
  return path.join(stateDir(env), 'approvals', `${workspaceKey(root)}.json`);
}

export function readApproval(root: string, env: Env = process.env): Approval | undefined {
  try {
    const parsed = Approval.safeParse(JSON.parse(readFileSync(approvalFile(root, env), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeApproval(root: string, hash: string, keys: string[], env: Env = process.env): Approval {
  const approval: Approval = { root: realRoot(root), hash, keys, approvedAt: new Date().toISOString() };
  writePrivate(approvalFile(root, env), JSON.stringify(approval, null, 2));
  return approval;
}

/**
 * The user's approvals of a workspace's own plugins (`<root>/.nootropic/plugins/<name>/`): plugin name → hash of
 * the exact folder content approved. A plugin whose content hash differs (new or changed) is not loaded.
 */
const PluginApprovals = z.object({ root: z.string(), plugins: z.record(z.string(), z.object({ hash: z.string(), approvedAt: z.string() })) });
export type PluginApprovals = z.infer<typeof PluginApprovals>;

function pluginApprovalFile(root: string, env: Env): string {
  return path.join(stateDir(env), 'approvals', `${workspaceKey(root)}.plugins.json`);
}

export function readPluginApprovals(root: string, env: Env = process.env): PluginApprovals['plugins'] {
  try {
    const parsed = PluginApprovals.safeParse(JSON.parse(readFileSync(pluginApprovalFile(root, env), 'utf8')));
    return parsed.success ? parsed.data.plugins : {};
  } catch {
    return {};
  }
}

/** Adds (or replaces) the approval of each named plugin's content hash; other plugins' approvals are kept. */
export function approvePlugins(root: string, approvals: Array<{ name: string; hash: string }>, env: Env = process.env): void {
  const plugins = readPluginApprovals(root, env);
  const approvedAt = new Date().toISOString();
  for (const a of approvals) plugins[a.name] = { hash: a.hash, approvedAt };
  writePrivate(pluginApprovalFile(root, env), JSON.stringify({ root: realRoot(root), plugins }, null, 2));
}
