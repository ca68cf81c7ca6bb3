import { describe, expect, it } from 'vitest';
import { dropDuplicates, type DiagnosticLike } from '../../extension/diagnostic-dedup';

const range = (l: number, c: number, el: number, ec: number) => ({ start: { line: l, character: c }, end: { line: el, character: ec } });

describe('no problem listed twice (extension/diagnostic-dedup.ts)', () => {
  const critic: DiagnosticLike = { range: range(2, 6, 2, 7), source: 'nootropic-critic', code: 'TS2322', message: "Type 'string' is not assignable to type 'number'." };
  const syntax: DiagnosticLike = { range: range(1, 16, 1, 17), source: 'nootropic', code: 'syntax', message: 'Syntax error: missing `)`', severity: 0 };

  it("drops the critic's TS2322 when ts reports 2322 at the same range", () => {
    const ts: DiagnosticLike = { range: range(2, 6, 2, 7), source: 'ts', code: 2322, message: "Type 'string' is not assignable to type 'number'." };
    expect(dropDuplicates([critic, syntax], [ts, critic, syntax])).toEqual([syntax]);
    // VS Code's code objects ({ value, target }) and a matching message count too.
    expect(dropDuplicates([critic], [{ ...ts, code: { value: 2322 } }])).toEqual([]);
    expect(dropDuplicates([critic], [{ ...ts, code: undefined }])).toEqual([]);
  });

  it('keeps a critic finding at another range, with another code and message, or when only nootropic reports it', () => {
    const elsewhere: DiagnosticLike = { range: range(3, 6, 3, 7), source: 'ts', code: 2322, message: critic.message };
    const other: DiagnosticLike = { range: range(2, 6, 2, 7), source: 'ts', code: 2345, message: 'Argument of type…' };
    expect(dropDuplicates([critic], [elsewhere, other])).toEqual([critic]);
    expect(dropDuplicates([critic], [critic, syntax])).toEqual([critic]);
    expect(dropDuplicates([critic], [])).toEqual([critic]);
  });

  it("drops a syntax error when the language's server reports an error on the same line, keeps it otherwise", () => {
    const tsSyntax: DiagnosticLike = { range: range(1, 18, 1, 19), source: 'ts', code: 1005, message: "')' expected.", severity: 0 };
    expect(dropDuplicates([syntax], [tsSyntax, syntax])).toEqual([]);
    // TypeScript's server not running (or silent): ours is the only report, so it stays.
    expect(dropDuplicates([syntax], [syntax])).toEqual([syntax]);
    // A warning or an error on another line is another problem.
    expect(dropDuplicates([syntax], [{ ...tsSyntax, severity: 1 }])).toEqual([syntax]);
    expect(dropDuplicates([syntax], [{ ...tsSyntax, range: range(4, 0, 4, 1) }])).toEqual([syntax]);
  });

  it("in fallback (TS/JS, CSS by default) holds ours back for the grace period, then shows it only while the checker reports no error", () => {
    const early = { checkerSource: 'ts', graceOver: false };
    const late = { checkerSource: 'ts', graceOver: true };
    // Within the grace period nothing of ours is listed, whatever the others say; critic findings are not held back.
    expect(dropDuplicates([syntax, critic], [syntax, critic], early)).toEqual([critic]);
    // TypeScript has said nothing by then (its server not running): ours is the one listing.
    expect(dropDuplicates([syntax], [syntax], late)).toEqual([syntax]);
    // TypeScript reports an error anywhere in the document: it reports the syntax error itself, maybe on another line.
    const tsElsewhere: DiagnosticLike = { range: range(3, 0, 3, 1), source: 'ts', code: 1128, message: 'Declaration or statement expected.', severity: 0 };
    expect(dropDuplicates([syntax], [tsElsewhere, syntax], late)).toEqual([]);
    // Its warnings, and another source's error on another line, do not stand for it.
    expect(dropDuplicates([syntax], [{ ...tsElsewhere, severity: 1 }], late)).toEqual([syntax]);
    expect(dropDuplicates([syntax], [{ ...tsElsewhere, source: 'eslint' }], late)).toEqual([syntax]);
    // Same-line dedup still holds for any source.
    expect(dropDuplicates([syntax], [{ ...tsElsewhere, source: 'eslint', range: range(1, 0, 1, 1) }], late)).toEqual([]);
  });
});
