/**
 * Critic findings (`nootropic-critic`) that repeat what the language's own server already shows at the same range
 * (TS2322 from the critic next to ts(2322) from VS Code's TypeScript server) are dropped: the same problem twice is
 * noise. Pure functions over the shapes vscode.Diagnostic has, so unit tests need no editor.
 */
export const CRITIC_SOURCE = 'nootropic-critic';

interface Pos {
  line: number;
  character: number;
}
export interface DiagnosticLike {
  range: { start: Pos; end: Pos };
  source?: string | undefined;
  code?: string | number | { value: string | number } | undefined;
  message: string;
}

/** `TS2322`, `2322` and `{ value: 2322 }` are the same code. */
function codeKey(code: DiagnosticLike['code']): string | undefined {
  const v = typeof code === 'object' && code !== null ? code.value : code;
  return v === undefined ? undefined : String(v).replace(/^ts/i, '');
}

const samePos = (a: Pos, b: Pos) => a.line === b.line && a.character === b.character;

/** Whether `critic` says what `other` (from another source, e.g. `ts`) already says at the same range. */
export function duplicates(critic: DiagnosticLike, other: DiagnosticLike): boolean {
  if (!samePos(critic.range.start, other.range.start) || !samePos(critic.range.end, other.range.end)) return false;
  const a = codeKey(critic.code);
  const b = codeKey(other.code);
  return (a !== undefined && a === b) || critic.message.trim() === other.message.trim();
}

/** `ours` without the critic findings that duplicate one of `theirs` (diagnostics not from nootropic). */
export function dropDuplicateCriticFindings<T extends DiagnosticLike>(ours: readonly T[], theirs: readonly DiagnosticLike[]): T[] {
  const others = theirs.filter((d) => !d.source?.startsWith('nootropic'));
  return ours.filter((d) => d.source !== CRITIC_SOURCE || !others.some((o) => duplicates(d, o)));
}
