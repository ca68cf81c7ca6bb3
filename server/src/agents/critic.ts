/**
 * CriticAgent: judges the workspace after an edit. Syntax (tree-sitter) and TypeScript/JavaScript diagnostics for
 * the changed files, semgrep when it is on PATH, and the tests command — run only once approved (the spec's own
 * tests command is; anything else goes through `approveCommand`). Every check that could not run says why in
 * `notes`; "clean" means the checks that ran found nothing and the tests passed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { grammarFor } from '../syntax/grammars';
import { withToolSpan } from '../telemetry/genai';
import type { Telemetry } from '../telemetry/telemetry';
import { parse } from '../syntax/parser';
import { syntaxProblems } from '../syntax/errors';
import { runShell, type CommandResult } from '../workflow/commands';
import type { Finding } from '../workflow/run-log';
import { runSemgrep, type SemgrepRun } from './semgrep';
import { typeScriptFindings } from './ts-diagnostics';

export interface CriticInput {
  root: string;
  /** Root-relative files the run changed (syntax/types/semgrep look at these). */
  files: readonly string[];
  /** The tests command, already approved (see `approveTests`), and who approved it. */
  tests?: { command: string; approvedBy: string };
  timeoutMs: number;
  signal?: AbortSignal;
  /** When given, semgrep and the tests command each run inside an `execute_tool` span. */
  telemetry?: Telemetry;
}

export interface TestOutcome {
  command: string;
  approved: boolean;
  approvedBy: string;
  passed: boolean;
  result?: CommandResult;
}

export interface CriticReport {
  findings: Finding[];
  tests?: TestOutcome;
  semgrep: SemgrepRun['status'];
  notes: string[];
  /** Nothing blocking: no error findings, and the tests (when there are any) ran and passed. */
  clean: boolean;
}

export async function syntaxFindings(root: string, files: readonly string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of files) {
    const grammar = grammarFor(undefined, f);
    if (!grammar) continue;
    let text: string;
    try {
      text = await readFile(path.join(root, f), 'utf8');
    } catch {
      continue; // deleted by the edit
    }
    const tree = await parse(grammar, text);
    try {
      for (const p of syntaxProblems(tree, 20))
        out.push({ source: 'syntax', severity: 'error', message: p.message, path: f, line: p.start.line + 1, column: p.start.character + 1, endLine: p.end.line + 1, endColumn: p.end.character + 1 });
    } finally {
      tree.delete();
    }
  }
  return out;
}

/** The tests command's failure as a finding the coder can act on: the tail of its output. */
function testFinding(t: TestOutcome): Finding {
  const r = t.result!;
  const why = r.timedOut ? `timed out after ${r.durationMs} ms` : `exited with code ${r.exitCode ?? r.signal}`;
  return { source: 'tests', severity: 'error', message: `tests failed: \`${t.command}\` ${why}\n${r.output.slice(-4_000)}` };
}

export async function criticize(input: CriticInput): Promise<CriticReport> {
  const notes: string[] = [];
  const findings: Finding[] = [];
  findings.push(...(await syntaxFindings(input.root, input.files)));
  const ts = typeScriptFindings(input.root, input.files);
  if (ts.unavailable) notes.push(ts.unavailable);
  findings.push(...ts.findings);
  const tool = <T>(name: string, attributes: Record<string, string | number | boolean>, fn: () => Promise<T>): Promise<T> =>
    input.telemetry ? withToolSpan(input.telemetry, name, attributes, fn) : fn();
  const semgrep = input.files.length
    ? await tool('semgrep', { 'nootropic.files': input.files.length }, () => runSemgrep(input.root, input.files, { timeoutMs: input.timeoutMs, ...(input.signal ? { signal: input.signal } : {}) }))
    : await runSemgrep(input.root, input.files, { timeoutMs: input.timeoutMs, ...(input.signal ? { signal: input.signal } : {}) });
  if (semgrep.status !== 'ran' && semgrep.status !== 'skipped') notes.push(semgrep.detail);
  findings.push(...semgrep.findings);

  let tests: TestOutcome | undefined;
  if (input.tests) {
    const { command, approvedBy } = input.tests;
    const result = await tool('tests', { 'nootropic.command': command, 'nootropic.approved_by': approvedBy }, async () => {
      const r = await runShell(command, input.root, { timeoutMs: input.timeoutMs, ...(input.signal ? { signal: input.signal } : {}) });
      const span = trace.getActiveSpan();
      span?.setAttributes({ 'process.exit.code': r.exitCode ?? -1, 'nootropic.timed_out': r.timedOut });
      if (r.exitCode !== 0 || r.timedOut) span?.setStatus({ code: SpanStatusCode.ERROR, message: r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? r.signal}` });
      return r;
    });
    tests = { command, approved: true, approvedBy, passed: result.exitCode === 0 && !result.timedOut, result };
    if (!tests.passed) findings.push(testFinding(tests));
  } else notes.push('no tests command (set `tests:` in project-spec.yaml): only static checks ran');
  const clean = !findings.some((f) => f.severity === 'error') && (!tests || tests.passed);
  return { findings, ...(tests ? { tests } : {}), semgrep: semgrep.status, notes, clean };
}
