/**
 * The VS Code front door: starts nootropic-lsp, shows its state in the status bar and an output channel, and
 * offers "Restart Server" and "Show Status". All capability lives in the server; this file wires it up.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Doctor, IndexInfo, IndexStatus, ServerStatus, ServerStatusParams, type DoctorReport } from '../shared/protocol';
import type { Turn } from '../shared/webview/chat';
import { ChatViewProvider, CHAT_VIEW_ID } from './chat/chat-view';
import { registerChatCommands } from './chat/commands';
import { chatStreams } from './chat/engine';
import { registerParticipant } from './chat/participant';
import { createClient, type ClientInit } from './client';
import { ActivityStatus } from './activity-status';
import { AGENT_APPROVE, ApproveParams } from './contract';
import { registerFirstRun } from './first-run';
import { registerDiagnosticActions } from './diagnostic-actions';
import { ReviewController, type Proposal } from './review';
import { BOARD_VIEW_TYPE, TaskBoardPanel } from './taskboard-panel';
import { TRACE_VIEW_TYPE, TracePanel } from './trace-panel';
import { errorText, ServerApi } from './server-api';
import { readApiKey, registerApiKeyCommands } from './secrets';
import { registerResumeOffer } from './resume-offer';
import { splitSettings } from './settings';
import { StatusBar, type ClientState } from './status-bar';
import { CompletionStatus } from './completion';
import { STATUS_VIEW_TYPE, StatusPanel, fetchDoctor } from './status-panel';

/** What the extension exports (its own test suite and other extensions may use it). */
export interface NootropicApi {
  clientState(): ClientState;
  statusText(): string;
  /** The index/model status bar item's text. */
  activityText(): string;
  doctor(): Promise<DoctorReport>;
  restart(): Promise<void>;
  /** Runs one chat turn in the chat view (text as typed, slash commands included). */
  chat(text: string): Promise<Turn>;
  /** Proposed changes under review, newest first. */
  proposals(): Proposal[];
  /** The inline-completion status bar item's text. */
  completionStatusText(): string;
  /** Methods the running server advertises. */
  serverMethods(): string[];
  /** What the trace viewer and task board show now (for tests). */
  traces(): { runs: typeof TracePanel.lastRuns; run: typeof TracePanel.lastRun };
  boardTasks(): typeof TaskBoardPanel.lastTasks;
  /** The chat view's last turn. */
  lastTurn(): Turn | undefined;
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
  const getApi = () => api;
  const whenInitialized = (fn: () => void, deadline = Date.now() + 20_000) => {
    if (lc.initializeResult && lc.isRunning()) fn();
    else if (Date.now() < deadline) setTimeout(() => whenInitialized(fn, deadline), 100);
  };
  const activity = new ActivityStatus();
  const chat = new ChatViewProvider(
    context,
    { api: getApi, review, output, editor: () => vscode.window.activeTextEditor ?? lastEditor, onPlan: (graph) => TaskBoardPanel.showGraph(context.extensionUri, getApi, graph) },
    review,
  );
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor((e) => {
      if (e && e.document.uri.scheme !== 'output') lastEditor = e;
    }),
    review,
    chat,
    chatStreams.attach(api),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    ...registerChatCommands(chat, () => api),
    ...registerParticipant(context, { api: getApi, review, output, editor: () => vscode.window.activeTextEditor ?? lastEditor }),
    ...registerDiagnosticActions(
      async (text) => {
        await vscode.commands.executeCommand('nootropic.chat.focus');
        return chat.ask(text);
      },
      () => !!lc.initializeResult?.capabilities.codeActionProvider,
    ),
    vscode.commands.registerCommand('nootropic.showTraces', (select?: unknown) => TracePanel.show(context.extensionUri, getApi, typeof select === 'string' ? select : undefined)),
    vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => TracePanel.revive(panel, context.extensionUri, getApi, state),
    }),
    vscode.commands.registerCommand('nootropic.showTaskBoard', () => TaskBoardPanel.show(context.extensionUri, getApi)),
    vscode.window.registerWebviewPanelSerializer(BOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => TaskBoardPanel.revive(panel, context.extensionUri, getApi),
    }),
    activity,
    ...registerFirstRun(getApi, (r) => activity.setDoctor(r)),
    lc.onNotification(IndexStatus.method, (raw: unknown) => {
      const s = IndexStatus.params.safeParse(raw);
      if (s.success) activity.setIndex(s.data);
    }),
    lc.onDidChangeState((e) => {
      if (e.newState !== State.Running) return activity.setUnavailable();
      // The state flips to Running a moment before the initialize result (the advertised methods) is stored.
      whenInitialized(() => {
        void chat.refreshCommands();
        // Index state now; the model's reachability once the doctor has probed it (in the background).
        void api.call(IndexInfo, {}).then((i) => activity.setIndex(i), (err) => output.warn(`[client] index info: ${errorText(err)}`));
        void api.call(Doctor, {}).then((r) => activity.setDoctor(r), (err) => output.warn(`[client] doctor: ${errorText(err)}`));
      });
    }),
    // An agent wants to run a command that is neither in the spec nor allowlisted: the person decides.
    lc.onRequest(AGENT_APPROVE, async (raw: unknown) => {
      const p = ApproveParams.safeParse(raw);
      if (!p.success) return { approved: false };
      if (p.data.kind === 'edit') {
        // Control files (config, plugins, spec, .vscode, CI, package scripts): the person approves each write.
        const files = p.data.files ?? [];
        const choice = await vscode.window.showWarningMessage(
          `nootropic: an agent's edit changes ${files.length} control file(s): ${files.map((f) => f.path).join(', ')}.`,
          { modal: true, detail: `${files.map((f) => `${f.path}: ${f.why}`).join('\n')}\n\nThese files decide what runs in this workspace. Allow only if you expected this change.` },
          'Allow Edit',
        );
        output.info(`[agents] ${choice === 'Allow Edit' ? 'approved' : 'refused'} control-file edit: ${files.map((f) => f.path).join(', ')}`);
        return { approved: choice === 'Allow Edit' };
      }
      const choice = await vscode.window.showWarningMessage(
        `nootropic: an agent wants to run \`${p.data.command}\`${p.data.cwd ? ` in ${p.data.cwd}` : ''}.`,
        { modal: true, detail: `${p.data.reason ?? ''}\n\nAllow commands permanently with the nootropic.agents.allowCommands setting.`.trim() },
        'Run It',
      );
      output.info(`[agents] ${choice === 'Run It' ? 'approved' : 'refused'}: ${p.data.command}`);
      return { approved: choice === 'Run It' };
    }),
    lc.onNotification('nootropic/plugins/changed', () => void chat.refreshCommands()),
    registerResumeOffer(lc, output),
  );

  const doctor = fetchDoctor((method, params) => lc.sendRequest(method, params));
  const completion = new CompletionStatus((method, params) => lc.sendRequest(method, params));
  context.subscriptions.push(completion, lc.onDidChangeState((e) => e.newState === State.Running && void completion.refresh()));
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
        const split = splitSettings();
        void lc.sendNotification('workspace/didChangeConfiguration', {
          settings: { nootropic: split.settings, nootropicWorkspace: split.workspaceSettings, nootropicUser: split.userSettings },
        });
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
    completionStatusText: () => completion.text,
    activityText: () => activity.text,
    doctor,
    restart,
    chat: (text) => chat.ask(text),
    proposals: () => review.all(),
    serverMethods: () => api.capabilities()?.methods ?? [],
    traces: () => ({ runs: TracePanel.lastRuns, run: TracePanel.lastRun }),
    boardTasks: () => TaskBoardPanel.lastTasks,
    lastTurn: () => chat.lastTurn(),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
