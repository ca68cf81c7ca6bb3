/**
 * Is a program on PATH? Looked up with a few `access()` calls instead of spawning it: starting a process blocks
 * the event loop for 10–25 ms (fork of a 200 MB server), and the start-up probes ask about programs most machines
 * do not have (semgrep, ollama, nvidia-smi). A program found here is still run to learn its version; one not found
 * is reported as ENOENT, exactly as the spawn would have failed.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** The full path of `cmd` as a child started with `env` would find it, or null. */
export async function findOnPath(cmd: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const win = platform === 'win32';
  const dirs = (env.PATH ?? env.Path ?? '').split(win ? ';' : path.delimiter).filter(Boolean);
  const exts = win ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, cmd + ext);
      try {
        await access(candidate, win ? constants.F_OK : constants.X_OK);
        return candidate;
      } catch {
        /* not here: next */
      }
    }
  }
  return null;
}

/** The error a spawn of a missing program fails with, for callers that branch on `code === 'ENOENT'`. */
export function notOnPath(cmd: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${cmd} ENOENT`), { code: 'ENOENT' });
}
