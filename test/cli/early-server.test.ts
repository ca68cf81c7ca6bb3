// bin/nootropic.js starts the server before the CLI's modules load (cli/early-server.ts). Through the launcher a
// person runs: the CLI adopts that process (one server per call, not two), and a call that ends before talking
// to it (a usage error) leaves no server behind.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverCommandRoot } from '../../cli/early-server';
import { runCli } from '../support/cli-run';
import { REPO_ROOT, cleanEnv, tempWorkspace } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'nootropic.js');

/** Pids of live processes running the bundled server whose working folder is `root`. */
function serversIn(root: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== root) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith(path.join('dist', 'server.js')))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Runs the launcher, noting every server process seen in `root` while it runs. */
async function runBin(args: string[], root: string): Promise<{ code: number | null; stdout: string; stderr: string; servers: Set<number> }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const servers = new Set<number>();
  const poll = setInterval(() => serversIn(root).forEach((p) => servers.add(p)), 5);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  return { code, stdout, stderr, servers };
}

describe.skipIf(process.platform !== 'linux')('the server started before the CLI loads (bin/nootropic.js)', () => {
  it('is the one server a search talks to', async () => {
    const ws = tempWorkspace('nootropic-early-');
    try {
      ws.write('src/cart.ts', 'export function applyDiscount(total: number, percent: number) {\n  return total - (total * percent) / 100;\n}\n');
      const r = await runBin(['--root', ws.root, 'search', 'apply a discount', '--json'], ws.root);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).hits[0]).toMatchObject({ path: 'src/cart.ts', symbol: 'applyDiscount' });
      expect(r.servers.size).toBe(1);
      await expect.poll(() => serversIn(ws.root), { timeout: 5_000 }).toEqual([]);
    } finally {
      ws.dispose();
    }
  }, 60_000);

  it('is stopped when the command fails before using it', async () => {
    const ws = tempWorkspace('nootropic-early-');
    try {
      const r = await runBin(['--root', ws.root, 'search', 'x', '--limit', 'many'], ws.root);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/nootropic search: .*--limit/);
      await expect.poll(() => serversIn(ws.root), { timeout: 5_000 }).toEqual([]);
    } finally {
      ws.dispose();
    }
  }, 60_000);
});

describe('the early server\'s command list', () => {
  it('names every built-in command of `nootropic --help` that starts a server, and none that runs offline', async () => {
    const help = await runCli(['--help']);
    expect(help.code, help.stderr).toBe(0);
    // One block per command: its line and the description lines under it.
    const blocks = help.stdout.slice(help.stdout.indexOf('Commands:')).split(/\n(?=  [a-z])/).slice(1);
    const builtIn = blocks
      .filter((b) => !b.includes('(plugin:')) // a plugin's command: the server is started when it runs, not early
      .map((b) => /^  ([a-z][\w-]*)/.exec(b)?.[1])
      .filter((c): c is string => Boolean(c) && c !== 'help');
    expect(builtIn.length).toBeGreaterThan(10);
    // `edit` and `undo` run the edit engine in the CLI's own process; every other command talks to the server.
    const offline = new Set(['edit', 'undo']);
    for (const c of builtIn) expect(serverCommandRoot(['node', 'nootropic', c], '/w'), c).toBe(offline.has(c) ? undefined : '/w');
    expect(builtIn).toEqual(expect.arrayContaining([...offline]));
  });
});
