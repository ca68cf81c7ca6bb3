/** The status bar item: server state at a glance (starting, ready, degraded, stopped); click for the report. */
import * as vscode from 'vscode';
import type { ServerStatusParams } from '../shared/protocol';

export type ClientState = 'starting' | 'running' | 'stopped' | 'failed';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nootropic.status', vscode.StatusBarAlignment.Left, 10);
  private client: ClientState = 'starting';
  private server: ServerStatusParams | undefined;

  constructor() {
    this.item.name = 'nootropic';
    this.item.command = 'nootropic.showStatus';
    this.render();
    this.item.show();
  }

  setClientState(state: ClientState): void {
    this.client = state;
    if (state !== 'running') this.server = undefined;
    this.render();
  }

  setServerStatus(status: ServerStatusParams): void {
    this.server = status;
    this.render();
  }

  /** What the item shows now (also read by the extension's tests). */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const s = this.server;
    if (this.client === 'starting') this.show('$(sync~spin) nootropic', 'nootropic: starting the server…');
    else if (this.client === 'stopped') this.show('$(debug-disconnect) nootropic', 'nootropic: server stopped. Click for details.', true);
    else if (this.client === 'failed') this.show('$(error) nootropic', 'nootropic: server failed. Click for details.', true);
    else if (s?.state === 'degraded')
      this.show('$(warning) nootropic', `nootropic: running with ${s.degraded.length} problem(s):\n${s.degraded.join('\n')}`, true);
    else this.show('$(check) nootropic', 'nootropic: ready');
  }

  private show(text: string, tooltip: string, warn = false): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
