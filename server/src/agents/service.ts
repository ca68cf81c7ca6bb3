/**
 * The agents service, built once per server in createServer: runs, each workspace's episode memory,
 * the critic's share of diagnostics, and the offer of interrupted runs (signed ones are offered once the
 * workspace is known, never resumed unasked; headers this machine did not sign are reported and ignored). The
 * handlers (handlers/agents.ts, handlers/trust.ts) only parse, call this, and map its errors to RPC errors.
 */
import path from 'node:path';
import type { TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { AgentRunResult, ParamsOf, RunsResumable, TaskStatus } from '../../../shared/protocol';
import type { ConfigStore } from '../config/store';
import type { ContextRetriever } from '../context/retriever';
import type { DiagnosticsHub } from '../diagnostics-hub';
import type { Logger } from '../log';
import type { ModelRouter } from '../models/router';
import type { StatusReporter } from '../status';
import type { Telemetry } from '../telemetry/telemetry';
import type { ApprovalRequest } from '../workflow/commands';
import { listRuns, readRun, RunLog, type RunStep } from '../workflow/run-log';
import { diagnosticsByUri } from './diagnostics';
import { editEngine } from './engine';
import { EpisodeStore } from './memory';
import { runAgents, type AgentEnv, type RunRequest } from './orchestrator';
import { typeScriptLocation } from './ts-diagnostics';

/** A run's progress for the client that asked (LSP work-done progress), when it gave a token. */
export interface RunProgress {
  begin(runId: string): void;
  report(message: string): void;
  end(): void;
}

export interface AgentServiceDeps {
  config: ConfigStore;
  models: ModelRouter;
  documents: TextDocuments<TextDocument>;
  retriever: () => ContextRetriever;
  log: Logger;
  telemetry: Telemetry;
  status: StatusReporter;
  diagnostics: DiagnosticsHub;
  /** Asks the person (the client's approval request); false when nobody answers. */
  approve: (req: ApprovalRequest) => Promise<boolean>;
  /** Every step and task status change, for all clients (`nootropic/agent/progress`). */
  onStep: (runId: string, step: RunStep) => void;
  onTask: (runId: string, task: { id: string; status: TaskStatus }) => void;
  /** Interrupted runs offered (and ones ignored), at start (`nootropic/runs/resumable`). */
  onResumable: (offer: ParamsOf<typeof RunsResumable>) => void;
}

export class RunDiscardError extends Error {}

export class AgentService {
  private readonly memories = new Map<string, EpisodeStore>();
  private offered = false;

  constructor(private readonly deps: AgentServiceDeps) {
    // Degraded critic: say so in status and doctor (semgrep's absence is doctor's own probe).
    if (!typeScriptLocation())
      deps.status.set('agents', ["typescript compiler not found: the agents' critic checks syntax (tree-sitter) and runs tests, but reports no type errors"]);
  }

  /** Offers interrupted runs once the workspace is known (called on every config change; acts on the first with a root). */
  offerInterrupted(): void {
    const root = this.deps.config.workspaceRoot;
    if (this.offered || !root) return;
    this.offered = true;
    this.refreshRuns(root, true).catch((err: unknown) => this.deps.log.warn('could not list interrupted runs', { error: String(err) }));
  }

  memoryFor(root: string): EpisodeStore {
    let m = this.memories.get(root);
    if (!m) this.memories.set(root, (m = new EpisodeStore(root, this.deps.log.child('memory'))));
    return m;
  }

  /** Runs one request to its end (or cancellation); AgentRefusal and ModelError are the caller's to map. */
  async run(root: string, req: RunRequest, signal: AbortSignal, progress?: RunProgress): Promise<AgentRunResult> {
    try {
      return await runAgents(req, this.envFor(root, signal, progress));
    } finally {
      progress?.end();
    }
  }

  // Critic findings own their share of each file's diagnostics (the syntax checker owns another): a later clean
  // critic step clears the critic's share only.
  private async publishFindings(root: string, step: RunStep): Promise<void> {
    if (step.kind !== 'critic') return;
    const hub = this.deps.diagnostics;
    const next = diagnosticsByUri(root, step.findings ?? []);
    for (const uri of new Set([...hub.urisOf('critic'), ...next.keys()])) await hub.set(uri, 'critic', next.get(uri) ?? []);
  }

  private envFor(root: string, signal: AbortSignal, progress: RunProgress | undefined): AgentEnv {
    const { config, log } = this.deps;
    return {
      root,
      models: this.deps.models,
      edits: editEngine,
      config: config.config.agents,
      trusted: config.workspaceTrusted,
      approvals: config.widening.values.length && config.widening.approved ? [`workspace-settings:${config.widening.hash}`] : [],
      retriever: this.deps.retriever(),
      openFiles: () =>
        this.deps.documents
          .all()
          .filter((d) => d.uri.startsWith('file:'))
          .map((d) => ({ path: path.relative(root, URI.parse(d.uri).fsPath).split(path.sep).join('/'), text: d.getText() }))
          .filter((f) => !f.path.startsWith('..')),
      memory: this.memoryFor(root),
      ask: async (req) => {
        try {
          return await this.deps.approve(req);
        } catch (err) {
          log.info('approval request not answered', { command: req.command, error: String(err) });
          return false;
        }
      },
      telemetry: this.deps.telemetry,
      signal,
      onStart: (runId) => progress?.begin(runId),
      onStep: (runId, step) => {
        this.deps.onStep(runId, step);
        progress?.report(step.title);
        void this.publishFindings(root, step);
      },
      onTask: (runId, task) => this.deps.onTask(runId, task),
    };
  }

  /** What runs are offered (signed, interrupted) and which are ignored (not signed here); status and doctor say so. */
  private async refreshRuns(root: string, notify: boolean): Promise<void> {
    const { config, status, log } = this.deps;
    const runs = await listRuns(root);
    const untrusted = runs
      .filter((r) => !r.signed && (r.status === 'interrupted' || r.status === 'running'))
      .map((r) => ({ runId: r.runId, reason: 'run.json not signed on this machine for this workspace (e.g. committed to the repository): ignored' }));
    const offer =
      !config.workspaceTrusted || !config.config.agents.resumeOnStart
        ? []
        : runs
            .filter((r) => r.signed && r.status === 'interrupted')
            .map((r) => ({ runId: r.runId, ...(r.instruction ? { instruction: r.instruction } : {}), ...(r.taskId ? { taskId: r.taskId } : {}), startedAt: r.startedAt, iterations: r.iterations }));
    status.set('runs', [
      ...untrusted.map((u) => `run ${u.runId}: ${u.reason}`),
      ...offer.map((r) => `run ${r.runId} was interrupted: resume it (\`nootropic run --resume ${r.runId}\`) or discard it`),
    ]);
    if (!notify) return;
    for (const u of untrusted) log.warn('ignored a run this machine did not start', { runId: u.runId });
    if (offer.length) log.info('interrupted runs can be resumed (offered, not started)', { runs: offer.map((r) => r.runId) });
    if (offer.length || untrusted.length) this.deps.onResumable({ runs: offer, untrusted });
  }

  /** Drops the offer of an interrupted run (marks it stopped); RunDiscardError says why it cannot. */
  async discard(root: string, runId: string): Promise<{ runId: string; status: 'stopped' }> {
    let current;
    try {
      current = await readRun(root, runId);
    } catch (err) {
      throw new RunDiscardError((err as Error).message);
    }
    if (!current.signed) throw new RunDiscardError(`run ${runId} was not started on this machine for this workspace; it is already ignored (delete its folder to remove it)`);
    if (current.meta.status !== 'interrupted') throw new RunDiscardError(`run ${runId} is ${current.meta.status}, not interrupted`);
    const log = await RunLog.open(root, runId);
    await log.finish('stopped', 'discarded by the user');
    await this.refreshRuns(root, false);
    return { runId, status: 'stopped' };
  }
}
