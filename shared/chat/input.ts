/**
 * What the user typed in a chat box, read the same way by the chat view, the native `@nootropic` participant
 * and the command palette: an optional leading slash command, @-mentions anywhere, and the rest as the prompt.
 * Pure (no editor APIs) so it is unit-tested and shared.
 */

export const BUILTIN_COMMANDS = ['plan', 'edit', 'fix', 'test', 'search', 'explain', 'review'] as const;
export type BuiltinCommand = (typeof BUILTIN_COMMANDS)[number];

export const COMMAND_HELP: Record<BuiltinCommand, string> = {
  plan: 'spec or instruction → task graph (opens the task board)',
  edit: 'change code in the active file or selection; the change opens for review',
  fix: 'fix the problems in the active file or selection; the change opens for review',
  test: 'write tests for the selection or file; the change opens for review',
  search: 'search the codebase; results open the file at the line',
  explain: 'explain the selection or the active file',
  review: 'review the current git diff',
};

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

export function parseChatInput(raw: string): ParsedInput {
  let text = raw.trim();
  let command: string | undefined;
  const cmd = /^\/([A-Za-z][\w.-]*(?:\/[\w.-]+)?)(?:\s+|$)/.exec(text);
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

export function isBuiltin(command: string | undefined): command is BuiltinCommand {
  return !!command && (BUILTIN_COMMANDS as readonly string[]).includes(command);
}

/** The instruction sent with /edit, /fix and /test: the edit engine reads SEARCH/REPLACE blocks after a path line. */
export function editInstructions(path: string): string {
  return [
    'Reply with the change as one or more SEARCH/REPLACE blocks, each preceded by the file path on its own line:',
    '',
    path,
    '<<<<<<< SEARCH',
    '(exact lines from the file)',
    '=======',
    '(the new lines)',
    '>>>>>>> REPLACE',
    '',
    'The SEARCH text must match the file exactly. To create a file, use an empty SEARCH section. Keep explanations short.',
  ].join('\n');
}

/** Does the answer contain something the edit engine can read? (SEARCH/REPLACE blocks or a unified diff.) */
export function looksLikeEdit(answer: string): boolean {
  return /^<{5,9} SEARCH\s*$/m.test(answer) || /^--- (a\/|\/dev\/null)/m.test(answer) || /^```diff\s*$/m.test(answer);
}

/** The file paths an edit answer names (the line before each SEARCH block, or `+++ b/` headers). */
export function editPaths(answer: string): string[] {
  const lines = answer.split('\n');
  const out = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    if (/^<{5,9} SEARCH\s*$/.test(lines[i]!)) {
      let j = i - 1;
      while (j >= 0 && /^\s*(```[\w-]*)?\s*$/.test(lines[j]!)) j--;
      const p = j >= 0 ? lines[j]!.trim().replace(/^`+|`+$/g, '') : '';
      if (p && !/\s/.test(p)) out.add(p);
    }
    const h = /^\+\+\+ b\/(\S+)/.exec(lines[i]!);
    if (h) out.add(h[1]!);
  }
  return [...out];
}

/**
 * Markdown for an answer that contains bare SEARCH/REPLACE blocks: each block (with its path line) goes in a
 * code fence, so `=======` is not read as a heading nor `>>>>>>>` as quotes, and the block gets the code
 * toolbar (Apply sends it through the review).
 */
export function fenceEditBlocks(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (!fenced && /^<{5,9} SEARCH\s*$/.test(line)) {
      let end = i + 1;
      while (end < lines.length && !/^>{5,9} REPLACE\s*$/.test(lines[end]!)) end++;
      if (end < lines.length) {
        const prev = out[out.length - 1];
        const pathLine = prev !== undefined && /^`?[\w./\\-]+`?$/.test(prev.trim()) ? out.pop()!.trim().replace(/`/g, '') : undefined;
        out.push('```diff', ...(pathLine ? [pathLine] : []), ...lines.slice(i, end + 1), '```');
        i = end;
        continue;
      }
    }
    out.push(line);
  }
  return out.join('\n');
}
