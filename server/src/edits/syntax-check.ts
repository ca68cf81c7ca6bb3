/**
 * AST safety: the file is parsed before and after the edit; an error the edit introduces is a refusal with its
 * location. Errors the file already had are tolerated (a user mid-refactor can still take an edit elsewhere):
 * problems are compared by message as a multiset, since positions move with the edit.
 */
import { syntaxProblems, type SyntaxProblem } from '../syntax/errors';
import { grammarFor, type GrammarName } from '../syntax/grammars';
import { parse } from '../syntax/parser';
import { hasTree, parseEdited } from './tree-cache';
import { windowCheck } from './window-check';

export type SyntaxVerdict =
  | { checked: false; why: string }
  | { checked: true; introduced: SyntaxProblem[] };

async function problems(grammar: GrammarName, text: string, before?: string | null): Promise<SyntaxProblem[]> {
  // The after-text is re-parsed incrementally from the before-text's tree when one is cached (tree-cache.ts).
  const tree = before !== undefined ? (await parseEdited(grammar, before, text)).tree : await parse(grammar, text);
  try {
    return syntaxProblems(tree);
  } finally {
    tree.delete();
  }
}

export function grammarForPath(relPath: string): GrammarName | undefined {
  return grammarFor(undefined, relPath);
}

let windows = true;
let windowMinChars: number | undefined;

/**
 * Benchmarks and tests only: `false` measures the full-parse path beside the window path in one run; `minChars`
 * (0) puts small files (and windows of any size) through windows too, to compare the two paths' verdicts on every case.
 */
export function useWindowCheck(on: boolean, minChars?: number): void {
  windows = on;
  windowMinChars = minChars;
}

/** The windows' "no new error", or false (the full parse decides) — also if the window code itself fails. */
async function windowsClean(grammar: GrammarName, before: string, after: string): Promise<boolean> {
  try {
    return (await windowCheck(grammar, before, after, windowMinChars !== undefined ? { minChars: windowMinChars, maxShare: 1 } : {})).clean;
  } catch {
    return false;
  }
}

export async function checkSyntax(relPath: string, before: string | null, after: string): Promise<SyntaxVerdict> {
  const grammar = grammarForPath(relPath);
  if (!grammar) return { checked: false, why: 'no grammar for this file type (text checks only)' };
  let was: SyntaxProblem[];
  let now: SyntaxProblem[];
  try {
    // A large file with no cached tree: windows around the changes instead of a full parse (window-check.ts).
    // Only "no new error" is taken from them; anything else is decided by the full parse below.
    if (windows && before !== null && !hasTree(grammar, before) && !hasTree(grammar, after) && (await windowsClean(grammar, before, after))) {
      return { checked: true, introduced: [] };
    }
    now = await problems(grammar, after, before);
    if (!now.length) return { checked: true, introduced: [] };
    // The before-text's tree is usually cached (the edit's own parse or an elision's): no second full parse.
    was = before === null ? [] : await problems(grammar, before, null);
  } catch (err) {
    return { checked: false, why: `the ${grammar} grammar could not be loaded: ${err instanceof Error ? err.message : String(err)}` };
  }
  const seen = new Map<string, number>();
  for (const p of was) seen.set(p.message, (seen.get(p.message) ?? 0) + 1);
  const introduced: SyntaxProblem[] = [];
  for (const p of now) {
    const n = seen.get(p.message) ?? 0;
    if (n > 0) seen.set(p.message, n - 1);
    else introduced.push(p);
  }
  return { checked: true, introduced };
}
