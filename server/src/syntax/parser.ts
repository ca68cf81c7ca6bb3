/**
 * Parsing with web-tree-sitter: the runtime and each grammar load once, lazily, on first use. A grammar that
 * fails to load is remembered with its reason (shown by `nootropic doctor`), not retried on every keystroke.
 */
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { readFileHead } from '../workspace/file-head';
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

/**
 * Without loading grammars (the background health probe: compiling every grammar blocked the event loop for
 * hundreds of milliseconds at each start): those already loaded or failed as they did, the rest by their file
 * (present, and a WebAssembly module by its first bytes). An explicit doctor run loads them all (`checkGrammars`).
 */
export function checkGrammarFiles(): GrammarHealth {
  const health: GrammarHealth = { loaded: [], failed: [] };
  for (const name of GRAMMARS) {
    const failed = failures.get(name);
    if (failed) {
      health.failed.push({ name, error: failed });
      continue;
    }
    if (languages.has(name)) {
      health.loaded.push(name);
      continue;
    }
    let file = '';
    try {
      file = wasmLocations().grammar(name);
      if (!readFileHead(file, 4).equals(WASM_MAGIC)) throw new Error(`${file} is not a WebAssembly module`);
      health.loaded.push(name);
    } catch (err) {
      health.failed.push({ name, error: (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} is missing` : (err as Error).message });
    }
  }
  return health;
}

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

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
