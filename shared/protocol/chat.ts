/**
 * Chat's slash commands, owned by the server so every front door (the VS Code chat view and `@nootropic`
 * participant, the CLI's `nootropic chat`, Neovim and Helix) lists and runs the same ones: `nootropic/chat/commands`
 * lists them (builtins and active plugins' commands), `nootropic/chat/send` (models.ts) runs one.
 */
import { z } from 'zod';
import { TaskGraph } from './tasks';
import { EditFile, EditOutcome } from './edits';
import { SearchHit } from './search';
import { request } from './method';

/** What running a command produces: a streamed model answer, search hits, a task graph, an edit proposal, a plugin's result. */
export const CHAT_COMMAND_KINDS = ['answer', 'search', 'plan', 'edit', 'plugin'] as const;
export const ChatCommandKind = z.enum(CHAT_COMMAND_KINDS);

export const ChatCommandInfo = z.object({
  /** Without the slash; plugin commands may be `plugin/command`. */
  name: z.string(),
  description: z.string(),
  /** How the text after the command is read, e.g. `<what to change>`; empty when it takes none. */
  args: z.string(),
  /** Whether the text after the command is required. */
  argsRequired: z.boolean(),
  /** What the command works on from the editor state: the selection or open file, the workspace's problems, git. */
  uses: z.array(z.enum(['selection', 'file', 'diagnostics', 'git-diff', 'index'])),
  kind: ChatCommandKind,
  /** `nootropic` for builtins, else `plugin:<name>`. */
  source: z.string(),
});
export type ChatCommandInfo = z.infer<typeof ChatCommandInfo>;

/** client→server: every slash command a chat can run (builtins first, then active plugins' commands). */
export const ChatCommands = request(
  'nootropic/chat/commands',
  'client→server',
  z.object({}).strict(),
  z.object({ commands: z.array(ChatCommandInfo) }),
);

/**
 * An edit command's proposal: what the model wrote, read by the edit engine's own parser and previewed against
 * open documents (nothing written). Clients show `diff`/`files` for review and apply `text` through
 * `nootropic/edit/apply` (editors) or the engine with its journal (CLI `--apply`).
 */
export const ChatEditProposal = z.object({
  /** The model's edit text (SEARCH/REPLACE, SYMBOL blocks, a unified diff or whole files). */
  text: z.string(),
  /** Single-file form: the document the command worked on, when every block names it. */
  targetUri: z.string().optional(),
  /** Workspace-relative paths the blocks name. */
  paths: z.array(z.string()),
  /** Whether the preview would apply cleanly. */
  applies: z.boolean(),
  reason: z.string().optional(),
  files: z.array(EditFile),
  diff: z.string(),
  warnings: z.array(z.string()).optional(),
  /** Control files among the changes: the client confirms these explicitly (docs/security.md). */
  controlFiles: EditOutcome.shape.controlFiles,
});
export type ChatEditProposal = z.infer<typeof ChatEditProposal>;

export const ChatPlanResult = z.object({ graph: TaskGraph, notes: z.array(z.string()) });
export const ChatSearchResult = z.object({ query: z.string(), hits: z.array(SearchHit), mode: z.enum(['lexical', 'hybrid']) });
