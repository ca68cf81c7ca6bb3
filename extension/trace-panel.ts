/**
 * The trace viewer: a run's timeline — model calls (prompt, response, tokens, duration), tool calls, edits,
 * critic findings, rationale — filterable, with the slowest and failing steps one click away. Sources: agent
 * runs (`nootropic/runs/list` / `runs/get`, when the server offers them) and OpenTelemetry spans
 * (`nootropic/traces/list`), so requests and model calls are inspectable even without agent runs.
 */
import * as vscode from 'vscode';
import { AgentProgress, RunsGet, RunsList, TracesList } from '../shared/protocol';
import { agentRunToTrace, spansToRuns } from '../shared/trace/convert';
import { FromTraceWebview, type ToTraceWebview, type TraceRun } from '../shared/webview/trace';
import { errorText, type ServerApi } from './server-api';
import { webviewHtml, webviewRoots } from './webview-html';

export const TRACE_VIEW_TYPE = 'nootropic.trace';

const TRACE_CSS = `body { padding: 0 .6rem; } header { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
header h1 { font-size: 1.1rem; margin: 0 .5rem 0 0; } .layout { display: grid; grid-template-columns: minmax(180px, 22%) 1fr; gap: .8rem; }
.runs { list-style: none; padding: 0; margin: 0; max-height: calc(100vh - 90px); overflow-y: auto; border-right: 1px solid var(--vscode-panel-border); }
.runs li { padding: 4px 6px; cursor: pointer; border-radius: 3px; } .runs li.sel { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
.runs li:hover:not(.sel) { background: var(--vscode-list-hoverBackground); } .runs .sub { font-size: 11px; opacity: .7; }
.filters { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; margin-bottom: .4rem; }
.chip { border: 1px solid var(--vscode-panel-border); border-radius: 10px; padding: 1px 8px; cursor: pointer; font-size: 12px; user-select: none; }
.chip.on { background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; font-size: 12px; margin-bottom: .4rem; } .summary a { cursor: pointer; color: var(--vscode-textLink-foreground); }
table.steps { border-collapse: collapse; width: 100%; font-size: 12px; } .steps td { padding: 2px 6px; vertical-align: middle; white-space: nowrap; }
.steps tr.step { cursor: pointer; } .steps tr.step:hover { background: var(--vscode-list-hoverBackground); } .steps tr.open { background: var(--vscode-list-inactiveSelectionBackground); }
.steps td.title { white-space: normal; width: 40%; } .steps td.bar { width: 35%; } .track { position: relative; height: 10px; background: var(--vscode-editorWidget-background); }
.fill { position: absolute; top: 0; height: 10px; min-width: 2px; background: var(--vscode-progressBar-background); }
tr.error .fill { background: var(--vscode-errorForeground); } tr.slow td.dur { color: var(--vscode-editorWarning-foreground); font-weight: bold; }
.kind { font-size: 11px; padding: 0 5px; border-radius: 3px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
tr.detail td { white-space: normal; } .detail pre { white-space: pre-wrap; max-height: 280px; overflow: auto; background: var(--vscode-textCodeBlock-background); padding: 4px 6px; margin: 2px 0 6px; }
.detail h4 { margin: 6px 0 2px; font-size: 12px; } input[type=search] { background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); padding: 2px 6px; }`;

export class TracePanel {
  private static current: TracePanel | undefined;
  private cache = new Map<string, TraceRun>();
  private selected: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly api: () => ServerApi | undefined, select?: string) {
    this.selected = select;
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'trace', TRACE_CSS);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const msg = FromTraceWebview.safeParse(raw);
        if (!msg.success) return;
        if (msg.data.type === 'ready') {
          this.selected ??= msg.data.selected;
          void this.load();
        } else if (msg.data.type === 'refresh') void this.load();
        else {
          this.selected = msg.data.id;
          void this.showRun(msg.data.id);
        }
      }),
    );
    const a = api();
    // Live: an agent run in progress refreshes the timeline (at most twice a second).
    if (a) this.disposables.push(a.onNotification(AgentProgress, () => this.soon()));
    panel.onDidDispose(() => {
      if (TracePanel.current === this) TracePanel.current = undefined;
      this.disposables.forEach((d) => d.dispose());
      if (this.timer) clearTimeout(this.timer);
    });
  }

  static show(extensionUri: vscode.Uri, api: () => ServerApi | undefined, select?: string): void {
    if (TracePanel.current) {
      TracePanel.current.panel.reveal();
      if (select) TracePanel.current.selected = select;
      void TracePanel.current.load();
      return;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, 'nootropic traces', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    TracePanel.current = new TracePanel(panel, extensionUri, api, select);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, api: () => ServerApi | undefined, state: unknown): void {
    const selected = (state as { selected?: unknown } | undefined)?.selected;
    TracePanel.current = new TracePanel(panel, extensionUri, api, typeof selected === 'string' ? selected : undefined);
  }

  private soon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.load();
    }, 500);
  }

  private post(msg: ToTraceWebview): void {
    void this.panel.webview.postMessage(msg);
  }

  private async load(): Promise<void> {
    const api = this.api();
    const notes: string[] = [];
    try {
      if (!api || !(await api.ready())) throw new Error('The nootropic server is not running. Run "nootropic: Restart Server".');
      const runs: TraceRun[] = [];
      if (api.offers(RunsList) && api.offers(RunsGet)) {
        const list = await api.call(RunsList, {});
        for (const r of list.runs.slice(0, 30)) {
          try {
            runs.push(agentRunToTrace(await api.call(RunsGet, { runId: r.runId })));
          } catch (e) {
            notes.push(`run ${r.runId}: ${errorText(e)}`);
          }
        }
      } else notes.push(`Agent runs: the server does not offer ${RunsList.method} yet, so only request traces (OpenTelemetry spans) are listed.`);
      if (api.offers(TracesList)) {
        const t = await api.call(TracesList, { limit: 2000 });
        if (!t.persisted) notes.push('Traces are kept in memory only (telemetry off, or no workspace): they go when the server restarts.');
        // Requests the viewer itself makes would crowd the list.
        runs.push(...spansToRuns(t.spans).filter((r) => !/^nootropic\/(traces\/list|runs\/|tasks\/graph|doctor|index\/info|registry\/describe)/.test(r.title)));
      } else notes.push('The server does not offer nootropic/traces/list.');
      this.cache = new Map(runs.map((r) => [r.id, r]));
      const summaries = runs.map(({ steps, ...r }) => ({ ...r, stepCount: steps.length, failed: steps.filter((s) => s.status === 'error').length }));
      if (!this.selected || !this.cache.has(this.selected)) this.selected = summaries.find((r) => r.source === 'run')?.id ?? runs.find((r) => r.steps.some((x) => x.kind === 'model'))?.id ?? summaries[0]?.id;
      this.post({ type: 'runs', runs: summaries, notes, ...(this.selected ? { selected: this.selected } : {}) });
      if (this.selected) await this.showRun(this.selected);
    } catch (e) {
      this.post({ type: 'error', message: errorText(e) });
    }
  }

  private async showRun(id: string): Promise<void> {
    const run = this.cache.get(id);
    if (!run) return;
    this.post({ type: 'run', run });
  }
}
