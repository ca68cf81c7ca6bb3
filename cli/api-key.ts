/**
 * Where the CLI gets the model API key: `NOOTROPIC_API_KEY_FILE` (a file holding the key, e.g. 0600 under
 * ~/.config/nootropic) or `NOOTROPIC_API_KEY`. The key goes to the server over the protocol either way. The file is
 * the way to keep the key out of every process's environment: Linux keeps a process's initial environment in
 * /proc/<pid>/environ, readable by the same user's processes (model-written test code included), and Node cannot
 * rewrite it, so a key in the CLI's environment stays visible there for the CLI's lifetime (docs/security.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { CommanderError } from 'commander';
import { USAGE_ERROR } from './usage';

/** The key, or undefined when neither variable is set. An unreadable or empty key file is a usage error. */
export function readApiKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.NOOTROPIC_API_KEY_FILE?.trim();
  if (file) {
    let key: string;
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new CommanderError(2, USAGE_ERROR, `NOOTROPIC_API_KEY_FILE ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!key) throw new CommanderError(2, USAGE_ERROR, `NOOTROPIC_API_KEY_FILE ${file} is empty`);
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && mode & 0o077) process.stderr.write(`nootropic: warning: NOOTROPIC_API_KEY_FILE ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it\n`);
    return key;
  }
  return env.NOOTROPIC_API_KEY?.trim() || undefined;
}
