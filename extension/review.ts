/**
 * Every proposed change is reviewed before it touches a file: each file opens in `vscode.diff` (current text on
 * the left, the proposal on the right, read-only), with Accept / Reject per file and for all in the diff's
 * title bar and in the "Proposed changes" list. Accepted changes are applied as a WorkspaceEdit, so Ctrl+Z
 * undoes them; "Accept All" goes through `nootropic/edit/apply` (the server journals the change set for
 * `nootropic undo`) when the server offers it.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ProposalView } from '../shared/webview/chat';
import { AgentFeedback, EditApply, EditPreview, type EditFile } from '../shared/protocol';
import { errorText, type ServerApi } from './server-api';

export const PROPOSED_SCHEME = 'nootropic-proposed';

type FileState = 'pending' | 'accepted' | 'rejected';
interface ProposedFile extends EditFile {
  path: string;
  state: FileState;
}
export interface Proposal {
  id: string;
  label: string;
  /** What the model wrote; sent again to edit/apply for "Accept All". */
  text: string;
  targetUri?: string;
  files: ProposedFile[];
  diff: string;
  createdAt: number;
  /** Control files among `files` (server-classified): accepting one needs an explicit confirmation. */
  control: Array<{ path: string; why: string }>;
}

let counter = 0;

function rel(uri: string): string {
  const u = vscode.Uri.parse(uri);
  const folder = vscode.workspace.getWorkspaceFolder(u);
  return folder ? path.posix.relative(folder.uri.path, u.path) : u.path;
}

export function proposalView(p: Proposal): ProposalView {
  return {
    id: p.id,
    files: p.files.map((f) => ({ path: f.path, change: f.before === null ? 'create' : f.after === null ? 'delete' : 'modify', state: f.state })),
  };
}

class ChangesTree implements vscode.TreeDataProvider<{ p: Proposal; f?: ProposedFile }> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  constructor(private readonly store: ReviewController) {}
  refresh(): void {
    this.emitter.fire();
  }
  getChildren(el?: { p: Proposal; f?: ProposedFile }) {
    if (!el) return this.store.all().map((p) => ({ p }));
    if (el.f) return [];
    return el.p.files.map((f) => ({ p: el.p, f }));
  }
  getTreeItem(el: { p: Proposal; f?: ProposedFile }): vscode.TreeItem {
    if (!el.f) {
      const pending = el.p.files.filter((f) => f.state === 'pending').length;
      const item = new vscode.TreeItem(el.p.label, vscode.TreeItemCollapsibleState.Expanded);
      item.description = pending ? `${pending} of ${el.p.files.length} to review` : 'reviewed';
      item.contextValue = pending ? 'proposal.pending' : 'proposal.done';
      item.id = el.p.id;
      return item;
    }
    const f = el.f;
    const item = new vscode.TreeItem(f.path, vscode.TreeItemCollapsibleState.None);
    item.id = `${el.p.id}/${f.path}`;
    item.description = `${f.before === null ? 'new file' : f.after === null ? 'deleted' : 'modified'} · ${f.state}`;
    item.iconPath = new vscode.ThemeIcon(f.state === 'accepted' ? 'check' : f.state === 'rejected' ? 'close' : 'diff');
    item.contextValue = f.state === 'pending' ? 'proposedFile.pending' : 'proposedFile.done';
    item.command = { command: 'nootropic.review.open', title: 'Open diff', arguments: [el.p.id, f.path] };
    return item;
  }
}

export class ReviewController implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal>();
  private readonly changed = new vscode.EventEmitter<Proposal>();
  /** Fired after any accept/reject (the chat view updates its card). */
  readonly onDidChangeProposal = this.changed.event;
  private readonly docChanged = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.docChanged.event;
  private readonly tree = new ChangesTree(this);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly api: () => ServerApi | undefined, private readonly output: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this),
      vscode.window.createTreeView('nootropic.changes', { treeDataProvider: this.tree, showCollapseAll: false }),
      vscode.commands.registerCommand('nootropic.review.open', (id?: string, file?: string) => this.openCmd(id, file)),
      vscode.commands.registerCommand('nootropic.review.acceptFile', (a?: unknown, b?: unknown) => this.decideCmd('accepted', a, b)),
      vscode.commands.registerCommand('nootropic.review.rejectFile', (a?: unknown, b?: unknown) => this.decideCmd('rejected', a, b)),
      vscode.commands.registerCommand('nootropic.review.acceptAll', (a?: unknown) => this.allCmd('accepted', a)),
      vscode.commands.registerCommand('nootropic.review.rejectAll', (a?: unknown) => this.allCmd('rejected', a)),
    );
  }

  all(): Proposal[] {
    return [...this.proposals.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): Proposal | undefined {
    return this.proposals.get(id);
  }

  /** Asks the server what `text` would change (nothing is written) and keeps it as a proposal. */
  async propose(text: string, label: string, targetUri?: string): Promise<{ proposal?: Proposal; reason?: string }> {
    const api = this.api();
    if (!api) throw new Error('The nootropic server is not running.');
    const preview = await api.call(EditPreview, { text, ...(targetUri ? { targetUri } : {}) }, undefined, 'reviewing proposed edits');
    return this.adopt(preview, text, label, targetUri);
  }

  /** Keeps a preview the server already made (chat's /edit, /fix, /test answer with one) as a proposal. */
  adopt(preview: { files: EditFile[]; diff: string; reason?: string | undefined; controlFiles?: { path: string; why: string }[] | undefined }, text: string, label: string, targetUri?: string): { proposal?: Proposal; reason?: string } {
    if (preview.reason && !preview.files.length) return { reason: preview.reason };
    if (!preview.files.length) return { reason: 'the answer contained no change the edit engine could read' };
    const id = `p${Date.now().toString(36)}${(counter++).toString(36)}`;
    const proposal: Proposal = {
      id,
      label,
      text,
      ...(targetUri ? { targetUri } : {}),
      files: preview.files.map((f) => ({ ...f, path: rel(f.uri), state: 'pending' as const })),
      diff: preview.diff,
      createdAt: Date.now(),
      control: (preview.controlFiles ?? []).map((c) => ({ path: c.path, why: c.why })),
    };
    this.proposals.set(id, proposal);
    this.tree.refresh();
    return { proposal, ...(preview.reason ? { reason: preview.reason } : {}) };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [id, ...rest] = uri.path.replace(/^\//, '').split('/');
    const f = this.proposals.get(id ?? '')?.files.find((x) => x.path === rest.join('/'));
    if (!f) return '';
    return (new URLSearchParams(uri.query).get('side') === 'before' ? f.before : f.after) ?? '';
  }

  proposedUri(p: Proposal, f: ProposedFile, side: 'before' | 'after'): vscode.Uri {
    return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${p.id}/${f.path}`, ...(side === 'before' ? { query: 'side=before' } : {}) });
  }

  /** Opens the diff of one file (the first pending one when `file` is not given). */
  async open(id: string, file?: string): Promise<void> {
    const p = this.proposals.get(id);
    if (!p) throw new Error(`No proposed change ${id} (proposals last until the window reloads).`);
    const f = (file ? p.files.find((x) => x.path === file) : p.files.find((x) => x.state === 'pending')) ?? p.files[0];
    if (!f) return;
    const left = f.before === null ? this.proposedUri(p, f, 'before') : vscode.Uri.parse(f.uri);
    const title = `${path.posix.basename(f.path)}: current ↔ proposed${f.state === 'pending' ? '' : ` (${f.state})`}`;
    await vscode.commands.executeCommand('vscode.diff', left, this.proposedUri(p, f, 'after'), title, { preview: false });
  }

  private async openCmd(id?: string, file?: string): Promise<void> {
    const target = id ?? this.all().find((p) => p.files.some((f) => f.state === 'pending'))?.id;
    if (!target) return void vscode.window.showInformationMessage('nootropic: no proposed changes to review.');
    await this.open(target, file).catch((e) => vscode.window.showErrorMessage(`nootropic: ${errorText(e)}`));
  }

  /** Finds the proposal/file a command was invoked on: tree item, diff editor (uri), or explicit ids. */
  private locate(a?: unknown, b?: unknown): { p: Proposal; f?: ProposedFile } | undefined {
    if (typeof a === 'string') {
      const p = this.proposals.get(a);
      return p ? { p, ...(typeof b === 'string' ? { f: p.files.find((x) => x.path === b) } : {}) } : undefined;
    }
    if (a && typeof a === 'object' && 'p' in a) return a as { p: Proposal; f?: ProposedFile };
    const uri = a instanceof vscode.Uri ? a : vscode.window.activeTextEditor?.document.uri;
    if (uri?.scheme === PROPOSED_SCHEME) {
      const [id, ...rest] = uri.path.replace(/^\//, '').split('/');
      const p = this.proposals.get(id ?? '');
      if (p) return { p, f: p.files.find((x) => x.path === rest.join('/')) };
    }
    const p = this.all().find((x) => x.files.some((f) => f.state === 'pending'));
    return p ? { p } : undefined;
  }

  private async decideCmd(state: 'accepted' | 'rejected', a?: unknown, b?: unknown): Promise<void> {
    const where = this.locate(a, b);
    const f = where?.f ?? where?.p.files.find((x) => x.state === 'pending');
    if (!where || !f) return void vscode.window.showInformationMessage('nootropic: nothing to review here.');
    try {
      await this.decide(where.p, f, state);
      await this.closeDiff(where.p, f);
      const next = where.p.files.find((x) => x.state === 'pending');
      if (next) await this.open(where.p.id, next.path);
    } catch (e) {
      void vscode.window.showErrorMessage(`nootropic: could not apply ${f.path}: ${errorText(e)}`);
    }
  }

  private async allCmd(state: 'accepted' | 'rejected', a?: unknown): Promise<void> {
    const where = this.locate(a);
    if (!where) return void vscode.window.showInformationMessage('nootropic: nothing to review.');
    try {
      await this.decideAll(where.p, state);
    } catch (e) {
      void vscode.window.showErrorMessage(`nootropic: ${errorText(e)}`);
    }
  }

  /** Control files decide what runs in the workspace: a modal confirmation names each before it is written. */
  private async confirmControl(p: Proposal, files: readonly ProposedFile[]): Promise<boolean> {
    const hit = p.control.filter((c) => files.some((f) => f.path === c.path));
    if (!hit.length) return true;
    const choice = await vscode.window.showWarningMessage(
      `nootropic: this change writes ${hit.length} control file(s): ${hit.map((c) => c.path).join(', ')}.`,
      { modal: true, detail: `${hit.map((c) => `${c.path}: ${c.why}`).join('\n')}\n\nThese files decide what runs in this workspace. Accept only if you expected this change.` },
      'Accept Anyway',
    );
    this.output.info(`[review] control files ${choice === 'Accept Anyway' ? 'approved' : 'refused'}: ${hit.map((c) => c.path).join(', ')} (${p.label})`);
    return choice === 'Accept Anyway';
  }

  /** Accepts or rejects one file. Accepting checks the file still holds the text the proposal was made from. */
  async decide(p: Proposal, f: ProposedFile, state: 'accepted' | 'rejected', confirmed = false): Promise<void> {
    if (f.state !== 'pending') return;
    if (state === 'accepted' && !confirmed && !(await this.confirmControl(p, [f]))) return;
    if (state === 'accepted') {
      const target = vscode.Uri.parse(f.uri);
      const edit = new vscode.WorkspaceEdit();
      if (f.before === null) {
        edit.createFile(target, { ignoreIfExists: false });
        edit.insert(target, new vscode.Position(0, 0), f.after ?? '');
      } else if (f.after === null) {
        edit.deleteFile(target, { ignoreIfNotExists: false });
      } else {
        const doc = await vscode.workspace.openTextDocument(target);
        if (doc.getText() !== f.before) throw new Error(`${f.path} changed since the proposal was made; ask again to get a fresh one.`);
        edit.replace(target, new vscode.Range(0, 0, doc.lineCount, 0), f.after);
      }
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit.');
      if (f.after !== null) await (await vscode.workspace.openTextDocument(target)).save();
    }
    f.state = state;
    this.output.info(`[review] ${state} ${f.path} (${p.label})`);
    this.fire(p);
    this.feedback(p, state);
  }

  /** Every decision is recorded by the server (FeedbackAgent) when it offers it: preference data, kept locally. */
  private feedback(p: Proposal, state: 'accepted' | 'rejected'): void {
    const api = this.api();
    if (!api?.offers(AgentFeedback)) return;
    const params = { kind: 'edit', verdict: state === 'accepted' ? 'accept' : 'reject', prompt: p.label, response: p.text.slice(0, 200_000) } as const;
    api.call(AgentFeedback, params, undefined, 'feedback').catch((e) => this.output.warn(`[review] feedback not recorded: ${errorText(e)}`));
  }

  async decideAll(p: Proposal, state: 'accepted' | 'rejected'): Promise<void> {
    const pending = p.files.filter((f) => f.state === 'pending');
    const api = this.api();
    if (state === 'accepted' && !(await this.confirmControl(p, pending))) return;
    if (state === 'accepted' && pending.length === p.files.length && api?.offers(EditApply)) {
      // Through the edit engine: one journalled change set, applied by the editor (Ctrl+Z works).
      const res = await api.call(EditApply, { text: p.text, label: p.label, ...(p.targetUri ? { targetUri: p.targetUri } : {}) }, undefined, 'applying edits');
      if (!res.applied || !res.edit) throw new Error(`the edit engine refused the change: ${res.reason ?? 'no reason given'}`);
      const edit = await api.p2c.asWorkspaceEdit(res.edit);
      if (!edit || !(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit.');
      for (const f of pending) {
        if (f.after !== null) await (await vscode.workspace.openTextDocument(vscode.Uri.parse(f.uri))).save();
        f.state = 'accepted';
      }
      this.output.info(`[review] accepted all ${pending.length} file(s) through ${EditApply.method} (${p.label})`);
      this.fire(p);
      this.feedback(p, 'accepted');
    } else {
      for (const f of pending) await this.decide(p, f, state, true);
    }
    for (const f of p.files) await this.closeDiff(p, f);
  }

  private async closeDiff(p: Proposal, f: ProposedFile): Promise<void> {
    const right = this.proposedUri(p, f, 'after').toString();
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === right);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }

  private fire(p: Proposal): void {
    this.tree.refresh();
    this.changed.fire(p);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changed.dispose();
    this.docChanged.dispose();
  }
}
