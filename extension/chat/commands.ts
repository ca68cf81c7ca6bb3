/**
 * The slash commands in the command palette: each opens the chat view and runs the command there, so the
 * answer, its context and any proposed change are in one place. "Edit Selection with Instruction" (Ctrl+K N)
 * asks for the instruction in an input box and goes through the same review as /edit.
 */
import * as vscode from 'vscode';
import type { ChatViewProvider } from './chat-view';
import { slashCommands } from './engine';
import type { ServerApi } from '../server-api';

async function focusChat(): Promise<void> {
  await vscode.commands.executeCommand('nootropic.chat.focus');
}

export function registerChatCommands(chat: ChatViewProvider, api: () => ServerApi | undefined): vscode.Disposable[] {
  const run = async (text: string) => {
    await focusChat();
    return chat.ask(text);
  };
  const ask = (command: string, prompt: string, placeHolder: string, required: boolean) => async (arg?: unknown) => {
    const given = typeof arg === 'string' ? arg : undefined;
    const text = given ?? (await vscode.window.showInputBox({ title: `nootropic: /${command}`, prompt, placeHolder, ignoreFocusOut: true }));
    if (text === undefined || (required && !text.trim())) return undefined;
    return run(`/${command} ${text}`.trim());
  };
  return [
    vscode.commands.registerCommand('nootropic.chat.ask', async (text?: unknown) => {
      if (typeof text === 'string' && text.trim()) return run(text);
      await focusChat();
      return undefined;
    }),
    vscode.commands.registerCommand('nootropic.search', ask('search', 'Search the codebase', 'e.g. where is the config loaded', true)),
    vscode.commands.registerCommand('nootropic.editSelection', ask('edit', 'How should the selection (or the file) change?', 'e.g. add input validation', true)),
    vscode.commands.registerCommand('nootropic.explain', (arg?: unknown) => run(`/explain ${typeof arg === 'string' ? arg : ''}`.trim())),
    vscode.commands.registerCommand('nootropic.fix', (arg?: unknown) => run(`/fix ${typeof arg === 'string' ? arg : ''}`.trim())),
    vscode.commands.registerCommand('nootropic.writeTests', (arg?: unknown) => run(`/test ${typeof arg === 'string' ? arg : ''}`.trim())),
    vscode.commands.registerCommand('nootropic.review', (arg?: unknown) => run(`/review ${typeof arg === 'string' ? arg : ''}`.trim())),
    vscode.commands.registerCommand('nootropic.plan', ask('plan', 'What should be built? (or a spec file, e.g. project-spec.yaml)', 'project-spec.yaml', false)),
    vscode.commands.registerCommand('nootropic.runSlashCommand', async () => {
      // The server's list: the same commands the CLI, Neovim and Helix see.
      const all = await slashCommands(api());
      if (!all.length) {
        void vscode.window.showErrorMessage('nootropic: the server is not running, so no slash commands are available. Run "nootropic: Restart Server".');
        return undefined;
      }
      const builtin = all.filter((c) => c.source === 'nootropic').length;
      const pick = await vscode.window.showQuickPick(
        all.map((c) => ({ label: `/${c.name}`, description: c.source === 'nootropic' ? '' : c.source, detail: c.description, name: c.name })),
        { title: 'nootropic: slash command', placeHolder: `${builtin} built in${all.length > builtin ? `, ${all.length - builtin} from plugins` : ''}` },
      );
      if (!pick) return undefined;
      const rest = await vscode.window.showInputBox({ title: `nootropic: ${pick.label}`, prompt: pick.detail, ignoreFocusOut: true });
      if (rest === undefined) return undefined;
      return run(`${pick.label} ${rest}`.trim());
    }),
  ];
}
