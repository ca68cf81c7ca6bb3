/**
 * API keys live in VS Code's SecretStorage, never in settings. "nootropic: Set API Key" stores one; the key goes
 * to the server in initializationOptions (over the private IPC channel) and the server restarts to pick it up.
 */
import * as vscode from 'vscode';

const KEY = 'nootropic.models.apiKey';

export async function readApiKey(secrets: vscode.SecretStorage): Promise<string | undefined> {
  return (await secrets.get(KEY)) || undefined;
}

export function registerApiKeyCommands(context: vscode.ExtensionContext, onChange: () => Promise<void>): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('nootropic.setApiKey', async () => {
      const value = await vscode.window.showInputBox({
        title: 'nootropic: API key for the configured model provider',
        prompt: 'Stored in VS Code SecretStorage. Used only for endpoints you configured; cloud endpoints also need nootropic.models.allowCloud.',
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      if (value.trim() === '') await context.secrets.delete(KEY);
      else await context.secrets.store(KEY, value.trim());
      await onChange();
      void vscode.window.showInformationMessage(value.trim() ? 'nootropic: API key saved.' : 'nootropic: API key removed.');
    }),
    vscode.commands.registerCommand('nootropic.clearApiKey', async () => {
      await context.secrets.delete(KEY);
      await onChange();
      void vscode.window.showInformationMessage('nootropic: API key removed.');
    }),
  ];
}
