import { describe, expect, it } from 'vitest';
import { dropDuplicateCriticFindings, type DiagnosticLike } from '../../extension/diagnostic-dedup';

const range = (l: number, c: number, el: number, ec: number) => ({ start: { line: l, character: c }, end: { line: el, character: ec } });

describe("critic findings that repeat the language's own diagnostics are dropped (extension/diagnostic-dedup.ts)", () => {
  const critic: DiagnosticLike = { range: range(2, 6, 2, 7), source: 'nootropic-critic', code: 'TS2322', message: "Type 'string' is not assignable to type 'number'." };
  const syntax: DiagnosticLike = { range: range(5, 0, 5, 1), source: 'nootropic', code: 'syntax', message: 'Syntax error' };

  it('drops TS2322 from the critic when ts reports 2322 at the same range', () => {
    const ts: DiagnosticLike = { range: range(2, 6, 2, 7), source: 'ts', code: 2322, message: "Type 'string' is not assignable to type 'number'." };
    expect(dropDuplicateCriticFindings([critic, syntax], [ts, critic, syntax])).toEqual([syntax]);
    // VS Code's code objects ({ value, target }) and a matching message count too.
    expect(dropDuplicateCriticFindings([critic], [{ ...ts, code: { value: 2322 } }])).toEqual([]);
    expect(dropDuplicateCriticFindings([critic], [{ ...ts, code: undefined }])).toEqual([]);
  });

  it('keeps it at another range, with another code and message, or when only nootropic reports it', () => {
    const elsewhere: DiagnosticLike = { range: range(3, 6, 3, 7), source: 'ts', code: 2322, message: critic.message };
    const other: DiagnosticLike = { range: range(2, 6, 2, 7), source: 'ts', code: 2345, message: 'Argument of type…' };
    expect(dropDuplicateCriticFindings([critic], [elsewhere, other])).toEqual([critic]);
    expect(dropDuplicateCriticFindings([critic], [critic, syntax])).toEqual([critic]);
    expect(dropDuplicateCriticFindings([critic], [])).toEqual([critic]);
  });
});
