/**
 * Usage errors: one line on stderr saying what was wrong and the valid form, exit 2. Commander reports its own
 * parse errors (unknown option, missing argument, bad choice) through `outputError`; argument parsers here throw
 * `InvalidArgumentError`, which commander routes the same way; commands call `usageError` for checks they make
 * themselves (an input file that cannot be read).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { statSync, accessSync, constants } from 'node:fs';
import path from 'node:path';

export const USAGE_ERROR = 'nootropic.usage';

/** `nootropic edit apply`: the command's full name as a person types it. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The one line: `nootropic search: <what was wrong> (usage: nootropic search [options] [query])`. */
export function usageLine(cmd: Command, message: string): string {
  const what = message.replace(/^error:\s*/, '').replace(/\s+/g, ' ').trim();
  return `${commandPath(cmd)}: ${what} (usage: ${commandPath(cmd)} ${cmd.usage()})`;
}

/**
 * Makes every command (recursively) print commander's errors as one usage line, without the help text after it.
 * Returns a probe telling whether anything was printed, so the caller can print errors commander did not.
 */
export function oneLineUsageErrors(program: Command): { printed: () => boolean } {
  let printed = false;
  const visit = (cmd: Command): void => {
    cmd.showHelpAfterError(false);
    cmd.configureOutput({
      outputError: (str, write) => {
        printed = true;
        write(`${usageLine(cmd, str)}\n`);
      },
    });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  return { printed: () => printed };
}

/** Raises a usage error on `cmd` (one line, exit 2). */
export function usageError(cmd: Command, message: string): never {
  cmd.error(message, { exitCode: 2, code: USAGE_ERROR });
  throw new CommanderError(2, USAGE_ERROR, message); // not reached: error() throws under exitOverride
}

/** An option/argument parser for a positive integer; commander's message names the option and the value. */
export function positiveInt(expected = 'a positive integer'): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`Expected ${expected}.`);
    return n;
  };
}

/** Why `file` cannot be read as an input file, or undefined when it can. */
export function unreadable(file: string): string | undefined {
  const abs = path.resolve(file);
  try {
    const st = statSync(abs);
    if (st.isDirectory()) return `${file} is a directory, not a file`;
    accessSync(abs, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? (err as Error).message})`;
  }
}

/** Exits 2 with the path when any of `files` is not a readable file (`-` means stdin and always is). */
export function requireReadable(cmd: Command, files: string[], what = 'input file'): void {
  for (const f of files) {
    if (f === '-') continue;
    const why = unreadable(f);
    if (why) usageError(cmd, `${what} ${why}`);
  }
}
