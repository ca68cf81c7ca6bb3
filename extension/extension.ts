/**
 * The VS Code front door: starts nootropic-lsp, shows its state in the status bar and an output channel, and
 * offers "Restart Server" and "Show Status". All capability lives in the server; this file wires it up.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { ServerStatus, ServerStatusParams, type DoctorReport } from '../shared/protocol';
import type { Turn } from '../shared/webview/chat';
import { ChatViewProvider, CHAT_VIEW_ID } from './chat/chat-view';
import { registerChatCommands } from './chat/commands';
import { chatStreams } from './chat/engine';
import { createClient, type ClientInit } from './client';
import { ReviewController, type Proposal } from './review';
import { ServerApi } from './server-api';
import { readApiKey, registerApiKeyCommands } from './secrets';
import { explicitSettings } from './settings';
import { StatusBar, type ClientState } from './status-bar';
import { STATUS_VIEW_TYPE, StatusPanel, fetchDoctor } from './status-panel';

/** What the extension exports (its own test suite and other extensions may use it). */
export interface NootropicApi {
  clientState(): ClientState;
  statusText(): string;
  doctor(): Promise<DoctorReport>;
  restart(): Promise<void>;
  /** Runs one chat turn in the chat view (text as typed, slash commands included). */
  chat(text: string): Promise<Turn>;
  /** Proposed changes under review, newest first. */
  proposals(): Proposal[];
  /** Methods the running server advertises. */
  serverMethods(): string[];
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<NootropicApi> {
  const output = vscode.window.createOutputChannel('nootropic', { log: true });
  const statusBar = new StatusBar();
  context.subscriptions.push(output, statusBar);
  let clientState: ClientState = 'starting';
  const setState = (s: ClientState) => {
    clientState = s;
    statusBar.setClientState(s);
  };

  const init: ClientInit = { apiKey: await readApiKey(context.secrets) };
  const lc = createClient(context, output, init);
  client = lc;
  context.subscriptions.push(
    lc.onDidChangeState((e) => setState(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped')),
    lc.onNotification(ServerStatus.method, (raw: unknown) => {
      const status = ServerStatusParams.safeParse(raw);
      if (status.success) statusBar.setServerStatus(status.data);
      else output.appendLine(`[client] ignored malformed ${ServerStatus.method}: ${status.error.message}`);
    }),
  );

  const api = new ServerApi(lc);
  let lastEditor = vscode.window.activeTextEditor;
  const review = new ReviewController(() => api, output);
  const chat = new ChatViewProvider(context, { api: () => api, review, output, editor: () => vscode.window.activeTextEditor ?? lastEditor }, review);
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor((e) => {
      if (e && e.document.uri.scheme !== 'output') lastEditor = e;
    }),
    review,
    chat,
    chatStreams.attach(api),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    ...registerChatCommands(chat, () => api),
    lc.onNotification('nootropic/plugins/changed', () => void chat.refreshCommands()),
    lc.onDidChangeState((e) => {
      if (e.newState === State.Running) void chat.refreshCommands();
    }),
  );

  const doctor = fetchDoctor((method, params) => lc.sendRequest(method, params));
  const restart = async () => {
    output.appendLine('[client] restarting the server');
    setState('starting');
    await lc.restart();
  };

  const reloadSecrets = async () => {
    init.apiKey = await readApiKey(context.secrets);
    if (lc.isRunning()) await restart();
  };
  context.subscriptions.push(
    ...registerApiKeyCommands(context, reloadSecrets),
    // Trusting a workspace unlocks workspace plugins and agent writes: the server learns it on restart.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
    vscode.commands.registerCommand('nootropic.restartServer', restart),
    vscode.commands.registerCommand('nootropic.showStatus', () => StatusPanel.show(context.extensionUri, doctor, restart)),
    vscode.window.registerWebviewPanelSerializer(STATUS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => StatusPanel.revive(panel, context.extensionUri, doctor, restart),
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('nootropic') && lc.isRunning()) {
        void lc.sendNotification('workspace/didChangeConfiguration', { settings: { nootropic: explicitSettings() } });
      }
    }),
  );

  try {
    await lc.start();
  } catch (err) {
    // VS Code doesn't show a notification when an extension fails to activate; say it ourselves.
    setState('failed');
    output.appendLine(`[client] could not start the server: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }

  return {
    clientState: () => clientState,
    statusText: () => statusBar.text,
    doctor,
    restart,
    chat: (text) => chat.ask(text),
    proposals: () => review.all(),
    serverMethods: () => api.capabilities()?.methods ?? [],
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
