/**
 * Interrupted agent runs are offered, never resumed unasked: the server sends `nootropic/runs/resumable` once
 * after start, and this asks the person, per run, to Resume (`nootropic/agent/run` with `resume`) or Discard
 * (`nootropic/runs/discard`). Runs the server could not verify as this machine's are only reported.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AgentRun, RunsDiscard, RunsResumable } from '../shared/protocol';

export function registerResumeOffer(lc: LanguageClient, output: vscode.LogOutputChannel): vscode.Disposable {
  return lc.onNotification(RunsResumable.method, async (raw: unknown) => {
    const p = RunsResumable.params.safeParse(raw);
    if (!p.success) {
      output.warn(`[agents] ignored malformed ${RunsResumable.method}: ${p.error.message}`);
      return;
    }
    for (const u of p.data.untrusted) output.warn(`[agents] run ${u.runId}: ${u.reason}`);
    for (const run of p.data.runs) {
      const what = run.instruction ? `"${run.instruction.slice(0, 80)}"` : run.taskId ? `task ${run.taskId}` : 'the task graph';
      const choice = await vscode.window.showInformationMessage(
        `nootropic: an agent run on ${what} (started ${run.startedAt}) was interrupted. Resume it? Every command and edit is checked again.`,
        'Resume',
        'Discard',
      );
      try {
        if (choice === 'Resume') {
          output.info(`[agents] resuming run ${run.runId}`);
          const result = (await lc.sendRequest(AgentRun.method, { resume: run.runId })) as { status?: string; reason?: string };
          output.info(`[agents] resumed run ${run.runId}: ${result.status ?? 'done'}${result.reason ? ` (${result.reason})` : ''}`);
        } else if (choice === 'Discard') {
          await lc.sendRequest(RunsDiscard.method, { runId: run.runId });
          output.info(`[agents] discarded run ${run.runId}`);
        }
      } catch (err) {
        void vscode.window.showErrorMessage(`nootropic: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
}
