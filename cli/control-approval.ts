/**
 * The CLI's one answer to "this edit writes control files" (docs/security.md): headless, only `--yes` approves,
 * and it names each file it approves; without it the edit is refused with the list and how to allow it. Used by
 * `nootropic run` (the server asks over `nootropic/agent/approve`) and `nootropic chat --apply` (the CLI applies).
 */
export interface ControlFile {
  path: string;
  why: string;
}

/** Prints the decision on stderr and returns it. `who` names the writer, e.g. "the agent's edit". */
export function approveControlFiles(files: readonly ControlFile[], yes: boolean, who: string): boolean {
  if (yes) {
    for (const f of files) process.stderr.write(`approved (--yes): edit ${f.path} (${f.why})\n`);
    return true;
  }
  process.stderr.write(`nootropic: ${who} writes control files, refused:\n${files.map((f) => `  ${f.path} (${f.why})\n`).join('')}Approve them with --yes, or make the change yourself.\n`);
  return false;
}
