/**
 * The task board: the plan's task graph as a Kanban board (todo, in progress, review, done, failed) that moves
 * live with `nootropic/agent/progress`. A card opens its task, its edits and its trace, and runs / stops /
 * retries it (`nootropic/agent/run`, cancelled with $/cancelRequest). Without the agent methods the board says
 * which method the server lacks.
 */
import * as vscode from 'vscode';
import { FromBoardWebview, type BoardTask, type ToBoardWebview } from '../shared/webview/taskboard';
import { AgentProgress, AgentRun, TaskGraph, TasksGraph, type ParamsOf } from '../shared/protocol';
import { errorText, type ServerApi } from './server-api';
import { TracePanel } from './trace-panel';
import { webviewHtml, webviewRoots } from './webview-html';

export const BOARD_VIEW_TYPE = 'nootropic.taskboard';

const BOARD_CSS = `body { padding: 0 .6rem; } header { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; } header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
.board { display: grid; grid-template-columns: repeat(5, minmax(150px, 1fr)); gap: .6rem; align-items: start; }
.col { background: var(--vscode-sideBar-background, var(--vscode-editorWidget-background)); border-radius: 4px; padding: 4px; min-height: 120px; }
.col h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; margin: 4px 4px 6px; opacity: .85; } .col h2 .n { opacity: .6; margin-left: 4px; }
.card { background: var(--vscode-editor-background); border: 1px solid var(--vscode-panel-border); border-left: 3px solid var(--vscode-panel-border); border-radius: 3px; padding: 6px; margin-bottom: 6px; }
.card.in_progress { border-left-color: var(--vscode-progressBar-background); } .card.done { border-left-color: var(--vscode-testing-iconPassed); }
.card.failed { border-left-color: var(--vscode-errorForeground); } .card.review { border-left-color: var(--vscode-editorWarning-foreground); }
.card .id { font-size: 11px; opacity: .6; } .card .t { font-weight: 600; margin: 2px 0; cursor: pointer; } .card .t:hover { text-decoration: underline; }
.card .step { font-size: 11px; opacity: .8; margin: 2px 0; } .card .deps { font-size: 11px; opacity: .6; }
.card .acts { display: flex; gap: 4px; flex-wrap: wrap; margin-top: 4px; } .card .acts button { padding: 1px 6px; font-size: 11px; }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
.progress { font-size: 12px; } .note { margin: .3rem 0; }`;

export class TaskBoardPanel {
  private static current: TaskBoardPanel | undefined;
  private tasks: BoardTask[] = [];
  private name = 'plan';
  private progress: { done: number; remaining: number; failed: number } | undefined;
  private note: string | undefined;
  private readonly runs = new Map<string, vscode.CancellationTokenSource>();
  private readonly disposables: vscode.Disposable[] = [];

  /** A graph handed over by /plan, shown when the server has no tasks/graph yet. */
  static planned: unknown;

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, private readonly api: () => ServerApi | undefined) {
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'taskboard', BOARD_CSS);
    this.disposables.push(panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)));
    const a = api();
    if (a) this.disposables.push(a.onNotification(AgentProgress, (p) => this.onProgress(p)));
    panel.onDidDispose(() => {
      if (TaskBoardPanel.current === this) TaskBoardPanel.current = undefined;
      this.disposables.forEach((d) => d.dispose());
    });
  }

  static show(extensionUri: vscode.Uri, api: () => ServerApi | undefined): void {
    if (TaskBoardPanel.current) {
      TaskBoardPanel.current.panel.reveal();
      void TaskBoardPanel.current.load();
      return;
    }
    const panel = vscode.window.createWebviewPanel(BOARD_VIEW_TYPE, 'nootropic tasks', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    TaskBoardPanel.current = new TaskBoardPanel(panel, extensionUri, api);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, api: () => ServerApi | undefined): void {
    TaskBoardPanel.current = new TaskBoardPanel(panel, extensionUri, api);
  }

  /** /plan produced a graph: show it (and open the board). */
  static showGraph(extensionUri: vscode.Uri, api: () => ServerApi | undefined, graph: unknown): void {
    TaskBoardPanel.planned = graph;
    TaskBoardPanel.show(extensionUri, api);
  }

  private post(msg: ToBoardWebview): void {
    void this.panel.webview.postMessage(msg);
  }

  private setGraph(raw: unknown): boolean {
    const g = TaskGraph.safeParse(raw);
    if (!g.success) return false;
    const prev = new Map(this.tasks.map((t) => [t.id, t]));
    this.name = g.data.name;
    const order = new Map(g.data.order.map((id, i) => [id, i]));
    this.tasks = [...g.data.tasks]
      .sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9))
      .map((t) => ({
        id: t.id, title: t.title, description: t.description, deps: t.deps, acceptance: t.acceptance, files: t.files, status: t.status,
        ...(t.estimate !== undefined ? { estimate: t.estimate } : {}),
        ...(prev.get(t.id)?.lastStep ? { lastStep: prev.get(t.id)!.lastStep } : {}),
        ...(prev.get(t.id)?.runId ? { runId: prev.get(t.id)!.runId } : {}),
      }));
    return true;
  }

  private render(): void {
    const canRun = !!this.api()?.offers(AgentRun);
    this.post({
      type: 'board', name: this.name, tasks: this.tasks, running: [...this.runs.keys()], canRun,
      ...(this.progress ? { progress: this.progress } : {}),
      ...(this.note || !canRun ? { note: this.note ?? `The server does not offer ${AgentRun.method}, so tasks cannot be run from here yet.` } : {}),
    });
  }

  async load(): Promise<void> {
    const api = this.api();
    try {
      if (!api || !(await api.ready())) throw new Error('The nootropic server is not running. Run "nootropic: Restart Server".');
      if (api.offers(TasksGraph)) {
        const r = await api.call(TasksGraph, {}, undefined, 'the task board');
        this.progress = { done: r.progress.done, remaining: r.progress.remaining, failed: r.progress.failed };
        if (r.graph) this.setGraph(r.graph);
        else if (!(TaskBoardPanel.planned && this.setGraph(TaskBoardPanel.planned))) {
          return this.post({ type: 'empty', message: 'No plan yet. Run /plan in the chat (or "nootropic: Plan Tasks") with an instruction or project-spec.yaml.' });
        }
        this.note = undefined;
      } else if (TaskBoardPanel.planned && this.setGraph(TaskBoardPanel.planned)) {
        this.note = `The server does not offer ${TasksGraph.method}: showing the plan from /plan; it will not survive a reload.`;
      } else {
        return this.post({ type: 'empty', message: `The server does not offer ${TasksGraph.method}, so there is no task graph to show yet (the agents are not in this build).` });
      }
      this.render();
    } catch (e) {
      this.post({ type: 'error', message: errorText(e) });
    }
  }

  private onProgress(p: ParamsOf<typeof AgentProgress>): void {
    const id = p.task?.id ?? p.taskId;
    const t = id ? this.tasks.find((x) => x.id === id) : undefined;
    if (t) {
      if (p.task) t.status = p.task.status;
      t.lastStep = `${p.step.kind}: ${p.step.title} (${p.step.status})`;
      t.runId = p.runId;
      this.render();
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = FromBoardWebview.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;
    try {
      switch (msg.type) {
        case 'ready':
        case 'refresh':
          return void (await this.load());
        case 'plan':
          return void (await vscode.commands.executeCommand('nootropic.plan'));
        case 'run':
          return void (await this.run(msg.taskId));
        case 'retry':
          return void (await this.run(msg.taskId));
        case 'stop':
          this.runs.get(msg.taskId ?? '*')?.cancel();
          return;
        case 'openTask':
          return void (await this.openTask(msg.taskId));
        case 'openTrace': {
          const t = this.tasks.find((x) => x.id === msg.taskId);
          TracePanel.show(this.extensionUri, this.api, t?.runId ? `run:${t.runId}` : undefined);
          return;
        }
        case 'openEdits':
          return void (await this.openEdits(msg.taskId));
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`nootropic: ${errorText(e)}`);
    }
  }

  private async run(taskId?: string): Promise<void> {
    const api = this.api();
    if (!api) throw new Error('The nootropic server is not running.');
    api.require(AgentRun, 'running tasks');
    const key = taskId ?? '*';
    if (this.runs.has(key)) return;
    const cts = new vscode.CancellationTokenSource();
    this.runs.set(key, cts);
    const t = taskId ? this.tasks.find((x) => x.id === taskId) : undefined;
    if (t) t.status = 'in_progress';
    this.render();
    try {
      const r = await api.call(AgentRun, taskId ? { taskId } : { all: true }, cts.token, 'running tasks');
      if (t) t.runId = r.runId;
      if (r.status !== 'succeeded') void vscode.window.showWarningMessage(`nootropic: ${taskId ? `task ${taskId}` : 'the run'} ${r.status}${r.reason ? `: ${r.reason}` : ''}`, 'Open Trace').then((c) => c && TracePanel.show(this.extensionUri, this.api, `run:${r.runId}`));
    } catch (e) {
      if (!cts.token.isCancellationRequested) throw e;
    } finally {
      this.runs.delete(key);
      cts.dispose();
      await this.load();
    }
  }

  private async openTask(taskId: string): Promise<void> {
    const t = this.tasks.find((x) => x.id === taskId);
    if (!t) return;
    const body = [
      `# ${t.id}: ${t.title}`, '', `**Status:** ${t.status}${t.estimate !== undefined ? ` · **Estimate:** ${t.estimate}` : ''}`, '', t.description || '_No description._', '',
      '## Acceptance', ...(t.acceptance.length ? t.acceptance.map((a) => `- ${a}`) : ['_none given_']), '',
      '## Depends on', ...(t.deps.length ? t.deps.map((d) => `- ${d}`) : ['_nothing_']), '',
      '## Files', ...(t.files.length ? t.files.map((f) => `- ${f}`) : ['_none listed_']),
      ...(t.lastStep ? ['', `## Last step`, t.lastStep] : []),
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: body });
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri).then(undefined, () => vscode.window.showTextDocument(doc));
  }

  private async openEdits(taskId: string): Promise<void> {
    const t = this.tasks.find((x) => x.id === taskId);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!t || !folder) return;
    if (!t.files.length) return void vscode.window.showInformationMessage(`nootropic: task ${t.id} lists no files; its edits are in its trace.`);
    const pick = t.files.length === 1 ? t.files[0] : await vscode.window.showQuickPick(t.files, { title: `Files of ${t.id}` });
    if (pick) await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, pick));
  }
}
