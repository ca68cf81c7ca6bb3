import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-run';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

/**
 * Every command with bad arguments: exit 2, nothing on stdout, and exactly one line on stderr that says what was
 * wrong and the valid form (`(usage: nootropic <command> …)`). None of these starts the server.
 */
interface Case {
  /** the command as listed by `--help` ('' for the program itself) */
  command: string;
  args: string[];
  /** what the one line must say */
  says: RegExp;
}

const CASES: Case[] = [
  { command: '', args: ['no-such-command'], says: /unknown command 'no-such-command'/ },
  { command: '', args: ['--provider', 'carrier-pigeon', 'doctor'], says: /'--provider <name>' argument 'carrier-pigeon' is invalid\. Allowed choices are ollama, openai/ },
  { command: 'ask', args: ['ask'], says: /missing required argument 'question'/ },
  { command: 'ask', args: ['ask', '--role', 'poet', 'why'], says: /'--role <role>' argument 'poet' is invalid\. Allowed choices are chat, edit, plan/ },
  { command: 'ask', args: ['ask', '--file', 'nope.ts', 'why'], says: /--file nope\.ts: no such file/ },
  { command: 'models', args: ['models', '--timeout', 'soon'], says: /'--timeout <ms>' argument 'soon' is invalid\. Expected milliseconds/ },
  { command: 'doctor', args: ['doctor', '--timeout', 'x'], says: /'--timeout <ms>' argument 'x' is invalid\. Expected milliseconds/ },
  { command: 'doctor', args: ['doctor', '--timeout', '0'], says: /argument '0' is invalid/ },
  { command: 'doctor', args: ['doctor', '--jsno'], says: /unknown option '--jsno'/ },
  { command: 'check', args: ['check'], says: /missing required argument 'files'/ },
  { command: 'check', args: ['check', 'missing.py'], says: /input file missing\.py: no such file/ },
  { command: 'check', args: ['check', 'src'], says: /input file src is a directory, not a file/ },
  { command: 'index', args: ['index', 'extra'], says: /too many arguments for 'index'/ },
  { command: 'search', args: ['search', '--limit', 'abc', 'q'], says: /'--limit <n>' argument 'abc' is invalid\. Expected a positive integer/ },
  { command: 'search', args: ['search'], says: /give a QUERY or --queries FILE\.jsonl/ },
  { command: 'search', args: ['search', '--queries', 'nope.jsonl'], says: /--queries nope\.jsonl: no such file/ },
  { command: 'traces', args: ['traces', '--limit', 'x'], says: /'--limit <n>' argument 'x' is invalid\. Expected a positive integer/ },
  { command: 'plugins', args: ['plugins', 'nope'], says: /unknown command 'nope'/ },
  { command: 'plugins list', args: ['plugins', 'list', '--bogus'], says: /unknown option '--bogus'/ },
  { command: 'plugins approve', args: ['plugins', 'approve'], says: /missing required argument 'names'/ },
  { command: 'plugins run', args: ['plugins', 'run'], says: /missing required argument 'command'/ },
  { command: 'plan', args: ['plan', 'nospec.yaml'], says: /spec file \S*nospec\.yaml: no such file/ },
  { command: 'run', args: ['run', '--bogus'], says: /unknown option '--bogus'/ },
  { command: 'runs', args: ['runs', 'a', 'b'], says: /too many arguments for 'runs'/ },
  { command: 'feedback', args: ['feedback', 'nope'], says: /unknown command 'nope'/ },
  { command: 'feedback export', args: ['feedback', 'export', '--out'], says: /option '--out <file>' argument missing/ },
  { command: 'edit', args: ['edit', 'nope'], says: /unknown command 'nope'/ },
  { command: 'edit apply', args: ['edit', 'apply'], says: /missing required argument 'file-or-editfile'/ },
  { command: 'edit apply', args: ['edit', 'apply', 'src/a.ts', 'missing.txt'], says: /EDITFILE missing\.txt: no such file/ },
  { command: 'edit list', args: ['edit', 'list', 'x'], says: /too many arguments for 'list'/ },
  { command: 'undo', args: ['undo', 'a', 'b'], says: /too many arguments for 'undo'/ },
  { command: 'chat', args: ['chat', '--bogus', '/explain'], says: /unknown option '--bogus'/ },
  { command: 'trust', args: ['trust', 'extra'], says: /too many arguments for 'trust'/ },
];

let ws: TempWorkspace;
beforeAll(() => {
  ws = tempWorkspace();
  ws.write('src/a.ts', 'export const a = 1;\n');
});
afterAll(() => ws.dispose());

/** The subcommand names `--help` lists (commander's "Commands:" section). */
function listed(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
}

describe('CLI usage errors (table-driven)', () => {
  it.concurrent.each(CASES.map((c) => [`nootropic ${c.args.join(' ')}`, c] as const))('%s', async (_name, c) => {
    const r = await runCli(c.args, { cwd: ws.root });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    const name = ['nootropic', c.command].filter(Boolean).join(' ');
    expect(lines[0]).toMatch(new RegExp(`^${name}: `));
    expect(lines[0]).toMatch(c.says);
    expect(lines[0]).toMatch(new RegExp(`\\(usage: ${name} \\S.*\\)$`));
    // A usage error touches nothing: no cache folder appears.
    expect(existsSync(path.join(ws.root, '.nootropic-cache'))).toBe(false);
  });

  it('the table covers every command --help lists', async () => {
    // In the fresh workspace: no capability registry there, so only built-in commands (plugin commands become
    // subcommands only where a registry lists them).
    const top = await runCli(['--help'], { cwd: ws.root });
    const commands = listed(top.stdout);
    expect(commands.length).toBeGreaterThan(10);
    const all: string[] = [];
    for (const c of commands) {
      all.push(c);
      const sub = listed((await runCli([c, '--help'], { cwd: ws.root })).stdout);
      for (const s of sub) all.push(`${c} ${s}`);
    }
    const covered = new Set(CASES.map((c) => c.command));
    expect(all.filter((c) => !covered.has(c))).toEqual([]);
  });
});
