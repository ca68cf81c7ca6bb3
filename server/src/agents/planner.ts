/**
 * PlannerAgent: a spec (or an instruction) → a task graph. Tasks written in the spec are used as they are; goals
 * without tasks are decomposed by the `plan` model, asked for JSON. Whatever comes back is validated (zod), then
 * repaired where it can be (duplicate ids, unknown deps, cycles — each repair reported), exported to PDDL, and
 * ordered by fast-downward when it is on PATH, by the built-in scheduler otherwise. Statuses of tasks that keep
 * their id across re-plans are kept.
 */
import path from 'node:path';
import { z } from 'zod';
import { TaskNode, type TaskGraph } from '../../../shared/protocol/tasks';
import type { ModelRouter } from '../models/router';
import { estimateTokens } from '../models/token-estimate';
import { fastDownwardOrder, writePddl } from '../workflow/pddl';
import type { ProjectSpec } from '../workflow/spec';
import { criticalPath, loadGraph, repairGraph, saveGraph, topologicalOrder } from '../workflow/task-graph';

export const PLANNER_SYSTEM_PROMPT = [
  'You are the planner agent of nootropic. Break the goal into small coding tasks, each doable in one edit session.',
  'Reply with JSON only, in this shape:',
  '{"tasks":[{"id":"short-id","title":"…","description":"…","deps":["ids of tasks that must be done first"],"acceptance":["checkable criteria"],"files":["likely files"],"estimate":1}]}',
  'Use 2 to 8 tasks. ids are lowercase words joined by hyphens.',
].join('\n');

const ModelPlan = z.object({ tasks: z.array(z.object({ id: z.string().min(1), title: z.string().min(1) }).passthrough()).min(1) });

function extractJson(text: string): unknown {
  const fenced = text.match(/```(?:json)?\s*\n([\s\S]*?)```/);
  const body = fenced ? fenced[1]! : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(body);
}

export interface PlanInput {
  root: string;
  spec?: ProjectSpec;
  instruction?: string;
  models: ModelRouter;
  signal: AbortSignal;
}

export interface PlanOutput {
  graph: TaskGraph;
  files: { graph: string; domain: string; problem: string };
  notes: string[];
  tokens: { prompt: number; output: number };
  response?: string;
}

export async function plan(input: PlanInput): Promise<PlanOutput> {
  const notes: string[] = [];
  let raw: TaskNode[];
  let response: string | undefined;
  const tokens = { prompt: 0, output: 0 };
  const name = input.spec?.name ?? 'instruction';
  if (input.spec?.tasks?.length && !input.instruction) {
    raw = input.spec.tasks.map((t) => TaskNode.parse(t));
    notes.push(`${raw.length} task(s) from the spec`);
  } else {
    const goal = input.instruction
      ? `Goal: ${input.instruction}`
      : `Project: ${input.spec!.name}\nGoals:\n${input.spec!.goals.map((g) => `- ${g}`).join('\n')}${input.spec!.constraints.length ? `\nConstraints:\n${input.spec!.constraints.map((c) => `- ${c}`).join('\n')}` : ''}${input.spec!.languages.length ? `\nLanguages: ${input.spec!.languages.join(', ')}` : ''}`;
    const routed = await input.models.chat({
      role: 'plan',
      signal: input.signal,
      temperature: 0,
      prepare: () => ({
        messages: [
          { role: 'system', content: PLANNER_SYSTEM_PROMPT },
          { role: 'user', content: goal },
        ],
        promptTokens: estimateTokens(PLANNER_SYSTEM_PROMPT + goal),
      }),
    });
    response = routed.result.text;
    tokens.prompt = routed.result.usage?.promptTokens ?? estimateTokens(PLANNER_SYSTEM_PROMPT + goal);
    tokens.output = routed.result.usage?.outputTokens ?? estimateTokens(response);
    let parsed: z.infer<typeof ModelPlan> | undefined;
    try {
      const r = ModelPlan.safeParse(extractJson(response));
      if (r.success) parsed = r.data;
      else notes.push(`the plan model's JSON did not fit the task shape (${r.error.issues[0]?.message}): one task per goal instead`);
    } catch {
      notes.push('the plan model did not answer with JSON: one task per goal instead');
    }
    if (parsed) {
      raw = [];
      for (const [i, t] of parsed.tasks.entries()) {
        const node = TaskNode.safeParse({ ...t, status: 'todo' });
        if (node.success) raw.push(node.data);
        else notes.push(`task ${i + 1} from the model was dropped: ${node.error.issues[0]?.message}`);
      }
    } else {
      const goals = input.instruction ? [input.instruction] : input.spec!.goals;
      raw = goals.map((g, i) => TaskNode.parse({ id: `goal-${i + 1}`, title: g, deps: i ? [`goal-${i}`] : [] }));
    }
  }
  const { tasks, repairs } = repairGraph(raw);
  notes.push(...repairs);
  const previous = await loadGraph(input.root).catch(() => null);
  for (const t of tasks) {
    const old = previous?.tasks.find((p) => p.id === t.id && p.title === t.title);
    if (old) t.status = old.status;
  }
  const dir = path.join(input.root, '.nootropic-cache', 'plan');
  const pddl = await writePddl(dir, name, tasks);
  const fd = await fastDownwardOrder(dir, pddl);
  notes.push(fd.note);
  const order = fd.order ?? topologicalOrder(tasks);
  const graph: TaskGraph = { version: 1, name, tasks, order, criticalPath: criticalPath(tasks), scheduler: fd.order ? 'fast-downward' : 'builtin', ...(repairs.length ? { repairs } : {}) };
  const graphPath = await saveGraph(input.root, graph);
  return { graph, files: { graph: graphPath, domain: pddl.domain, problem: pddl.problem }, notes, tokens, ...(response !== undefined ? { response } : {}) };
}
