import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SERVER_BUNDLE = path.join(REPO_ROOT, 'dist', 'server.js');
export const CLI_BUNDLE = path.join(REPO_ROOT, 'dist', 'cli.js');

export interface TempWorkspace {
  root: string;
  write(rel: string, text: string): string;
  dispose(): void;
}

/** A throwaway workspace folder; `write` creates parent folders. */
export function tempWorkspace(prefix = 'nootropic-test-'): TempWorkspace {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    root,
    write(rel, text) {
      const file = path.join(root, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    dispose() {
      // A disposed in-process server may still be finishing an index write (LanceDB's native threads, a snapshot's
      // temp file + rename) in the folder being removed: ENOTEMPTY for a while on a loaded machine. rmSync retries
      // those; if the writer outlasts the retries, the removal goes on in the background instead of failing the
      // test whose assertions already passed (cleanup is not what it tests).
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      } catch {
        void rm(root, { recursive: true, force: true, maxRetries: 40, retryDelay: 250 }).catch(() => undefined);
      }
    },
  };
}

/** Environment for spawned servers: no user config or NOOTROPIC_* leaking in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NOOTROPIC_')) env[k] = v;
  env.NOOTROPIC_USER_CONFIG = path.join(os.tmpdir(), 'nootropic-test-no-user-config.yaml');
  // Run signatures and workspace approvals: the test run's own state folder (vitest.config.mts), never $HOME.
  env.NOOTROPIC_STATE_DIR = process.env.NOOTROPIC_STATE_DIR ?? path.join(os.tmpdir(), 'nootropic-test-state');
  return { ...env, ...extra };
}

/** Every regular file below `dir`, recursively (what a test searches byte by byte). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
