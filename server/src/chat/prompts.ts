/**
 * What each chat command asks the model. The workspace text a command works on (selection, file, problems, git
 * diff, mentions) is never written into these instructions: it travels as fenced context pieces (see answer.ts),
 * so only the user's own words and ours are outside the fence.
 */
import type { BuiltinCommand } from './commands';

export const SYSTEM_PROMPT = [
  'You are nootropic, a coding assistant working in the user\'s workspace.',
  'Answer from the context given with the question when it is relevant; say so when it is not enough.',
  'Refer to code as path:startLine-endLine. Be concise.',
].join(' ');

/** The instruction sent with /edit, /fix and /test: the edit engine reads SEARCH/REPLACE (or SYMBOL) blocks after a path line. */
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

export interface CommandTarget {
  /** Workspace-relative path of the document the command works on. */
  path?: string;
  /** 1-based inclusive lines of the selection. */
  selection?: { startLine: number; endLine: number };
}

/** The question for a builtin command that asks a model (/edit, /fix, /test, /explain, /review). */
export function commandQuestion(command: Exclude<BuiltinCommand, 'search' | 'plan'>, prompt: string, target: CommandTarget): string {
  const what = target.selection && target.path ? `the selected lines ${target.selection.startLine}-${target.selection.endLine} of ${target.path}` : target.path ?? 'the code';
  switch (command) {
    case 'edit':
      return `Change ${what}: ${prompt}\n\n${editInstructions(target.path ?? 'path/to/file')}`;
    case 'fix':
      return `Fix the problems listed in the context in ${what}.${prompt ? ` ${prompt}` : ''}\n\n${editInstructions(target.path ?? 'path/to/file')}`;
    case 'test':
      return `Write unit tests for ${what}${prompt ? `: ${prompt}` : ''}. Put them in a new test file next to it unless one exists.\n\n${editInstructions(target.path ?? 'path/to/file')}`;
    case 'explain':
      return `Explain ${target.selection ? 'the selected code' : target.path ? `the file ${target.path}` : 'this'}${prompt ? `: ${prompt}` : ''}. Say what it does, how, and anything surprising.`;
    case 'review':
      return `Review the change in the git diff given as context as a careful senior engineer: bugs, risks, missing tests, style. Cite file:line.${prompt ? ` Focus: ${prompt}` : ''}`;
  }
}
