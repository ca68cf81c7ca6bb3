/**
 * Inline completion in VS Code. The ghost text itself comes from vscode-languageclient's inline-completion
 * feature (the server advertises `inlineCompletionProvider`); this file adds what LSP has no word for: a status
 * bar toggle (on, off, off for this language) showing the model in use, the person's verdict on each completion
 * for the feedback export (accepted by the item's command, rejected by the next request elsewhere:
 * completion-verdicts.ts), and the middleware that keeps VS Code from also asking for the same text as a
 * completion item (that path is for editors without inline completion).
 */
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { COMPLETION_ACCEPTED_COMMAND, CompletionFeedback, CompletionInfo, type CompletionInfoResult } from '../shared/protocol';
import { CompletionVerdicts } from './completion-verdicts';
import type { ServerApi } from './server-api';

export const COMPLETION_TOGGLE_COMMAND = 'nootropic.completion.toggle';

function settings(): { enabled: boolean; disabled: string[] } {
  const c = vscode.workspace.getConfiguration('nootropic.completion');
  return { enabled: c.get<boolean>('enabled', true), disabled: c.get<string[]>('disabledLanguages', []) };
}

/** Whether completions are on for a language, by the settings the toggle writes. */
export function completionEnabledFor(languageId: string): boolean {
  const s = settings();
  return s.enabled && !s.disabled.includes(languageId);
}

/** One per extension host: the middleware reports what was returned, the status item where verdicts go. */
export const completionVerdicts = new CompletionVerdicts();

function cursorOf(document: vscode.TextDocument, position: vscode.Position) {
  return {
    uri: document.uri.toString(),
    offset: document.offsetAt(position),
    textBetween: (start: number, end: number) => document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end))),
  };
}

/** The completion id an item carries in its accept command (the server puts it there). */
function itemId(item: vscode.InlineCompletionItem): string | undefined {
  const arg = item.command?.command === COMPLETION_ACCEPTED_COMMAND ? item.command.arguments?.[0] : undefined;
  return typeof arg === 'string' && arg ? arg : undefined;
}

/**
 * Client middleware: inline completions only where the toggle allows, each request and answer shown to the
 * verdict tracker; no completion items in VS Code.
 */
export function completionMiddleware(): Pick<Middleware, 'provideInlineCompletionItems' | 'provideCompletionItem'> {
  return {
    provideInlineCompletionItems: async (document, position, context, token, next) => {
      if (!completionEnabledFor(document.languageId)) return undefined;
      const cursor = cursorOf(document, position);
      completionVerdicts.request(cursor);
      const result = await next(document, position, context, token);
      const items = Array.isArray(result) ? result : (result?.items ?? []);
      const first = items[0];
      if (first && !token.isCancellationRequested) completionVerdicts.returned(cursor, itemId(first), typeof first.insertText === 'string' ? first.insertText : first.insertText.value);
      return result;
    },
    provideCompletionItem: () => undefined,
  };
}

export class CompletionStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nootropic.completion', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private info: CompletionInfoResult | undefined;

  constructor(private readonly api: ServerApi) {
    this.item.name = 'nootropic completion';
    this.item.command = COMPLETION_TOGGLE_COMMAND;
    this.disposables.push(
      vscode.commands.registerCommand(COMPLETION_TOGGLE_COMMAND, () => this.toggle()),
      vscode.commands.registerCommand(COMPLETION_ACCEPTED_COMMAND, (id: unknown) => this.accepted(id)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        completionVerdicts.leave(editor?.document.uri.toString());
        this.render();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('nootropic')) void this.refresh();
      }),
    );
    completionVerdicts.setSink((id, verdict) => void this.api.call(CompletionFeedback, { id, verdict }).catch(() => undefined));
    this.render();
    this.item.show();
  }

  /** What the item shows now (also read by the extension's tests). */
  get text(): string {
    return this.item.text;
  }

  /** Asks the server what serves completions (the tooltip names the model). */
  async refresh(): Promise<void> {
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    try {
      this.info = await this.api.call(CompletionInfo, languageId ? { languageId } : {});
    } catch {
      this.info = undefined;
    }
    this.render();
  }

  private render(): void {
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    const s = settings();
    const on = s.enabled && !(languageId && s.disabled.includes(languageId));
    const problem = this.info?.problem;
    this.item.text = on ? (problem ? '$(warning) complete' : '$(sparkle) complete') : '$(circle-slash) complete';
    const model = this.info?.endpoint ? `${this.info.endpoint.model} (${this.info.endpoint.provider} ${this.info.endpoint.baseUrl}${this.info.fallbackToChat ? ', the chat model: no completion role set' : ''})` : 'no model';
    const state = !s.enabled ? 'off everywhere' : on ? 'on' : `off for ${languageId}`;
    this.item.tooltip = `nootropic inline completion: ${state}\nModel: ${model}${problem ? `\nProblem: ${problem}` : ''}\nClick to turn on or off (everywhere or for this language).`;
  }

  private async toggle(): Promise<void> {
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    const s = settings();
    const config = vscode.workspace.getConfiguration('nootropic.completion');
    type Pick = vscode.QuickPickItem & { apply: () => Thenable<void> };
    const picks: Pick[] = [];
    if (!s.enabled) picks.push({ label: 'Turn inline completion on', apply: () => config.update('enabled', true, vscode.ConfigurationTarget.Global) });
    else picks.push({ label: 'Turn inline completion off everywhere', apply: () => config.update('enabled', false, vscode.ConfigurationTarget.Global) });
    if (languageId) {
      if (s.disabled.includes(languageId))
        picks.push({ label: `Turn inline completion on for ${languageId}`, apply: () => config.update('disabledLanguages', s.disabled.filter((l) => l !== languageId), vscode.ConfigurationTarget.Global) });
      else picks.push({ label: `Turn inline completion off for ${languageId}`, apply: () => config.update('disabledLanguages', [...s.disabled, languageId], vscode.ConfigurationTarget.Global) });
    }
    const choice = await vscode.window.showQuickPick(picks, { placeHolder: this.item.tooltip?.toString().split('\n')[1] ?? 'nootropic inline completion' });
    if (choice) await choice.apply();
    this.render();
  }

  private accepted(id: unknown): void {
    if (typeof id === 'string' && id) completionVerdicts.accepted(id);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
