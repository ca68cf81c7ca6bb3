/**
 * Parsing with web-tree-sitter: the runtime and each grammar load once, lazily, on first use. A grammar that
 * fails to load is remembered with its reason (shown by `nootropic doctor`), not retried on every keystroke.
 */
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { GRAMMARS, wasmLocations, type GrammarName } from './grammars';

let runtime: Promise<void> | undefined;
const languages = new Map<GrammarName, Promise<Language>>();
const failures = new Map<GrammarName, string>();

function initRuntime(): Promise<void> {
  runtime ??= (async () => {
    const where = wasmLocations();
    await Parser.init({ locateFile: () => where.runtime });
  })();
  return runtime;
}

export async function loadLanguage(name: GrammarName): Promise<Language> {
  let pending = languages.get(name);
  if (!pending) {
    pending = (async () => {
      await initRuntime();
      return Language.load(wasmLocations().grammar(name));
    })();
    pending.catch((err: unknown) => failures.set(name, err instanceof Error ? err.message : String(err)));
    languages.set(name, pending);
  }
  return pending;
}

/** Parse `text`; the caller owns the returned tree and must `delete()` it when done (WASM memory). */
export async function parse(name: GrammarName, text: string): Promise<Tree> {
  const language = await loadLanguage(name);
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    const tree = parser.parse(text);
    if (!tree) throw new Error(`tree-sitter returned no tree for a ${name} document`);
    return tree;
  } finally {
    parser.delete();
  }
}

export interface GrammarHealth {
  loaded: GrammarName[];
  failed: { name: GrammarName; error: string }[];
}

/** Try every grammar (for doctor): which load and which do not, with the reason. */
export async function checkGrammars(): Promise<GrammarHealth> {
  const results = await Promise.allSettled(GRAMMARS.map((g) => loadLanguage(g)));
  const health: GrammarHealth = { loaded: [], failed: [] };
  results.forEach((r, i) => {
    const name = GRAMMARS[i]!;
    if (r.status === 'fulfilled') health.loaded.push(name);
    else health.failed.push({ name, error: failures.get(name) ?? String(r.reason) });
  });
  return health;
}
