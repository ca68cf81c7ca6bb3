/**
 * The slash commands every front door lists: the builtins below and each active plugin's commands, from the same
 * registry that runs them (`PluginCommands`). One table, so the VS Code chat, `nootropic chat`, Neovim and Helix
 * show the same names, descriptions and arguments.
 */
import type { ChatCommandInfo } from '../../../shared/protocol';
import type { PluginCommands } from '../plugins/command-port';

export const BUILTIN_COMMANDS = ['plan', 'edit', 'fix', 'test', 'search', 'explain', 'review'] as const;
export type BuiltinCommand = (typeof BUILTIN_COMMANDS)[number];

type Builtin = Omit<ChatCommandInfo, 'name' | 'source'>;

export const BUILTINS: Record<BuiltinCommand, Builtin> = {
  plan: { description: 'spec or instruction → task graph (opens the task board)', args: '[instruction | spec.yaml]', argsRequired: false, uses: [], kind: 'plan' },
  edit: { description: 'change code in the active file or selection; the change opens for review', args: '<what to change>', argsRequired: true, uses: ['selection', 'file'], kind: 'edit' },
  fix: { description: 'fix the problems in the active file or selection; the change opens for review', args: '[what to fix]', argsRequired: false, uses: ['selection', 'file', 'diagnostics'], kind: 'edit' },
  test: { description: 'write tests for the selection or file; the change opens for review', args: '[what to test]', argsRequired: false, uses: ['selection', 'file'], kind: 'edit' },
  search: { description: 'search the codebase; results open the file at the line', args: '<what to look for>', argsRequired: true, uses: ['index'], kind: 'search' },
  explain: { description: 'explain the selection or the active file', args: '[question]', argsRequired: false, uses: ['selection', 'file'], kind: 'answer' },
  review: { description: 'review the current git diff', args: '[focus]', argsRequired: false, uses: ['git-diff'], kind: 'answer' },
};

export function isBuiltin(command: string | undefined): command is BuiltinCommand {
  return !!command && (BUILTIN_COMMANDS as readonly string[]).includes(command);
}

export function builtinCommands(): ChatCommandInfo[] {
  return BUILTIN_COMMANDS.map((name) => ({ name, source: 'nootropic', ...BUILTINS[name] }));
}

/** Builtins first, then active plugins' commands (a plugin command named like a builtin is listed as `plugin/command`). */
export async function listCommands(plugins: PluginCommands): Promise<ChatCommandInfo[]> {
  const out = builtinCommands();
  for (const c of await plugins.list()) {
    const name = isBuiltin(c.name) ? `${c.plugin}/${c.name}` : c.name;
    if (out.some((o) => o.name === name)) continue;
    out.push({ name, description: c.description ?? `from plugin ${c.plugin}`, args: c.usage ?? '[args]', argsRequired: false, uses: [], kind: 'plugin', source: `plugin:${c.plugin}` });
  }
  return out;
}
