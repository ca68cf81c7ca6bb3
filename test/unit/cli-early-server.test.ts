// Which command lines start the server before the CLI loads (cli/early-server.ts): only those that certainly
// run a server command, in the folder they name.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverCommandRoot } from '../../cli/early-server';

const CWD = '/home/me/project';
const argv = (...args: string[]) => ['node', '/usr/bin/nootropic', ...args];

describe('serverCommandRoot', () => {
  it.each([
    [['search', 'parse options'], CWD],
    [['index', '--json'], CWD],
    [['--root', '/srv/ws', 'ask', 'why?'], '/srv/ws'],
    [['--root=../other', 'doctor'], path.resolve(CWD, '../other')],
    [['--verbose', '--provider', 'openai', '--base-url', 'http://127.0.0.1:1234/v1', '--model', 'm', 'chat', '/explain'], CWD],
    [['--restricted', '--allow-cloud', '--log-level', 'debug', 'run', 'fix it'], CWD],
    [['plugins', 'list'], CWD],
  ])('%j starts the server in %s', (args, root) => {
    expect(serverCommandRoot(argv(...args), CWD)).toBe(root);
  });

  it.each([
    [[]],
    [['--help']],
    [['-V']],
    [['edit', 'apply', 'answer.md']], // offline
    [['search', '--help']],
    [['ask', '-h']],
    [['--root']], // missing value
    [['--unknown-flag', 'search', 'x']],
    [['no-such-command']],
  ])('%j starts nothing', (args) => {
    expect(serverCommandRoot(argv(...args), CWD)).toBeUndefined();
  });
});
