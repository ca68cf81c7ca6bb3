/**
 * The chat view in nootropic's activity-bar container: a webview (webviews/chat) that streams answers, lists
 * search hits, shows proposed changes and the context the model saw. History is kept per workspace
 * (workspaceState); the webview restores from it when it is re-created.
 */
import * as vscode from 'vscode';
import { FromChatWebview, Turn, type SlashCommandView, type ToChatWebview } from '../../shared/webview/chat';
import { proposalView, type ReviewController } from '../review';
import { errorText } from '../server-api';
import { webviewHtml, webviewRoots } from '../webview-html';
import { runTurn, slashCommands, type EngineDeps } from './engine';

export const CHAT_VIEW_ID = 'nootropic.chat';
const HISTORY_KEY = 'nootropic.chat.history';
const MAX_TURNS = 100;

const CHAT_CSS = `body { padding: 0; display: flex; flex-direction: column; height: 100vh; box-sizing: border-box; }
#root { flex: 1; display: flex; flex-direction: column; min-height: 0; }
#turns { flex: 1; overflow-y: auto; padding: 6px 10px; }
.turn { margin-bottom: 14px; }
.user { background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); border-radius: 4px; padding: 4px 8px; white-space: pre-wrap; margin-bottom: 6px; }
.answer { line-height: 1.45; overflow-wrap: anywhere; } .answer p { margin: .4em 0; }
.answer pre { margin: 0; padding: 6px 8px; overflow-x: auto; background: var(--vscode-textCodeBlock-background); }
.answer code { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
.codeblock { border: 1px solid var(--vscode-panel-border); border-radius: 4px; margin: 6px 0; }
.codebar { display: flex; gap: 4px; justify-content: flex-end; align-items: center; padding: 2px 4px; border-bottom: 1px solid var(--vscode-panel-border); }
.codebar .lang { flex: 1; opacity: .6; font-size: 11px; }
.meta { font-size: 11px; opacity: .7; margin-top: 4px; }
.error { color: var(--vscode-errorForeground); margin-top: 4px; white-space: pre-wrap; }
.hits { list-style: none; padding: 0; margin: 6px 0; }
.hits li { padding: 4px 6px; cursor: pointer; border-radius: 3px; } .hits li:hover { background: var(--vscode-list-hoverBackground); }
.hits .loc { color: var(--vscode-textLink-foreground); } .hits pre { margin: 2px 0 0; font-size: 11px; opacity: .8; white-space: pre-wrap; max-height: 4.5em; overflow: hidden; }
.card { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px 8px; margin-top: 6px; }
.card ul { margin: 4px 0; padding-left: 18px; } .card .actions { display: flex; gap: 6px; flex-wrap: wrap; }
.state-accepted { color: var(--vscode-testing-iconPassed); } .state-rejected { color: var(--vscode-errorForeground); }
details { margin-top: 4px; font-size: 12px; } summary { cursor: pointer; opacity: .8; }
footer { border-top: 1px solid var(--vscode-panel-border); padding: 6px 10px; }
#suggest { list-style: none; margin: 0 0 4px; padding: 0; max-height: 180px; overflow-y: auto; }
#suggest li { padding: 2px 6px; cursor: pointer; } #suggest li.sel, #suggest li:hover { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
#suggest .desc { opacity: .7; margin-left: 6px; }
#input { width: 100%; }
.row { display: flex; gap: 6px; margin-top: 4px; align-items: center; } .row .grow { flex: 1; }
.spinner { display: inline-block; animation: spin 1s linear infinite; } @keyframes spin { to { transform: rotate(360deg); } }
.empty { opacity: .7; padding: 8px 0; } .empty code { background: var(--vscode-textCodeBlock-background); padding: 0 3px; }`;

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private turns: Turn[];
  private commands: SlashCommandView[] = [];
  private running: { id: string; cts: vscode.CancellationTokenSource; done: Promise<Turn> } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private pending: ToChatWebview[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: EngineDeps,
    private readonly review: ReviewController,
  ) {
    this.turns = this.loadHistory();
    this.disposables.push(
      review.onDidChangeProposal((p) => {
        const t = this.turns.find((x) => x.proposal?.id === p.id);
        if (t) this.update(t, { proposal: proposalView(p) });
      }),
    );
  }

  private loadHistory(): Turn[] {
    const raw = this.context.workspaceState.get<unknown[]>(HISTORY_KEY, []);
    // A turn left streaming by a reload is shown as stopped, not as forever running.
    return raw.flatMap((t) => {
      const p = Turn.safeParse(t);
      return p.success ? [p.data.status === 'streaming' ? { ...p.data, status: 'stopped' as const } : p.data] : [];
    });
  }

  private saveHistory(): void {
    void this.context.workspaceState.update(HISTORY_KEY, this.turns.slice(-MAX_TURNS));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.context.extensionUri) };
    view.webview.html = webviewHtml(view.webview, this.context.extensionUri, 'chat', CHAT_CSS);
    view.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw));
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  private post(msg: ToChatWebview): void {
    if (this.view) void this.view.webview.postMessage(msg);
    else this.pending.push(msg);
  }

  async refreshCommands(): Promise<void> {
    this.commands = await slashCommands(this.deps.api());
    this.post({ type: 'commands', commands: this.commands });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = FromChatWebview.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;
    try {
      switch (msg.type) {
        case 'ready':
          this.pending = [];
          this.post({ type: 'state', turns: this.turns, commands: this.commands, busy: !!this.running });
          void this.refreshCommands();
          break;
        case 'send':
          void this.ask(msg.text);
          break;
        case 'stop':
          this.stop();
          break;
        case 'clear':
          this.stop();
          this.turns = [];
          this.saveHistory();
          this.post({ type: 'state', turns: [], commands: this.commands, busy: false });
          break;
        case 'code':
          await this.codeAction(msg.action, msg.code);
          break;
        case 'openHit': {
          const folder = vscode.workspace.workspaceFolders?.[0];
          if (!folder) return;
          const uri = vscode.Uri.joinPath(folder.uri, msg.path);
          const pos = new vscode.Position(msg.line - 1, 0);
          await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), preview: true });
          break;
        }
        case 'review':
          await this.review.open(msg.proposalId);
          break;
        case 'link':
          if (msg.command.startsWith('nootropic.')) await vscode.commands.executeCommand(msg.command, ...(msg.args ?? []));
          break;
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`nootropic: ${errorText(err)}`);
    }
  }

  /** Apply: through the edit review (a SEARCH/REPLACE answer as is; plain code replaces the selection). */
  private async codeAction(action: 'apply' | 'copy' | 'insert', code: string): Promise<void> {
    if (action === 'copy') {
      await vscode.env.clipboard.writeText(code);
      void vscode.window.setStatusBarMessage('nootropic: code copied', 2000);
      return;
    }
    const editor = this.deps.editor();
    if (!editor) throw new Error('open a file in an editor first.');
    if (action === 'insert') {
      await editor.edit((b) => b.replace(editor.selection, code));
      return;
    }
    const doc = editor.document;
    let text: string;
    if (/^<{5,9} SEARCH\s*$/m.test(code)) text = code;
    else {
      const range = editor.selection.isEmpty ? new vscode.Range(0, 0, doc.lineCount, 0) : editor.selection;
      const after = doc.getText().slice(0, doc.offsetAt(range.start)) + code + doc.getText().slice(doc.offsetAt(range.end));
      text = `${vscode.workspace.asRelativePath(doc.uri, false)}\n\`\`\`\n${after}\n\`\`\`\n`;
    }
    const { proposal, reason } = await this.review.propose(text, `Apply code block to ${vscode.workspace.asRelativePath(doc.uri, false)}`, doc.uri.toString());
    if (!proposal) throw new Error(`could not apply the code: ${reason}`);
    await this.review.open(proposal.id);
  }

  stop(): void {
    this.running?.cts.cancel();
  }

  /** Runs one turn (also the entry point for commands and tests); resolves with the finished turn. */
  async ask(text: string): Promise<Turn> {
    if (this.running) {
      this.running.cts.cancel();
      await this.running.done.catch(() => undefined);
    }
    const history = this.turns
      .filter((t) => t.status === 'done' && !t.command && t.answer)
      .flatMap((t) => [{ role: 'user' as const, content: t.user }, { role: 'assistant' as const, content: t.answer }]);
    const command = /^\/([\w.\/-]+)/.exec(text.trim())?.[1];
    const turn: Turn = { id: `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, user: text, answer: '', status: 'streaming', ...(command ? { command } : {}) };
    this.turns.push(turn);
    this.post({ type: 'turn', turn });
    this.post({ type: 'busy', busy: true });
    const cts = new vscode.CancellationTokenSource();
    const done = (async () => {
      await runTurn(this.deps, turn, history, {
        delta: (t) => {
          turn.answer += t;
          this.post({ type: 'delta', id: turn.id, text: t });
        },
        patch: (p) => this.update(turn, p),
      }, cts.token);
      if (turn.status === 'streaming') this.update(turn, { status: cts.token.isCancellationRequested ? 'stopped' : 'done' });
      return turn;
    })();
    this.running = { id: turn.id, cts, done };
    try {
      return await done;
    } finally {
      if (this.running?.id === turn.id) this.running = undefined;
      cts.dispose();
      this.post({ type: 'busy', busy: !!this.running });
      this.saveHistory();
    }
  }

  private update(turn: Turn, patch: Partial<Turn>): void {
    Object.assign(turn, patch);
    this.post({ type: 'turn', turn });
    if (turn.status !== 'streaming') this.saveHistory();
  }

  /** Puts text in the input box (palette commands that open the chat). */
  prefill(text: string, send = false): void {
    this.post({ type: 'prefill', text, send });
  }

  lastTurn(): Turn | undefined {
    return this.turns[this.turns.length - 1];
  }

  dispose(): void {
    this.stop();
    this.disposables.forEach((d) => d.dispose());
  }
}
