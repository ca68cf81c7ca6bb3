/**
 * ProjectMgrAgent: task status transitions (checked: a task cannot jump from todo to done without running) and
 * the progress figures the task board shows — done / remaining / failed, and burndown points (remaining tasks
 * over time) kept in `.nootropic-cache/task-history.jsonl`.
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TaskGraph, TaskProgress, TaskStatus } from '../../../shared/protocol/tasks';
import { saveGraph } from '../workflow/task-graph';
import { makeCacheDir } from '../workspace/cache-dir';

const ALLOWED: Record<TaskStatus, TaskStatus[]> = {
  todo: ['in_progress'],
  in_progress: ['review', 'done', 'failed', 'todo'],
  review: ['done', 'failed', 'in_progress'],
  done: ['todo'],
  failed: ['in_progress', 'todo'],
};

export type Progress = TaskProgress;

function historyFile(root: string): string {
  return path.join(root, '.nootropic-cache', 'task-history.jsonl');
}

export function remaining(graph: TaskGraph): number {
  return graph.tasks.filter((t) => t.status !== 'done').length;
}

export class ProjectManager {
  constructor(
    private readonly root: string,
    public graph: TaskGraph,
  ) {}

  /** Moves a task to `to` (rejecting transitions that skip a step), saves the graph and a burndown point. */
  async transition(id: string, to: TaskStatus): Promise<void> {
    const task = this.graph.tasks.find((t) => t.id === id);
    if (!task) throw new Error(`no task "${id}" in the task graph`);
    if (task.status === to) return;
    if (!ALLOWED[task.status].includes(to)) throw new Error(`task "${id}" cannot go from ${task.status} to ${to}`);
    const from = task.status;
    task.status = to;
    await saveGraph(this.root, this.graph);
    await makeCacheDir(path.dirname(historyFile(this.root)));
    await appendFile(historyFile(this.root), JSON.stringify({ at: new Date().toISOString(), id, from, to, remaining: remaining(this.graph) }) + '\n');
  }
}

export async function progressOf(root: string, graph: TaskGraph | null): Promise<Progress> {
  if (!graph) return { done: 0, remaining: 0, failed: 0, burndown: [] };
  const burndown: Progress['burndown'] = [];
  const text = await readFile(historyFile(root), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    try {
      const e = JSON.parse(line) as { at?: unknown; remaining?: unknown };
      if (typeof e.at === 'string' && typeof e.remaining === 'number') burndown.push({ at: e.at, remaining: e.remaining });
    } catch {
      // a torn line
    }
  }
  return {
    done: graph.tasks.filter((t) => t.status === 'done').length,
    remaining: remaining(graph),
    failed: graph.tasks.filter((t) => t.status === 'failed').length,
    burndown,
  };
}
