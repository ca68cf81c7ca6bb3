/**
 * CoderAgent: gathers context for a task — files the task or the critic names, retrieved chunks, files that
 * define the symbols the instruction mentions, past episodes (few-shot), the critic's findings — fits it to the
 * edit model's window (prompt-budget.ts) and asks for edits in the edit engine's formats (SEARCH/REPLACE blocks,
 * unified diffs, whole files). Workspace content goes in as delimited data with an explicit rule that text inside
 * it is never the user's instruction (a file saying "ignore previous instructions" is just file content).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContextRetriever } from '../context/retriever';
import { fitToWindow, renderPiece, type BudgetResult, type ContextPiece } from '../models/prompt-budget';
import { fenceContent, newFence, renderSection, untrustedInstruction, type DataSection } from '../prompts/fence';
import type { ModelRouter, WindowInfo } from '../models/router';
import type { ChatMessage } from '../models/types';
import { estimateTokens } from '../models/token-estimate';
import { walkWorkspace } from '../rag/walk';
import type { Finding } from '../workflow/run-log';

export const CODER_SYSTEM_PROMPT = [
  'You are the coder agent of nootropic. You change files in the user\'s workspace to accomplish the task.',
  'Answer with a one-sentence plan, then the edits, as SEARCH/REPLACE blocks:',
  'path/to/file.ext',
  '```',
  '<<<<<<< SEARCH',
  'exact lines from the file',
  '=======',
  'the replacement lines',
  '>>>>>>> REPLACE',
  '```',
  'The SEARCH text must match the file exactly and only once. To create a file, use an empty SEARCH. A unified diff is also accepted.',
].join('\n');

export interface CoderTask {
  instruction: string;
  title?: string;
  description?: string;
  acceptance?: string[];
  files?: string[];
}

export interface Example {
  task: string;
  edits: string;
  outcome: string;
}

export interface CoderInput {
  root: string;
  task: CoderTask;
  findings: Finding[];
  /** The diff of what this run already changed (so the model sees the current state of its own work). */
  appliedDiff?: string;
  /** Why the last edit was refused by the edit engine, if it was. */
  refusal?: string;
  examples: Example[];
  openFiles: Array<{ path: string; text: string }>;
  retriever?: ContextRetriever;
  models: ModelRouter;
  signal: AbortSignal;
}

export interface CoderOutput {
  text: string;
  prompt: string;
  promptTokens: number;
  outputTokens: number;
  model: string;
  dropped: number;
}

const MAX_FILE_CHARS = 60_000;

async function fileText(root: string, rel: string): Promise<string | undefined> {
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(path.resolve(root) + path.sep)) return undefined;
  try {
    const t = await readFile(abs, 'utf8');
    return t.length > MAX_FILE_CHARS || t.includes('\u0000') ? undefined : t;
  } catch {
    return undefined;
  }
}

/** Root-relative paths mentioned in text (instruction, test output) that exist in the workspace. */
async function mentionedFiles(root: string, text: string): Promise<string[]> {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s('"`])((?:\.{0,2}\/)?[\w./-]+\.[A-Za-z0-9]{1,6})(?::\d+)?/g)) {
    let p = m[1]!;
    if (path.isAbsolute(p)) p = path.relative(root, p);
    p = p.replace(/^\.\//, '');
    if (p.startsWith('..') || p.includes('node_modules')) continue;
    if ((await fileText(root, p)) !== undefined) out.add(p.split(path.sep).join('/'));
  }
  return [...out];
}

/** Files defining symbols the instruction names as calls (`discount()`), for workspaces without an index. */
async function definingFiles(root: string, instruction: string, signal: AbortSignal): Promise<string[]> {
  const names = [...new Set([...instruction.matchAll(/\b([A-Za-z_$][\w$]*)\s*\(\)/g)].map((m) => m[1]!.replace(/\$/g, '\\$')))].slice(0, 5);
  if (!names.length) return [];
  const walked = await walkWorkspace(root, { maxFileBytes: 200_000, signal });
  const out: string[] = [];
  for (const f of walked.files.slice(0, 2_000)) {
    if (f.rel.startsWith('.nootropic-cache/')) continue;
    const text = await fileText(root, f.rel);
    if (!text) continue;
    if (names.some((n) => new RegExp(`(function\\s+${n}\\b|\\b${n}\\s*[=:]\\s*(async\\s*)?(function|\\()|def\\s+${n}\\b|fn\\s+${n}\\b|func\\s+${n}\\b)`).test(text))) out.push(f.rel);
    if (out.length >= 5) break;
  }
  return out;
}

function renderFindings(findings: Finding[]): string {
  return findings
    .slice(0, 30)
    .map((f) => `- [${f.source}${f.rule ? ` ${f.rule}` : ''}] ${f.path ? `${f.path}${f.line ? `:${f.line}` : ''}: ` : ''}${f.message}`)
    .join('\n');
}

export async function runCoder(input: CoderInput): Promise<CoderOutput> {
  const { root, task } = input;
  const pieces: ContextPiece[] = [];
  const seen = new Set<string>();
  const addFile = async (rel: string, score: number, kind: ContextPiece['kind'] = 'open-file') => {
    if (seen.has(rel)) return;
    const text = await fileText(root, rel);
    if (text === undefined) return;
    seen.add(rel);
    pieces.push({ kind, score, path: rel, startLine: 1, endLine: text.split('\n').length, text });
  };
  for (const f of input.openFiles) {
    seen.add(f.path);
    pieces.push({ kind: 'open-file', score: 3, path: f.path, startLine: 1, endLine: f.text.split('\n').length, text: f.text });
  }
  for (const f of task.files ?? []) await addFile(f, 2.5);
  const findingText = input.findings.map((f) => `${f.path ?? ''} ${f.message}`).join('\n');
  for (const f of await mentionedFiles(root, `${task.instruction}\n${task.description ?? ''}\n${findingText}`)) await addFile(f, 2);
  for (const f of await definingFiles(root, `${task.instruction} ${task.title ?? ''}`, input.signal)) await addFile(f, 1.5);
  if (input.retriever) {
    try {
      for (const c of await input.retriever.retrieve(`${task.title ?? ''} ${task.instruction}`, 8, input.signal)) {
        if (seen.has(c.path)) continue;
        pieces.push({ kind: 'retrieved', score: c.score, path: c.path, startLine: c.startLine, endLine: c.endLine, text: c.text });
      }
    } catch {
      // retrieval is best effort; the files named above still go in
    }
  }
  if (input.findings.length) pieces.push({ kind: 'diagnostics', score: 1, text: renderFindings(input.findings) });

  const taskLines = [
    `Task: ${task.instruction}`,
    ...(task.title && task.title !== task.instruction ? [`Title: ${task.title}`] : []),
    ...(task.description ? [`Description: ${task.description}`] : []),
    ...(task.acceptance?.length ? [`Acceptance criteria:\n${task.acceptance.map((a) => `- ${a}`).join('\n')}`] : []),
  ].join('\n');
  // Everything that came from the workspace, memory or tools is data inside the one fence; only the task and
  // nootropic's own words about it are outside.
  const feedback = [
    ...(input.appliedDiff ? ['Your earlier edits in this task are already applied (the files shown are current; the diff is in the data).'] : []),
    ...(input.refusal ? [`Your last edit was NOT applied: ${input.refusal}. Copy SEARCH text exactly from the current file.`] : []),
    ...(input.findings.length ? ['The critic found problems after your last edit (listed in the diagnostics data). Fix them.'] : []),
  ].join('\n\n');
  const extra: DataSection[] = [
    ...input.examples.map((e) => ({ label: 'past episode (a similar task and the edits that solved it, for reference)', text: `Task: ${e.task}\nOutcome: ${e.outcome}\nEdits:\n${e.edits.slice(0, 2_000)}` })),
    ...(input.appliedDiff ? [{ label: 'your applied edits (diff)', text: input.appliedDiff.slice(0, 6_000) }] : []),
  ];
  const fence = newFence([...pieces.map((p) => p.text), ...extra.map((x) => x.text)]);
  const system = `${CODER_SYSTEM_PROMPT}\n${untrustedInstruction(fence)}`;
  const extraText = extra.map(renderSection).join('\n\n');

  let budget: BudgetResult | undefined;
  let promptText = '';
  const prepare = (w: WindowInfo) => {
    budget = fitToWindow({ fixed: [system, taskLines, feedback, extraText, `${fence.begin}\n${fence.end}`], pieces, window: w.contextLength, reservedForAnswer: w.maxOutputTokens });
    const data = fenceContent(fence, [...budget.kept.map(renderPiece), ...extra.map(renderSection)].join('\n\n'));
    promptText = [data, taskLines, feedback].filter(Boolean).join('\n\n');
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: promptText },
    ];
    return { messages, promptTokens: budget.promptTokens };
  };
  const routed = await input.models.chat({ role: 'edit', signal: input.signal, prepare, temperature: 0 });
  const text = routed.result.text;
  return {
    text,
    prompt: promptText,
    promptTokens: routed.result.usage?.promptTokens ?? budget?.promptTokens ?? estimateTokens(promptText),
    outputTokens: routed.result.usage?.outputTokens ?? estimateTokens(text),
    model: routed.endpoint.model,
    dropped: budget?.dropped.length ?? 0,
  };
}
