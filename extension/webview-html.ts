/**
 * The HTML shell every nootropic webview uses: a strict CSP with a per-load nonce, scripts and styles only from
 * the extension's dist/webviews folder, and VS Code's theme variables. Each panel's app lives in webviews/<name>/.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')];
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: string, css = ''): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', `${app}.js`));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; font-src ${webview.cspSource}; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 1rem; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
.ok { color: var(--vscode-testing-iconPassed); } .bad { color: var(--vscode-errorForeground); }
.warn { color: var(--vscode-editorWarning-foreground); } .muted { opacity: .6; }
${css}
</style></head>
<body><div id="root"><p class="muted">Loading…</p></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
}
