/**
 * PDDL export of a task graph (a STRIPS domain with one action per task whose preconditions are its
 * dependencies, and a problem whose goal is every task done) and, when a `fast-downward` planner is on PATH,
 * the order it finds. Without it the built-in scheduler (topological order) orders the tasks; which one did is
 * recorded in the graph (`scheduler`).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeCacheDir } from '../workspace/cache-dir';
import type { TaskNode } from '../../../shared/protocol/tasks';
import { childEnv } from '../../../shared/security/child-env';

function atom(id: string, names: Map<string, string>): string {
  let n = names.get(id);
  if (!n) {
    n = `t${names.size}-${id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'task'}`;
    names.set(id, n);
  }
  return n;
}

export function toPddl(name: string, tasks: readonly TaskNode[]): { domain: string; problem: string; names: Map<string, string> } {
  const names = new Map<string, string>();
  for (const t of tasks) atom(t.id, names);
  const dn = `nootropic-${name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40) || 'project'}`;
  const predicates = tasks.map((t) => `(done-${names.get(t.id)})`).join(' ');
  const actions = tasks
    .map((t) => {
      const pre = t.deps.map((d) => `(done-${names.get(d)})`);
      return `  (:action do-${names.get(t.id)}\n    :parameters ()\n    :precondition (and ${pre.join(' ')})\n    :effect (done-${names.get(t.id)}))`;
    })
    .join('\n');
  const domain = `;; ${name}: one action per task; a task's dependencies are its preconditions.\n(define (domain ${dn})\n  (:requirements :strips)\n  (:predicates ${predicates})\n${actions})\n`;
  const goal = tasks.map((t) => `(done-${names.get(t.id)})`).join(' ');
  const problem = `(define (problem ${dn}-all)\n  (:domain ${dn})\n  (:init)\n  (:goal (and ${goal})))\n`;
  return { domain, problem, names };
}

export async function writePddl(dir: string, name: string, tasks: readonly TaskNode[]): Promise<{ domain: string; problem: string; names: Map<string, string> }> {
  await makeCacheDir(dir);
  const p = toPddl(name, tasks);
  const domain = path.join(dir, 'domain.pddl');
  const problem = path.join(dir, 'problem.pddl');
  await writeFile(domain, p.domain);
  await writeFile(problem, p.problem);
  return { domain, problem, names: p.names };
}

/** Orders tasks with fast-downward when it is on PATH; `undefined` with a reason otherwise. */
export async function fastDownwardOrder(dir: string, files: { domain: string; problem: string; names: Map<string, string> }, timeoutMs = 30_000): Promise<{ order?: string[]; note: string }> {
  const planFile = path.join(dir, 'sas_plan');
  const ran = await new Promise<{ ok: boolean; why: string }>((resolve) => {
    execFile('fast-downward', ['--plan-file', planFile, files.domain, files.problem, '--search', 'astar(blind())'], { cwd: dir, env: childEnv(), timeout: timeoutMs, windowsHide: true }, (err) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') resolve({ ok: false, why: 'fast-downward not on PATH: the built-in scheduler ordered the tasks' });
      else if (err) resolve({ ok: false, why: `fast-downward failed (${err.message.split('\n')[0]}): the built-in scheduler ordered the tasks` });
      else resolve({ ok: true, why: '' });
    });
  });
  if (!ran.ok) return { note: ran.why };
  const byAtom = new Map([...files.names].map(([id, a]) => [a, id]));
  const text = await readFile(planFile, 'utf8').catch(() => '');
  const order = [...text.matchAll(/^\(do-(\S+?)\)/gm)].map((m) => byAtom.get(m[1]!)).filter((x): x is string => Boolean(x));
  if (order.length !== files.names.size) return { note: 'fast-downward returned an incomplete plan: the built-in scheduler ordered the tasks' };
  return { order, note: 'fast-downward ordered the tasks' };
}
