/**
 * What the user typed in a chat box, read the same way for every front door (the VS Code chat view and
 * `@nootropic` participant, `nootropic chat`, Neovim/Helix calling `nootropic/chat/send`): an optional leading
 * slash command, @-mentions anywhere, and the rest as the prompt. Pure, so it is unit-tested.
 */

export const MENTION_KINDS = ['file', 'symbol', 'codebase', 'problems', 'selection'] as const;
export type MentionKind = (typeof MENTION_KINDS)[number];

export interface Mention {
  kind: MentionKind;
  /** `@file:src/a.ts`, `@symbol:parseConfig`; absent for the bare forms. */
  arg?: string;
}

export interface ParsedInput {
  /** Without the slash; a builtin or a plugin command name (`plugin/command` allowed). */
  command?: string;
  mentions: Mention[];
  /** The text with the command and mentions taken out, trimmed. */
  prompt: string;
}

const MENTION = /(^|\s)@(file|symbol|codebase|problems|selection)(?::("[^"]+"|[^\s]+))?(?=\s|$)/g;
const COMMAND = /^\/([A-Za-z][\w.:@-]*(?:\/[\w.:-]+)?)(?:\s+|$)/;

export function parseChatInput(raw: string): ParsedInput {
  let text = raw.trim();
  let command: string | undefined;
  const cmd = COMMAND.exec(text);
  if (cmd) {
    command = cmd[1]!;
    text = text.slice(cmd[0].length);
  }
  const mentions: Mention[] = [];
  const prompt = text
    .replace(MENTION, (_m, lead: string, kind: MentionKind, arg?: string) => {
      const a = arg?.replace(/^"|"$/g, '');
      if (!mentions.some((m) => m.kind === kind && m.arg === a)) mentions.push(a ? { kind, arg: a } : { kind });
      return lead;
    })
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  return { ...(command ? { command } : {}), mentions, prompt };
}
