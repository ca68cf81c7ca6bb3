/**
 * Agent commands: `nootropic plan [SPEC]`, `nootropic run "INSTRUCTION" | --all | --task ID | --resume RUN`,
 * `nootropic runs [RUN]`, `nootropic feedback export [--out FILE]`. The server asks before running a command that
 * is not the spec's tests command nor covered by `agents.allowCommands`, and before an edit writes control files
 * (`nootropic/agent/approve`): the CLI approves with `--yes` (listing each command and file it approves) and
 * refuses otherwise, saying how to allow it. Steps print to stderr as they complete.
 */
import path from 'node:path';
import type { Command } from 'commander';
import {
  AgentApprove,
  AgentPlan,
  AgentProgress,
  AgentRun,
  FeedbackExport,
  RunsGet,
  RunsList,
} from '../../shared/protocol';
import { approveControlFiles } from '../control-approval';
import { exitCodeForServerError, printJson, table } from '../render';
import type { ServerClient } from '../server-client';
import { cancelOnSigint } from '../cancel';
import { requireReadable } from '../usage';

export async function planCommand(client: ServerClient, spec: string | undefined, opts: { json: boolean; instruction?: string }): Promise<number> {
  try {
    const out = await client.request(AgentPlan, { ...(spec ? { spec } : {}), ...(opts.instruction ? { instruction: opts.instruction } : {}) });
    if (opts.json) {
      printJson(out);
      return 0;
    }
    const g = out.graph;
    process.stdout.write(`${g.name}: ${g.tasks.length} task(s), order by ${g.scheduler ?? 'builtin'}\n`);
    process.stdout.write(table(g.order.map((id, i) => {
      const t = g.tasks.find((x) => x.id === id)!;
      return [`${i + 1}.`, t.id, t.status, t.deps.length ? `after ${t.deps.join(', ')}` : '', t.title];
    })) + '\n');
    if (g.criticalPath?.length) process.stdout.write(`critical path: ${g.criticalPath.join(' → ')}\n`);
    for (const n of out.notes) process.stderr.write(`note: ${n}\n`);
    if (out.files) process.stderr.write(`wrote ${out.files.graph}, ${out.files.domain}, ${out.files.problem}\n`);
    return 0;
  } catch (e) {
    return exitCodeForServerError(e);
  }
}

export interface RunOptions {
  json: boolean;
  yes: boolean;
  all?: boolean;
  task?: string;
  resume?: string;
}

export async function runCommand(client: ServerClient, instruction: string | undefined, opts: RunOptions): Promise<number> {
  const modes = [instruction, opts.all, opts.task, opts.resume].filter(Boolean).length;
  if (modes !== 1) {
    process.stderr.write('nootropic run: give exactly one of "INSTRUCTION", --all, --task ID or --resume RUN\n');
    return 2;
  }
  client.connection.onRequest(AgentApprove.method, (raw: unknown) => {
    const p = AgentApprove.params.safeParse(raw);
    if (!p.success) return { approved: false };
    if (p.data.kind === 'edit') {
      // Control files: --yes names each file it lets the agent write.
      return { approved: approveControlFiles(p.data.files ?? [], opts.yes, "the agent's edit") };
    }
    if (opts.yes) {
      process.stderr.write(`approved (--yes): ${p.data.command}\n`);
      return { approved: true };
    }
    process.stderr.write(
      `nootropic: the agent wants to run \`${p.data.command}\` (${p.data.reason}); refused. Approve it with --yes, put it in project-spec.yaml as \`tests:\`, or add it to agents.allowCommands.\n`,
    );
    return { approved: false };
  });
  let runId: string | undefined;
  client.connection.onNotification(AgentProgress.method, (raw: unknown) => {
    const p = AgentProgress.params.safeParse(raw);
    if (!p.success) return;
    if (!runId) {
      runId = p.data.runId;
      if (!opts.json) process.stderr.write(`run ${runId}\n`);
    }
    if (opts.json) return;
    const s = p.data.step;
    const ms = s.durationMs !== undefined ? ` (${s.durationMs} ms)` : '';
    process.stderr.write(`  ${s.kind.padEnd(8)} ${s.status.padEnd(9)} ${s.title}${ms}${s.rationale ? `\n           why: ${s.rationale}` : ''}\n`);
  });
  const cancel = cancelOnSigint();
  try {
    const result = await client.request(
      AgentRun,
      opts.resume ? { resume: opts.resume } : opts.all ? { all: true } : opts.task ? { taskId: opts.task } : { instruction: instruction! },
      cancel.token,
    );
    if (opts.json) printJson(result);
    else {
      process.stdout.write(`${result.status} after ${result.iterations} iteration(s)${result.reason ? `: ${result.reason}` : ''}\n`);
      for (const t of result.tasks ?? []) process.stdout.write(`  task ${t.id}: ${t.status}${t.reason ? ` (${t.reason})` : ''}\n`);
      const files = [...new Set(result.edits.map((e) => e.path))];
      if (files.length) process.stdout.write(`changed: ${files.join(', ')}\nundo with: nootropic undo ${result.runId}\n`);
      process.stdout.write(`trace: nootropic runs ${result.runId}\n`);
    }
    return result.status === 'succeeded' ? 0 : 1;
  } catch (e) {
    return exitCodeForServerError(e);
  } finally {
    cancel.dispose();
  }
}

export async function runsCommand(client: ServerClient, runId: string | undefined, opts: { json: boolean }): Promise<number> {
  try {
    if (runId) {
      const out = await client.request(RunsGet, { runId });
      if (opts.json) {
        printJson(out);
        return 0;
      }
      const r = out.run;
      process.stdout.write(`${r.runId} ${r.status}${r.reason ? `: ${r.reason}` : ''}\n${r.instruction ? `instruction: ${r.instruction}\n` : ''}`);
      process.stdout.write(
        table(out.steps.map((s) => [String(s.seq), `#${s.iteration}`, s.kind, s.status, `${s.durationMs ?? 0} ms`, s.title, s.rationale ? `— ${s.rationale}` : ''])) + '\n',
      );
      return 0;
    }
    const out = await client.request(RunsList, {});
    if (opts.json) {
      printJson(out);
      return 0;
    }
    if (!out.runs.length) {
      process.stdout.write('no runs\n');
      return 0;
    }
    process.stdout.write(table(out.runs.map((r) => [r.runId, r.status, `${r.iterations} it.`, r.instruction ?? r.taskId ?? '(task graph)', r.reason ?? ''])) + '\n');
    return 0;
  } catch (e) {
    return exitCodeForServerError(e);
  }
}

export async function feedbackExportCommand(client: ServerClient, opts: { json: boolean; out?: string }): Promise<number> {
  try {
    const out = await client.request(FeedbackExport, { ...(opts.out ? { out: opts.out } : {}) });
    if (opts.json) printJson(out);
    else process.stdout.write(`wrote ${out.file}: ${out.sft} SFT example(s), ${out.preference} preference pair(s)${out.redacted ? `, ${out.redacted} redaction(s)` : ''}\n`);
    return 0;
  } catch (e) {
    return exitCodeForServerError(e);
  }
}

/** The agent commands; `withServer` is main.ts's (spawns the server, sets the exit code). */
export function registerAgentCommands(program: Command, withServer: (program: Command, fn: (client: ServerClient, root: string) => Promise<number>) => Promise<void>): void {
  program
    .command('plan')
    .description('turn project-spec.yaml (or --instruction) into a task graph in .nootropic-cache/TaskGraph.json, with PDDL export')
    .argument('[spec]', 'spec file (default project-spec.yaml)')
    .option('--instruction <text>', 'plan this instead of the spec goals')
    .option('--json', 'print {graph, files, notes}')
    .action(async (spec: string | undefined, opts: { json?: boolean; instruction?: string }, cmd: Command) => {
      // The server reads the spec relative to the workspace root; a path that is not there is a usage error.
      if (spec) requireReadable(cmd, [path.resolve(program.opts<{ root: string }>().root, spec)], 'spec file');
      return withServer(program, (client) => planCommand(client, spec, { json: Boolean(opts.json), ...(opts.instruction ? { instruction: opts.instruction } : {}) }));
    });
  program
    .command('run')
    .description('run the agents: one instruction (coder → critic → fix), a task (--task), the task graph (--all) or an interrupted run (--resume)')
    .argument('[instruction]', 'what to do')
    .option('--all', 'run every task of the task graph in dependency order')
    .option('--task <id>', 'run one task of the task graph')
    .option('--resume <run>', 'continue an interrupted run from its last completed step')
    .option('--yes', 'approve commands the agent asks to run and its edits to control files (.nootropic/, project-spec.yaml, .vscode/, .git/, CI, package scripts); each is listed on stderr. Without it only the spec tests command and agents.allowCommands run, and control-file edits are refused')
    .option('--json', 'print {status, iterations, runId, edits, reason?}')
    .action(async (instruction: string | undefined, opts: { json?: boolean; yes?: boolean; all?: boolean; task?: string; resume?: string }) =>
      withServer(program, (client) =>
        runCommand(client, instruction, {
          json: Boolean(opts.json),
          yes: Boolean(opts.yes),
          ...(opts.all ? { all: true } : {}),
          ...(opts.task ? { task: opts.task } : {}),
          ...(opts.resume ? { resume: opts.resume } : {}),
        }),
      ),
    );
  program
    .command('runs')
    .description('list agent runs, or show one run step by step (with each step\'s rationale)')
    .argument('[run]', 'a run id')
    .option('--json', 'print JSON')
    .action(async (run: string | undefined, opts: { json?: boolean }) => withServer(program, (client) => runsCommand(client, run, { json: Boolean(opts.json) })));
  const feedback = program.command('feedback').description('accept/reject feedback on agent edits and answers');
  feedback
    .command('export')
    .description('write the feedback as chat-format JSONL (SFT examples and preference pairs) for LoRA fine-tuning; secrets redacted')
    .option('--out <file>', 'output file (default .nootropic-cache/feedback/dataset.jsonl)')
    .option('--json', 'print {file, sft, preference, redacted}')
    .action(async (opts: { json?: boolean; out?: string }) =>
      withServer(program, (client) => feedbackExportCommand(client, { json: Boolean(opts.json), ...(opts.out ? { out: path.resolve(opts.out) } : {}) })),
    );
}
