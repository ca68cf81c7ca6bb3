// The background health probe checks grammar files without compiling them (syntax/parser.ts checkGrammarFiles):
// a missing file and a file that is not WebAssembly are reported by name, the rest count as present.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGrammarFiles } from '../../server/src/syntax/parser';
import { GRAMMARS, wasmLocations } from '../../server/src/syntax/grammars';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let ws: TempWorkspace | undefined;
afterEach(() => {
  delete process.env.NOOTROPIC_WASM_DIR;
  ws?.dispose();
  ws = undefined;
});

describe('checkGrammarFiles', () => {
  it('finds every shipped grammar present', () => {
    expect(checkGrammarFiles()).toEqual({ loaded: [...GRAMMARS], failed: [] });
  });

  it('names a missing grammar and one that is not WebAssembly', () => {
    const real = wasmLocations();
    ws = tempWorkspace('nootropic-wasm-');
    copyFileSync(real.runtime, path.join(ws.root, 'tree-sitter.wasm'));
    const [missing, broken, ...rest] = GRAMMARS;
    for (const g of rest) copyFileSync(real.grammar(g), path.join(ws.root, `tree-sitter-${g}.wasm`));
    writeFileSync(path.join(ws.root, `tree-sitter-${broken}.wasm`), '<html>not found</html>');
    process.env.NOOTROPIC_WASM_DIR = ws.root;
    const health = checkGrammarFiles();
    expect(health.loaded).toEqual(rest);
    expect(health.failed).toEqual([
      { name: missing, error: `${path.join(ws.root, `tree-sitter-${missing}.wasm`)} is missing` },
      { name: broken, error: `${path.join(ws.root, `tree-sitter-${broken}.wasm`)} is not a WebAssembly module` },
    ]);
  });
});
