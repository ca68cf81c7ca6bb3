/**
 * The VS Code front door: starts nootropic-lsp, shows its state in the status bar and an output channel, and
 * offers "Restart Server" and "Show Status". All capability lives in the server; this file wires it up.
 * Activation is cheap: panels, the chat view's webview and the participant's work are created on first use, and the
 * server starts in the background (`activate` does not wait for it; requests wait for the client themselves).
 * The extension activates only where it has work (package.json activationEvents: a supported language, a workspace
 * containing such files, a command, the chat view or participant, a panel being restored).
 */
// First: records the moment and memory before the rest of the bundle is evaluated.
import { activateEnds, activateStarts, activationMetrics, describeActivation, serverReady, type ActivationMetrics } from './activation-metrics';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { AgentApprove, Doctor, IndexInfo, IndexStatus, PluginsChanged, ServerStatus, type ClientRequest, type DoctorReport } from '../shared/protocol';
import type { z } from 'zod';
import type { Turn } from '../shared/webview/chat';
import { ChatViewProvider, CHAT_VIEW_ID } from './chat/chat-view';
import { registerChatCommands } from './chat/commands';
import { chatStreams } from './chat/engine';
import { registerParticipant } from './chat/participant';
import { createClient, type ClientInit } from './client';
import { LANGUAGES } from './languages';
import { ActivityStatus } from './activity-status';
import { registerFirstRun } from './first-run';
import { registerDiagnosticActions } from './diagnostic-actions';
import { ReviewController, type Proposal } from './review';
import { BOARD_VIEW_TYPE, TaskBoardPanel } from './taskboard-panel';
import { TRACE_VIEW_TYPE, TracePanel } from './trace-panel';
import { errorText, ServerApi } from './server-api';
import { readApiKey, registerApiKeyCommands } from './secrets';
import { registerResumeOffer } from './resume-offer';
import { affectsSyntaxLanguages, splitSettings, syntaxOffLanguages } from './settings';
import { StatusBar, type ClientState } from './status-bar';
import { STATUS_VIEW_TYPE, StatusPanel } from './status-panel';
import { CompletionStatus } from './completion';

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
  /** Calls a method declared in shared/protocol on the running server (the same calls the panels make). */
  request<D extends ClientRequest>(def: D, params: z.input<D['params']>): Promise<z.output<D['result']>>;
  /** The chat view's last turn. */
  lastTurn(): Turn | undefined;
  /** What activation cost (times and the extension host's memory). */
  activation(): ActivationMetrics;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<NootropicApi> {
  activateStarts();
  const output = vscode.window.createOutputChannel('nootropic', { log: true });
  const statusBar = new StatusBar();
  context.subscriptions.push(output, statusBar);
  let clientState: ClientState = 'starting';
  const setState = (s: ClientState) => {
    clientState = s;
    statusBar.setClientState(s);
  };

  // The key (SecretStorage: a round trip to the workbench in remote windows) is read while activation goes on;
  // the server starts once it is known (it goes in initializationOptions).
  const init: ClientInit = { apiKey: undefined };
  const keyRead = readApiKey(context.secrets).then(
    (key) => {
      init.apiKey = key;
    },
    (err: unknown) => output.warn(`[client] could not read the API key from SecretStorage: ${errorText(err)}`),
  );
  const lc = createClient(context, output, init);
  client = lc;
  // The server starts once the key is read, after activate has registered everything (in the background).
  const started = keyRead.then(() => lc.start());
  const api = new ServerApi(lc, (message) => output.warn(message), started);
  context.subscriptions.push(
    lc.onDidChangeState((e) => setState(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped')),
    api.onNotification(ServerStatus, (status) => statusBar.setServerStatus(status)),
  );

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
    api.onNotification(IndexStatus, (s) => activity.setIndex(s)),
    lc.onDidChangeState((e) => {
      if (e.newState !== State.Running) return activity.setUnavailable();
      // The state flips to Running a moment before the initialize result (the advertised methods) is stored.
      whenInitialized(() => {
        void chat.refreshCommands();
        // Index state now; the model's reachability once the doctor has probed it (in the background).
        void api.call(IndexInfo, {}).then((i) => activity.setIndex(i), (err) => output.warn(`[client] index info: ${errorText(err)}`));
        activity.watchModel(() => api.call(Doctor, {}), (err) => output.warn(`[client] doctor: ${errorText(err)}`));
      });
    }),
    // An agent wants to run a command that is neither in the spec nor allowlisted: the person decides.
    api.onRequest(AgentApprove, async (p) => {
      if (p.kind === 'edit') {
        // Control files (config, plugins, spec, .vscode, CI, package scripts): the person approves each write.
        const files = p.files ?? [];
        const choice = await vscode.window.showWarningMessage(
          `nootropic: an agent's edit changes ${files.length} control file(s): ${files.map((f) => f.path).join(', ')}.`,
          { modal: true, detail: `${files.map((f) => `${f.path}: ${f.why}`).join('\n')}\n\nThese files decide what runs in this workspace. Allow only if you expected this change.` },
          'Allow Edit',
        );
        output.info(`[agents] ${choice === 'Allow Edit' ? 'approved' : 'refused'} control-file edit: ${files.map((f) => f.path).join(', ')}`);
        return { approved: choice === 'Allow Edit' };
      }
      const choice = await vscode.window.showWarningMessage(
        `nootropic: an agent wants to run \`${p.command}\`${p.cwd ? ` in ${p.cwd}` : ''}.`,
        { modal: true, detail: `${p.reason}\n\nAllow commands permanently with the nootropic.agents.allowCommands setting.`.trim() },
        'Run It',
      );
      output.info(`[agents] ${choice === 'Run It' ? 'approved' : 'refused'}: ${p.command}`);
      return { approved: choice === 'Run It' };
    }),
    api.onNotification(PluginsChanged, () => void chat.refreshCommands()),
    registerResumeOffer(api, output),
  );

  const doctor = () => api.call(Doctor, {});
  const completion = new CompletionStatus(api);
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
      if ((e.affectsConfiguration('nootropic') || affectsSyntaxLanguages(e)) && lc.isRunning()) {
        const split = splitSettings();
        void api.didChangeConfiguration({
          nootropic: split.settings,
          nootropicWorkspace: split.workspaceSettings,
          nootropicUser: split.userSettings,
          nootropicSyntaxOffLanguages: syntaxOffLanguages(LANGUAGES),
        });
      }
    }),
  );

  // In the background: activation does not wait for the server's start-up (requests wait for the client).
  void started.then(
    () => {
      serverReady();
      output.info(`[client] ${describeActivation()}`);
    },
    (err: unknown) => {
      // VS Code doesn't show a notification when an extension fails to activate; say it ourselves.
      setState('failed');
      output.appendLine(`[client] could not start the server: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    },
  );

  activateEnds();
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
    request: (def, params) => api.call(def, params),
    lastTurn: () => chat.lastTurn(),
    activation: activationMetrics,
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
