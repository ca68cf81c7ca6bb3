/** "nootropic: Show Status": the doctor report in a webview panel (CSP with a nonce, local resources only). */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Doctor, type DoctorReport } from '../shared/protocol';
import { FromStatusWebview, type ToStatusWebview } from '../shared/webview/status';

export const STATUS_VIEW_TYPE = 'nootropic.status';

export class StatusPanel {
  private static current: StatusPanel | undefined;
  /** The last report shown (read by the extension's tests). */
  static lastReport: DoctorReport | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly fetchReport: () => Promise<DoctorReport>,
    private readonly restart: () => Promise<void>,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')] };
    panel.webview.html = this.html();
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
      StatusPanel.lastReport = report;
      this.post({ type: 'report', report });
    } catch (err) {
      this.post({ type: 'error', message: `Could not reach the nootropic server: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private html(): string {
    const nonce = randomBytes(16).toString('base64');
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews', 'status.js'));
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1rem; }
header { display: flex; gap: .5rem; align-items: center; } header h1 { flex: 1; font-size: 1.3rem; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; cursor: pointer; }
table { border-collapse: collapse; } td { padding: 2px 10px 2px 0; vertical-align: top; }
h2 { font-size: 1rem; margin-top: 1.2rem; } .ok { color: var(--vscode-testing-iconPassed); } .bad { color: var(--vscode-errorForeground); }
.warn { color: var(--vscode-editorWarning-foreground); } .muted { opacity: .6; }
</style></head>
<body><div id="root"><p class="muted">Probing…</p></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
  }
}

export function fetchDoctor(sendRequest: (method: string, params: unknown) => Promise<unknown>): () => Promise<DoctorReport> {
  return async () => Doctor.result.parse(await sendRequest(Doctor.method, {}));
}
