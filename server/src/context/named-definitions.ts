/**
 * Identifiers an instruction or question names (`Config.from_prefixed_env`, `from_prefixed_env()`,
 * `parseOptions`, `` `Derivative` ``) resolved against the index's symbol table: their definitions go to the
 * model before any ranked chunk, because ranking by words alone can miss the one definition the user named.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexHandle } from '../rag/index-host';
import type { IndexedChunk } from '../rag/workspace-index';
import type { RetrievedChunk } from './retriever';

export interface NamedIdentifier {
  /** The name to look up (the last segment of a dotted name). */
  name: string;
  /** Qualifiers before it (`Config` in `Config.from_prefixed_env`), innermost last. */
  qualifiers: string[];
}

const FILE_EXT = /\.(py|pyi|[cm]?[jt]sx?|go|rs|java|kt|cs|c|h|cc|cpp|hpp|rb|php|md|json|ya?ml|toml|txt|sh|css|html)$/i;

/** A word that reads as code rather than English: snake_case, camelCase/PascalCase with an inner capital, `$`. */
function looksLikeCode(word: string): boolean {
  return /[a-z0-9]_[a-z0-9]/i.test(word) || /^_/.test(word) || /[a-z][A-Z]/.test(word) || /^[A-Z]{2,}[a-z]/.test(word) || word.includes('$');
}

/**
 * The identifiers a text names: dotted names (`a.b.c`), names written as calls (`f()`, `f(x)`), names in
 * backticks, and words shaped like code (snake_case, camelCase). File names (`tests/test_config.py`) are not
 * identifiers. Order of first appearance, at most `max`.
 */
export function namedIdentifiers(text: string, max = 8): NamedIdentifier[] {
  const out = new Map<string, NamedIdentifier>();
  const add = (raw: string) => {
    const parts = raw.split('.').filter(Boolean);
    const name = parts.pop();
    if (!name || name.length < 2 || !/^[A-Za-z_$][\w$]*$/.test(name)) return;
    const key = [...parts, name].join('.');
    if (!out.has(key)) out.set(key, { name, qualifiers: parts });
  };
  const re = /(`?)([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(`?)(\s*\()?/g;
  for (const m of text.matchAll(re)) {
    const [, tick1, word, tick2, call] = m;
    const at = m.index ?? 0;
    // Part of a path or a file name: `src/config.py`, `tests/test_config.py`.
    if (text[at - 1] === '/' || text[at + m[0].length] === '/' || FILE_EXT.test(word!)) continue;
    const dotted = word!.includes('.');
    if ((tick1 && tick2) || call || dotted || looksLikeCode(word!)) add(word!);
  }
  return [...out.values()].slice(0, max);
}

/** Definitions (not blocks or windows) named `id.name`; a qualifier narrows to definitions scoped under it. */
export async function resolveIdentifier(index: Pick<IndexHandle, 'symbols'>, id: NamedIdentifier, max = 2): Promise<IndexedChunk[]> {
  const rows = await index.symbols(id.name, 200);
  const exact = rows.filter((r) => r.symbol === id.name);
  const pool = exact.length ? exact : rows.filter((r) => r.symbol.toLowerCase() === id.name.toLowerCase());
  if (!id.qualifiers.length) return pool.slice(0, max);
  const q = id.qualifiers[id.qualifiers.length - 1]!.toLowerCase();
  const scoped = pool.filter((r) => r.scope.toLowerCase().split('.').includes(q) || path.basename(r.path).toLowerCase().startsWith(q));
  return (scoped.length ? scoped : pool).slice(0, max);
}

/**
 * The definitions `text` names, read from the files (lines as they are now), each scored above `above` so
 * they rank before the ranked chunks they are merged with. At most `max` chunks.
 */
export async function namedDefinitions(index: Pick<IndexHandle, 'symbols' | 'root'>, text: string, above: number, max = 4): Promise<RetrievedChunk[]> {
  const out: RetrievedChunk[] = [];
  const seen = new Set<string>();
  const ids = namedIdentifiers(text);
  for (const id of ids) {
    for (const row of await resolveIdentifier(index, id)) {
      const key = `${row.path}:${row.start_line}`;
      if (seen.has(key) || out.length >= max) continue;
      let lines: string[];
      try {
        lines = (await readFile(path.join(index.root, row.path), 'utf8')).split(/\r?\n/);
      } catch {
        continue;
      }
      seen.add(key);
      out.push({ path: row.path, startLine: row.start_line, endLine: row.end_line, text: lines.slice(row.start_line - 1, row.end_line).join('\n'), score: 0 });
    }
  }
  // Named first, in the order the text names them.
  return out.map((c, i) => ({ ...c, score: Number((above + out.length - i).toFixed(4)) }));
}
