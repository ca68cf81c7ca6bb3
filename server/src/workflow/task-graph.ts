/**
 * The task graph: a DAG of tasks saved as `.nootropic-cache/TaskGraph.json`. `repairGraph` checks what a planner
 * (a model especially) produces — duplicate ids, dependencies on tasks that do not exist, cycles — and repairs
 * each one it can, reporting it (`repairs`), so a bad plan is never silently "fixed" and never crashes the run.
 * The built-in scheduler is a topological order (Kahn, stable by the tasks' own order) and the critical path
 * (longest chain by estimate).
 */
import { readFile } from 'node:fs/promises';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { TaskGraph, type TaskNode } from '../../../shared/protocol/tasks';
import { redactValue } from '../security/redact';
import { makeCacheDir } from '../workspace/cache-dir';

export function graphFile(root: string): string {
  return path.join(root, '.nootropic-cache', 'TaskGraph.json');
}

export interface RepairResult {
  tasks: TaskNode[];
  repairs: string[];
}

export function repairGraph(input: readonly TaskNode[]): RepairResult {
  const repairs: string[] = [];
  const seen = new Set<string>();
  const tasks: TaskNode[] = [];
  for (const t of input) {
    let id = t.id;
    if (seen.has(id)) {
      let n = 2;
      while (seen.has(`${t.id}-${n}`)) n++;
      id = `${t.id}-${n}`;
      repairs.push(`duplicate task id "${t.id}" renamed to "${id}"`);
    }
    seen.add(id);
    tasks.push({ ...t, id, deps: [...new Set(t.deps)] });
  }
  for (const t of tasks) {
    const unknown = t.deps.filter((d) => !seen.has(d) || d === t.id);
    if (unknown.length) {
      repairs.push(`task "${t.id}": dropped ${unknown.map((d) => (d === t.id ? `self-dependency "${d}"` : `unknown dependency "${d}"`)).join(', ')}`);
      t.deps = t.deps.filter((d) => !unknown.includes(d));
    }
  }
  // Break cycles: repeatedly find one (DFS) and drop its back edge.
  for (;;) {
    const cycle = findCycle(tasks);
    if (!cycle) break;
    const [from, to] = [cycle[cycle.length - 2]!, cycle[cycle.length - 1]!];
    const node = tasks.find((t) => t.id === from)!;
    node.deps = node.deps.filter((d) => d !== to);
    repairs.push(`cycle ${cycle.join(' → ')} broken by dropping "${from}" depends on "${to}"`);
  }
  return { tasks, repairs };
}

/** A cycle as ids [a, b, …, a] following deps, or undefined. */
export function findCycle(tasks: readonly TaskNode[]): string[] | undefined {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const d of byId.get(id)?.deps ?? []) {
      if (state.get(d) === 1) return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const t of tasks) {
    if (!state.has(t.id)) {
      const c = visit(t.id);
      if (c) return c;
    }
  }
  return undefined;
}

/** Dependencies first; among ready tasks, the graph's own order. Requires an acyclic graph. */
export function topologicalOrder(tasks: readonly TaskNode[]): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < tasks.length) {
    const ready = tasks.find((t) => !done.has(t.id) && t.deps.every((d) => done.has(d)));
    if (!ready) throw new Error('the task graph has a cycle');
    done.add(ready.id);
    order.push(ready.id);
  }
  return order;
}

/** The longest chain by estimate (1 per task without one). */
export function criticalPath(tasks: readonly TaskNode[]): string[] {
  const order = topologicalOrder(tasks);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const best = new Map<string, { len: number; prev?: string }>();
  for (const id of order) {
    const t = byId.get(id)!;
    let len = 0;
    let prev: string | undefined;
    for (const d of t.deps) {
      const b = best.get(d)!;
      if (b.len > len) [len, prev] = [b.len, d];
    }
    best.set(id, { len: len + (t.estimate ?? 1), ...(prev ? { prev } : {}) });
  }
  let end: string | undefined;
  for (const [id, b] of best) if (!end || b.len > best.get(end)!.len) end = id;
  const path: string[] = [];
  for (let at = end; at; at = best.get(at)!.prev) path.unshift(at);
  return path;
}

export async function loadGraph(root: string): Promise<TaskGraph | null> {
  let raw: string;
  try {
    raw = await readFile(graphFile(root), 'utf8');
  } catch {
    return null;
  }
  const parsed = TaskGraph.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`${graphFile(root)} is not a valid task graph: ${parsed.error.issues[0]?.message ?? 'invalid'} (run \`nootropic plan\` again)`);
  return parsed.data;
}

/** Writes the graph atomically (fsynced temp file, then rename), with secrets masked in every string. */
export async function saveGraph(root: string, graph: TaskGraph): Promise<string> {
  const file = graphFile(root);
  await makeCacheDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    // Titles, descriptions and acceptance criteria come from the instruction and the plan model: secrets masked, as
    // in every other store (docs/security.md).
    await fh.writeFile(JSON.stringify(TaskGraph.parse(redactValue('', graph)), null, 2));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  return file;
}
