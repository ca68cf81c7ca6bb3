// `nootropic chat` as users run it: slash commands headless against the bundled server and the stand-in model.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSendResult } from '../../shared/protocol';
import { runCli } from '../support/cli-run';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  await standin?.close();
  ws?.dispose();
  standin = ws = undefined;
});

const MATH = '// math helpers\nexport function add(a: number, b: number): number {\n  return a - b;\n}\n';
const EDIT = 'src/math.ts\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n';

async function setup(replies: { text: string }[]) {
  standin = await startModelStandin({ replies });
  ws = tempWorkspace();
  ws.write('src/math.ts', MATH);
  const w = ws;
  const s = standin;
  const cli = (...args: string[]) => runCli(['--root', w.root, '--provider', 'openai', '--base-url', `${s.url}/v1`, '--model', 'qwen2.5-coder:7b', ...args], { cwd: w.root, timeoutMs: 90_000 });
  return { w, cli, file: path.join(w.root, 'src/math.ts') };
}

describe('nootropic chat', () => {
  it('/explain --file F --json answers with the file as context', async () => {
    const { cli, file } = await setup([{ text: 'add subtracts (src/math.ts:2-4).' }]);
    const r = await cli('chat', '/explain', '--file', file, '--selection', '2-4', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = ChatSendResult.parse(JSON.parse(r.stdout));
    expect(out).toMatchObject({ kind: 'answer', slash: 'explain', answer: 'add subtracts (src/math.ts:2-4).' });
    expect(out.context.used.map((u) => u.kind)).toEqual(['selection', 'open-file']);
    const sent = standin!.calls('/v1/chat/completions')[0]!.body as { messages: { content: string }[] };
    expect(sent.messages.at(-1)!.content).toContain('Explain the selected code');
  });

  it('/edit prints the proposal as a diff and leaves F untouched; --apply writes it and `nootropic undo` reverts it', async () => {
    const { cli, file } = await setup([{ text: EDIT }, { text: EDIT }]);
    const proposed = await cli('chat', '/edit make add return the sum', '--file', file);
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toContain('-  return a - b;');
    expect(proposed.stdout).toContain('+  return a + b;');
    expect(proposed.stderr).toMatch(/nothing written \(rerun with --apply/);
    expect(readFileSync(file, 'utf8')).toBe(MATH);

    const applied = await cli('chat', '/edit make add return the sum', '--file', file, '--apply');
    expect(applied.code).toBe(0);
    expect(applied.stderr).toMatch(/applied \(change set \S+; `nootropic undo` reverts it\)/);
    expect(readFileSync(file, 'utf8')).toBe(MATH.replace('a - b', 'a + b'));

    const undone = await cli('undo');
    expect(undone.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(MATH);
  });

  it('/edit whose answer holds no edit exits 1 and writes nothing; bad flags are usage errors', async () => {
    const { cli, file } = await setup([{ text: 'I cannot.' }]);
    const r = await cli('chat', '/edit make it faster', '--file', file, '--apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/without a change the edit engine can read/);
    expect(readFileSync(file, 'utf8')).toBe(MATH);
    expect((await cli('chat', '/explain', '--file', file, '--selection', '9-12')).code).toBe(2);
    expect((await cli('chat', '/search add', '--apply')).code).toBe(2);
  });

  it('/search add --json lists index hits; unknown commands and out-of-workspace files are refused', async () => {
    const { cli } = await setup([]);
    const r = await cli('chat', '/search add', '--json');
    expect(r.code).toBe(0);
    const out = ChatSendResult.parse(JSON.parse(r.stdout));
    expect(out.kind).toBe('search');
    expect(out.hits!.hits[0]).toMatchObject({ path: 'src/math.ts' });
    const unknown = await cli('chat', '/nosuch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command \/nosuch\. Available: \/plan, \/edit/);
    const outside = await cli('chat', 'what is this?', '--file', '/etc/hostname');
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/outside the workspace/);
    expect(standin!.calls('/v1/chat/completions')).toHaveLength(0);
  });

  it('lists the commands (--list), and plugin commands from the registry are CLI subcommands in --help', async () => {
    const { cli } = await setup([]);
    const list = await cli('chat', '--list', '--json');
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.stdout) as { commands: { name: string }[] }).commands.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['explain', 'edit', 'search', 'todo']));
    // The server wrote the workspace's registry on that run: --help now lists the bundled todo plugin's command.
    const help = await cli('--help');
    expect(help.stdout).toMatch(/\n\s+chat \[options\] \[message\.\.\.\]/);
    expect(help.stdout).toMatch(/\n\s+todo \[options\] \[args\.\.\.\]\s+List TODO/);
    expect(help.stdout).toContain('(plugin:todo; same as nootropic chat');
    const todo = await cli('todo', '--json');
    expect(todo.code).toBe(0);
    expect(ChatSendResult.parse(JSON.parse(todo.stdout))).toMatchObject({ kind: 'plugin', slash: 'todo' });
  });
});
