/**
 * No problem listed twice, and none listed zero times. What nootropic publishes is filtered against the other
 * diagnostics VS Code has for the document:
 * - a syntax error (`nootropic`, code `syntax`) is dropped when the language's own server reports an error on the
 *   same line (a Python extension's, or TypeScript's: its "')' expected." and tree-sitter's "Syntax error" are the
 *   same problem, at different columns). Where that server is not running or reports nothing, ours is shown.
 * - for TypeScript/JavaScript and CSS by default (`fallback`, syntax-languages.ts) ours is held back for a grace
 *   period, so the built-in checker answers first, and dropped whenever that checker reports any error in the
 *   document (it reports every syntax error itself, sometimes on another line than tree-sitter). Only where it is
 *   installed but reports nothing (not running) is ours the one listing.
 * - a critic finding (`nootropic-critic`) is dropped when the language's server reports the same code or message at
 *   the same range (the critic's TS2322 next to ts(2322)).
 * Pure functions over the shapes vscode.Diagnostic has, so unit tests need no editor.
 */
export const CRITIC_SOURCE = 'nootropic-critic';
export const SYNTAX_SOURCE = 'nootropic';
const ERROR = 0; // vscode.DiagnosticSeverity.Error

interface Pos {
  line: number;
  character: number;
}
export interface DiagnosticLike {
  range: { start: Pos; end: Pos };
  source?: string | undefined;
  code?: string | number | { value: string | number } | undefined;
  message: string;
  severity?: number;
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

/** How a document's syntax errors defer to the language's built-in checker (syntax-languages.ts `fallback`). */
export interface SyntaxFallback {
  /** The `source` of the checker's diagnostics (`ts`, `css`). */
  checkerSource: string;
  /** Whether the grace period since our syntax errors appeared is over. */
  graceOver: boolean;
}

export function isSyntax(d: DiagnosticLike): boolean {
  return d.source === SYNTAX_SOURCE && codeKey(d.code) === 'syntax';
}

/** `ours` without what one of `theirs` (diagnostics not from nootropic) already reports. */
export function dropDuplicates<T extends DiagnosticLike>(ours: readonly T[], theirs: readonly DiagnosticLike[], fallback?: SyntaxFallback): T[] {
  const others = theirs.filter((d) => !d.source?.startsWith('nootropic'));
  const errors = others.filter((o) => (o.severity ?? ERROR) === ERROR);
  const errorLines = new Set(errors.map((o) => o.range.start.line));
  const checkerReports = fallback !== undefined && errors.some((o) => o.source === fallback.checkerSource);
  return ours.filter((d) => {
    if (isSyntax(d)) return !errorLines.has(d.range.start.line) && (!fallback || (fallback.graceOver && !checkerReports));
    if (d.source === CRITIC_SOURCE) return !others.some((o) => duplicates(d, o));
    return true;
  });
}
