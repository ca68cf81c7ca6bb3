/** "nootropic: Show Status": the doctor report in a webview panel (CSP with a nonce, local resources only). */
import * as vscode from 'vscode';
import type { DoctorReport } from '../shared/protocol';
import { FromStatusWebview, type ToStatusWebview } from '../shared/webview/status';
import { webviewHtml, webviewRoots } from './webview-html';

export const STATUS_VIEW_TYPE = 'nootropic.status';

const STATUS_CSS = `header { display: flex; gap: .5rem; align-items: center; } header h1 { flex: 1; font-size: 1.3rem; }
table { border-collapse: collapse; } td { padding: 2px 10px 2px 0; vertical-align: top; } h2 { font-size: 1rem; margin-top: 1.2rem; }`;

export class StatusPanel {
  private static current: StatusPanel | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly fetchReport: () => Promise<DoctorReport>,
    private readonly restart: () => Promise<void>,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'status', STATUS_CSS);
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = FromStatusWebview.safeParse(raw);
      if (!msg.success) return;
      if (msg.data.type === 'ready' || msg.data.type === 'refresh') void this.refresh();
      else void this.restart().then(() => this.refresh());
    });
    panel.onDidDispose(() => {
      if (StatusPanel.current === this) StatusPanel.current = undefined;
    });
  }

  static show(extensionUri: vscode.Uri, fetchReport: () => Promise<DoctorReport>, restart: () => Promise<void>): void {
    if (StatusPanel.current) {
      StatusPanel.current.panel.reveal();
      void StatusPanel.current.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(STATUS_VIEW_TYPE, 'nootropic status', vscode.ViewColumn.Active, { enableScripts: true });
    StatusPanel.current = new StatusPanel(panel, extensionUri, fetchReport, restart);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, fetchReport: () => Promise<DoctorReport>, restart: () => Promise<void>): void {
    StatusPanel.current = new StatusPanel(panel, extensionUri, fetchReport, restart);
  }

  private post(msg: ToStatusWebview): void {
    void this.panel.webview.postMessage(msg);
  }

  private async refresh(): Promise<void> {
    this.post({ type: 'loading' });
    try {
      const report = await this.fetchReport();
      this.post({ type: 'report', report });
    } catch (err) {
      this.post({ type: 'error', message: `Could not reach the nootropic server: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
}
