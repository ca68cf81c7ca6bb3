/**
 * First run (the walkthrough's steps, also in the palette): check the model endpoint through the doctor and say
 * exactly what to do when it fails; offer — never start unasked — `ollama pull` of a missing model in a
 * terminal the user sees; build the index with a progress notification.
 */
import * as vscode from 'vscode';
import { Doctor, IndexBuild, IndexStatus, ModelsList, type DoctorReport } from '../shared/protocol';
import { errorText, type ServerApi } from './server-api';

async function openSetting(key: string): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', key);
}

export async function checkModel(api: ServerApi | undefined, onReport?: (r: DoctorReport) => void): Promise<'ok' | 'unreachable' | 'missing' | 'error'> {
  if (!api || !(await api.ready())) {
    void vscode.window.showErrorMessage('nootropic: the server is not running, so the model cannot be checked.', 'Restart Server', 'Show Output').then((c) => {
      if (c === 'Restart Server') void vscode.commands.executeCommand('nootropic.restartServer');
      if (c === 'Show Output') void vscode.commands.executeCommand('workbench.action.output.show.nootropic');
    });
    return 'error';
  }
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'nootropic: checking the model endpoint…' }, () => api.call(Doctor, {}));
  onReport?.(report);
  const bad = report.models.find((m) => !m.reachable || m.error);
  if (bad) {
    const local = /127\.0\.0\.1|localhost|\[::1\]/.test(bad.baseUrl);
    const how = bad.provider === 'ollama' && local ? 'Start Ollama (`ollama serve`), or point nootropic.models.baseUrl at another endpoint.' : 'Check the URL, the server, and (for cloud endpoints) the API key and nootropic.models.allowCloud.';
    const choice = await vscode.window.showErrorMessage(`nootropic: ${bad.role} model ${bad.model} at ${bad.baseUrl} is unreachable${bad.error ? ` (${bad.error})` : ''}. ${how}`, 'Open Settings', 'Set API Key', 'Retry');
    if (choice === 'Open Settings') await openSetting('nootropic.models');
    if (choice === 'Set API Key') await vscode.commands.executeCommand('nootropic.setApiKey');
    if (choice === 'Retry') return checkModel(api, onReport);
    return 'unreachable';
  }
  // Reachable: is the configured model there? (Ollama lists what is pulled.)
  const chat = report.models.find((m) => m.role === 'chat') ?? report.models[0];
  if (chat?.provider === 'ollama' && api.offers(ModelsList)) {
    const list = await api.call(ModelsList, {}).catch(() => undefined);
    const ep = list?.discovered.find((d) => d.baseUrl === chat.baseUrl);
    if (ep?.reachable && ep.models.length && !ep.models.some((m) => m.name === chat.model || m.name === `${chat.model}:latest`)) {
      const choice = await vscode.window.showWarningMessage(
        `nootropic: Ollama at ${chat.baseUrl} is running but has no model "${chat.model}" (it has ${ep.models.map((m) => m.name).slice(0, 5).join(', ')}). Pull it now? This downloads several GB.`,
        `Pull ${chat.model}`,
        'Choose Another Model',
      );
      if (choice === `Pull ${chat.model}`) {
        const t = vscode.window.createTerminal({ name: 'nootropic: ollama pull' });
        t.show();
        t.sendText(`ollama pull ${chat.model}`);
      } else if (choice === 'Choose Another Model') await openSetting('nootropic.models.model');
      return 'missing';
    }
  }
  void vscode.window.showInformationMessage(`nootropic: ${chat ? `${chat.model} at ${chat.baseUrl} answers` : 'no model configured'}.${report.degraded.length ? ` ${report.degraded.length} other item(s) degraded — see "nootropic: Show Status".` : ''}`);
  return 'ok';
}

export async function buildIndex(api: ServerApi | undefined, force = false): Promise<void> {
  if (!api || !(await api.ready())) throw new Error('the server is not running. Run "nootropic: Restart Server".');
  if (!vscode.workspace.workspaceFolders?.length) throw new Error('open a folder first: the index covers the workspace folder.');
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'nootropic: indexing the workspace', cancellable: true },
    async (progress, token) => {
      let last = 0;
      const sub = api.onNotification(IndexStatus, (s) => {
        if (!s.total) return;
        const pct = Math.floor((100 * (s.processed ?? 0)) / s.total);
        progress.report({ message: `${s.processed ?? 0} / ${s.total} files`, increment: Math.max(0, pct - last) });
        last = pct;
      });
      try {
        const r = await api.call(IndexBuild, { force }, token);
        void vscode.window.showInformationMessage(`nootropic: indexed ${r.files} files (${r.chunks} chunks, ${r.skipped} skipped) in ${(r.ms / 1000).toFixed(1)} s — ${r.mode} search${r.mode === 'lexical' ? ' (set nootropic.embeddings.provider for hybrid search)' : ''}.`);
      } catch (e) {
        if (token.isCancellationRequested) return;
        throw e;
      } finally {
        sub.dispose();
      }
    },
  );
}

export function registerFirstRun(api: () => ServerApi | undefined, onReport: (r: DoctorReport) => void): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('nootropic.checkModel', () => checkModel(api(), onReport).catch((e) => vscode.window.showErrorMessage(`nootropic: could not check the model: ${errorText(e)}`))),
    vscode.commands.registerCommand('nootropic.buildIndex', (force?: unknown) =>
      buildIndex(api(), force === true).catch((e) => vscode.window.showErrorMessage(`nootropic: indexing failed: ${errorText(e)}`, 'Show Status').then((c) => c && vscode.commands.executeCommand('nootropic.showStatus')))),
    vscode.commands.registerCommand('nootropic.openWalkthrough', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', 'nootropic.nootropic#nootropic.gettingStarted', false)),
  ];
}
