/**
 * Only the settings the user set explicitly go to the server: VS Code's defaults would otherwise mask values
 * from `.nootropic/config.yaml`, which sits below editor settings in the layering.
 */
import * as vscode from 'vscode';
import { checkerFor, EDITOR_CHECKERS, syntaxMode, type EnabledValues, type SyntaxMode } from './syntax-languages';

type Obj = Record<string, unknown>;

function setPath(target: Obj, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Obj;
  cur[parts[parts.length - 1]!] = value;
}

/**
 * The explicit settings, and which of them come from the workspace (`.vscode/settings.json`, folder settings)
 * or the user: the server applies workspace values that widen egress or code execution only once approved.
 */
export function splitSettings(keys: readonly string[] = settingKeys()): { settings: Obj; workspaceSettings: Obj; userSettings: Obj } {
  const config = vscode.workspace.getConfiguration('nootropic');
  const settings: Obj = {};
  const workspaceSettings: Obj = {};
  const userSettings: Obj = {};
  for (const key of keys) {
    const i = config.inspect(key);
    const ws = i?.workspaceFolderValue ?? i?.workspaceValue;
    const value = ws ?? i?.globalValue;
    if (value !== undefined) setPath(settings, key, value);
    if (ws !== undefined) setPath(workspaceSettings, key, ws);
    if (i?.globalValue !== undefined) setPath(userSettings, key, i.globalValue);
  }
  return { settings, workspaceSettings, userSettings };
}

/** Keys relative to `nootropic.`, from this extension's own contributes.configuration. */
export function settingKeys(): string[] {
  const ext = vscode.extensions.getExtension('nootropic.nootropic');
  const props = (ext?.packageJSON as { contributes?: { configuration?: { properties?: Obj } } } | undefined)?.contributes
    ?.configuration?.properties;
  return Object.keys(props ?? {}).map((k) => k.replace(/^nootropic\./, ''));
}

function enabledValues(languageId: string): EnabledValues {
  const i = vscode.workspace.getConfiguration('nootropic', { languageId }).inspect<boolean>('diagnostics.syntax.enabled');
  return {
    explicit:
      i?.workspaceFolderLanguageValue ??
      i?.workspaceFolderValue ??
      i?.workspaceLanguageValue ??
      i?.workspaceValue ??
      i?.globalLanguageValue ??
      i?.globalValue,
    languageDefault: i?.defaultLanguageValue,
  };
}

/** Whether VS Code's built-in checker for the language is installed and validating (undefined: there is none). */
function checkerActive(languageId: string): boolean | undefined {
  const checker = checkerFor(languageId);
  if (!checker) return undefined;
  if (!vscode.extensions.getExtension(checker.extension)) return false;
  return vscode.workspace.getConfiguration(undefined, { languageId }).get<boolean>(checker.validate) !== false;
}

/** What nootropic does with the language's syntax errors in this window (syntax-languages.ts). */
export function syntaxModeFor(languageId: string): SyntaxMode {
  return syntaxMode(enabledValues(languageId), checkerActive(languageId));
}

/** Of `languages`, those nootropic publishes no syntax diagnostics for in this window (set off by the user). */
export function syntaxOffLanguages(languages: readonly string[]): string[] {
  return languages.filter((l) => syntaxModeFor(l) === 'off');
}

/** Whether a configuration change can change `syntaxModeFor` (and so `syntaxOffLanguages`). */
export function affectsSyntaxLanguages(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('nootropic.diagnostics.syntax') || EDITOR_CHECKERS.some((c) => e.affectsConfiguration(c.validate));
}
