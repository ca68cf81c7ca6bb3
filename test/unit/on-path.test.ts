// Start-up probes look a program up on PATH before spawning it (doctor/on-path.ts): a spawn blocks the event loop
// even when it fails, and most machines lack semgrep, ollama or nvidia-smi. The lookup must find what a spawn
// would find, and miss what a spawn would miss.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../server/src/doctor/on-path';
import { probeSemgrep } from '../../server/src/doctor/probes';
import { probeNvidia } from '../../server/src/models/hardware';

const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-on-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tool(sub: string, name: string, mode: number): string {
  mkdirSync(path.join(dir, sub), { recursive: true });
  const file = path.join(dir, sub, name);
  writeFileSync(file, '#!/bin/sh\necho 1.2.3\n');
  chmodSync(file, mode);
  return file;
}

describe('findOnPath', () => {
  it('finds an executable in the first PATH folder that has one, and skips files that cannot run', () => {
    const plain = tool('a', 'mytool', 0o644);
    const runnable = tool('b', 'mytool', 0o755);
    const env = { PATH: [path.join(dir, 'missing'), path.dirname(plain), path.dirname(runnable)].join(path.delimiter) };
    return expect(findOnPath('mytool', env, 'linux')).resolves.toBe(runnable);
  });

  it('returns null when no folder has it, and for an empty PATH', async () => {
    expect(await findOnPath('no-such-tool-nootropic', { PATH: path.join(dir, 'b') }, 'linux')).toBeNull();
    expect(await findOnPath('mytool', {}, 'linux')).toBeNull();
  });

  it('tries PATHEXT on Windows', async () => {
    const exe = tool('w', 'wintool.EXE', 0o644);
    expect(await findOnPath('wintool', { Path: path.dirname(exe), PATHEXT: '.COM;.EXE' }, 'win32')).toBe(exe);
  });
});

describe('probes of programs that are not installed', () => {
  const saved = process.env.PATH;
  afterAll(() => {
    process.env.PATH = saved;
  });

  it('report them missing with the install hint, without spawning', async () => {
    process.env.PATH = path.join(dir, 'empty-bin');
    const semgrep = await probeSemgrep(new AbortController().signal);
    expect(semgrep).toEqual({ available: false, error: expect.stringMatching(/semgrep not found on PATH.*pipx install semgrep/) });
    expect(await probeNvidia(new AbortController().signal)).toEqual({ gpus: [], probe: 'nvidia-smi not on PATH: no NVIDIA GPU detected' });
  });

  it('run a program that is on PATH for its version', async () => {
    tool('bin', 'semgrep', 0o755);
    process.env.PATH = [path.join(dir, 'bin'), '/bin', '/usr/bin'].join(path.delimiter);
    expect(await probeSemgrep(new AbortController().signal)).toEqual({ available: true, detail: 'semgrep 1.2.3' });
  });
});
