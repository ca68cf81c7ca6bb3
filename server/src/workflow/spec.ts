/**
 * `project-spec.yaml`: what the person wants built, declared once. Read with the `yaml` package (a syntax error
 * names line and column) and validated with zod; a bad field is reported at the line and column of that field
 * in the file, so nothing is run on a spec the person did not mean. The `tests` command is approved by being
 * here: it is the person's own file in their workspace.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { TaskNode } from '../../../shared/protocol/tasks';

export const SPEC_FILE = 'project-spec.yaml';

export const SpecBudgets = z
  .object({
    /** Coder → critic rounds per task. */
    iterations: z.number().int().min(1).max(50).optional(),
    /** Model tokens (prompt + answer) per task. */
    tokens: z.number().int().min(100).optional(),
    /** Wall time per task, in seconds. */
    wallSeconds: z.number().int().min(1).optional(),
  })
  .strict();
export type SpecBudgets = z.infer<typeof SpecBudgets>;

/** A task as the person writes it: the protocol's task without a status, its id limited to what a file name takes. */
export const SpecTask = TaskNode.omit({ status: true })
  .extend({ id: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'ids are letters, digits, - _ and .') })
  .strict();

export const ProjectSpec = z
  .object({
    name: z.string().min(1),
    goals: z.array(z.string().min(1)).min(1),
    constraints: z.array(z.string()).default([]),
    tasks: z.array(SpecTask).optional(),
    languages: z.array(z.string()).default([]),
    /** Shell command that runs the tests, from the workspace root (e.g. `npm test`, `node test.js`). */
    tests: z.string().min(1).optional(),
    budgets: SpecBudgets.default({}),
  })
  .strict();
export type ProjectSpec = z.output<typeof ProjectSpec>;

export class SpecError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Parses spec text; throws SpecError with file:line:column for YAML and schema problems alike. */
export function parseSpec(text: string, file: string): ProjectSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new SpecError(`${file}:${pos.line}:${pos.col}: YAML error: ${e.message.split('\n')[0]}`, file, pos.line, pos.col);
  }
  const values: unknown = doc.toJS() ?? {};
  const parsed = ProjectSpec.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // The deepest node that exists for the issue's path: an unknown key points at the key, a missing one at its parent.
  const keyPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let offset = 0;
  let field = keyPath.join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys.length) {
    const parent = keyPath.length ? doc.getIn(keyPath, true) : doc.contents;
    const name = issue.keys[0]!;
    field = [...keyPath, name].join('.');
    const items = isMap(parent) ? parent.items : [];
    const pair = items.find((it) => isScalar(it.key) && it.key.value === name);
    if (pair && isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
  } else {
    for (let n = keyPath.length; n >= 0; n--) {
      const node = n ? doc.getIn(keyPath.slice(0, n), true) : doc.contents;
      if (isNode(node) && node.range) {
        offset = node.range[0];
        break;
      }
    }
  }
  const pos = lineCounter.linePos(offset);
  const message = issue.code === 'unrecognized_keys' ? `unknown field "${field}"` : `${field || '(top level)'}: ${issue.message}`;
  throw new SpecError(`${file}:${pos.line}:${pos.col}: ${message}`, file, pos.line, pos.col);
}

export async function loadSpec(file: string): Promise<ProjectSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError(`${file}: cannot read the spec: ${(err as Error).message}`, file);
  }
  return parseSpec(text, file);
}

/** The workspace's spec when it has one (`undefined` when absent; a broken one throws SpecError). */
export async function findSpec(root: string, file?: string): Promise<{ spec: ProjectSpec; file: string } | undefined> {
  const f = path.resolve(root, file ?? SPEC_FILE);
  try {
    await readFile(f);
  } catch (err) {
    if (file) throw new SpecError(`${f}: cannot read the spec: ${(err as Error).message}`, f);
    return undefined;
  }
  return { spec: await loadSpec(f), file: f };
}
