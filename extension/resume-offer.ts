/**
 * Interrupted agent runs are offered, never resumed unasked: the server sends `nootropic/runs/resumable` once
 * after start, and this asks the person, per run, to Resume (`nootropic/agent/run` with `resume`) or Discard
 * (`nootropic/runs/discard`). Runs the server could not verify as this machine's are only reported.
 */
import * as vscode from 'vscode';
import { AgentRun, RunsDiscard, RunsResumable } from '../shared/protocol';
import type { ServerApi } from './server-api';

export function registerResumeOffer(api: ServerApi, output: vscode.LogOutputChannel): vscode.Disposable {
  return api.onNotification(RunsResumable, async (p) => {
    for (const u of p.untrusted) output.warn(`[agents] run ${u.runId}: ${u.reason}`);
    for (const run of p.runs) {
      const what = run.instruction ? `"${run.instruction.slice(0, 80)}"` : run.taskId ? `task ${run.taskId}` : 'the task graph';
      const choice = await vscode.window.showInformationMessage(
        `nootropic: an agent run on ${what} (started ${run.startedAt}) was interrupted. Resume it? Every command and edit is checked again.`,
        'Resume',
        'Discard',
      );
      try {
        if (choice === 'Resume') {
          output.info(`[agents] resuming run ${run.runId}`);
          const result = await api.call(AgentRun, { resume: run.runId });
          output.info(`[agents] resumed run ${run.runId}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
        } else if (choice === 'Discard') {
          await api.call(RunsDiscard, { runId: run.runId });
          output.info(`[agents] discarded run ${run.runId}`);
        }
      } catch (err) {
        void vscode.window.showErrorMessage(`nootropic: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
}
