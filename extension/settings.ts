/**
 * Only the settings the user set explicitly go to the server: VS Code's defaults would otherwise mask values
 * from `.nootropic/config.yaml`, which sits below editor settings in the layering.
 */
import * as vscode from 'vscode';

type Obj = Record<string, unknown>;

function setPath(target: Obj, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Obj;
  cur[parts[parts.length - 1]!] = value;
}

export function explicitSettings(keys: readonly string[] = settingKeys()): Obj {
  const config = vscode.workspace.getConfiguration('nootropic');
  const out: Obj = {};
  for (const key of keys) {
    const i = config.inspect(key);
    const value = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (value !== undefined) setPath(out, key, value);
  }
  return out;
}

/** Keys relative to `nootropic.`, from this extension's own contributes.configuration. */
export function settingKeys(): string[] {
  const ext = vscode.extensions.getExtension('nootropic.nootropic');
  const props = (ext?.packageJSON as { contributes?: { configuration?: { properties?: Obj } } } | undefined)?.contributes
    ?.configuration?.properties;
  return Object.keys(props ?? {}).map((k) => k.replace(/^nootropic\./, ''));
}
