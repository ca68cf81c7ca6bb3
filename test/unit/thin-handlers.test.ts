/**
 * Thin handlers: server/src/handlers/ parse, call services and map errors. State (timers, maps, flags, runs in
 * flight) lives in services built in createServer, where it has a name and can be read and tested. This scan fails
 * when a handler module, or the body of its `register`, declares state again: a `let`/`var`, or a `const` holding
 * a `new …` (Map, Set, AbortController, a class).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths';

const HANDLERS = path.join(REPO_ROOT, 'server', 'src', 'handlers');

/** Declarations of state among `statements` (one scope level, not nested callbacks). */
function stateIn(statements: readonly ts.Statement[], src: ts.SourceFile, where: string): string[] {
  const out: string[] = [];
  for (const st of statements) {
    if (!ts.isVariableStatement(st)) continue;
    const list = st.declarationList;
    const mutable = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== ts.NodeFlags.Const;
    for (const d of list.declarations) {
      const init = d.initializer;
      if (mutable || (init && ts.isNewExpression(init))) {
        const line = src.getLineAndCharacterOfPosition(d.getStart(src)).line + 1;
        out.push(`${where}:${line} ${d.name.getText(src)}`);
      }
    }
  }
  return out;
}

/** State a handler file keeps at module scope or in its `register` body. */
function handlerState(file: string, text: string): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out = stateIn(src.statements, src, file);
  for (const st of src.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === 'register' && st.body) out.push(...stateIn(st.body.statements, src, `${file} register()`));
  }
  return out;
}

describe('thin handlers: no state in server/src/handlers', () => {
  it('no handler keeps state at module scope or in register()', () => {
    const offences = readdirSync(HANDLERS)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => handlerState(`server/src/handlers/${f}`, readFileSync(path.join(HANDLERS, f), 'utf8')));
    expect(offences).toEqual([]);
  });

  it('the scan finds a module-level let, and a let and a new Map() in register(); constants and callback locals are not state', () => {
    const text = [
      'let count = 0;',
      'const TABLE = { a: 1 };',
      'export function register(ctx) {',
      '  let timer;',
      '  const runs = new Map();',
      '  const limit = 3;',
      '  ctx.rpc.request(X, async () => { let found; const seen = new Set(); return found; });',
      '}',
    ].join('\n');
    expect(handlerState('h.ts', text)).toEqual([
      'h.ts:1 count',
      'h.ts register():4 timer',
      'h.ts register():5 runs',
    ]);
  });
});
