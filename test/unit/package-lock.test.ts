import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The committed lock is what `npm ci` installs. It must hold one ML stack (LanceDB's optional
 * @huggingface/transformers and openai are overridden onto ours: package.json `overrides`), and an entry, with its
 * integrity, for the LanceDB platform package of every .vsix scripts/package.mjs builds, or `npm ci` fails on the
 * machines that need it.
 */
const root = path.resolve(__dirname, '..', '..');

interface LockEntry {
  version?: string;
  integrity?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optional?: boolean;
}
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };
const paths = Object.keys(lock.packages);

/** The packages a second copy of which costs hundreds of MB (native ONNX runtimes, libvips). */
const ML_STACK = /^(@huggingface\/transformers|onnxruntime-[^/]+|sharp|@img\/sharp-[^/]+|openai)$/;

/** The package name a lock path installs (`node_modules/a/node_modules/@s/b` → `@s/b`). */
const nameOf = (p: string) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length);

let targets: Record<string, string>;
beforeAll(async () => {
  targets = ((await import(path.join(root, 'scripts', 'package.mjs'))) as { TARGETS: Record<string, string> }).TARGETS;
});

describe('package-lock.json: one ML stack, every shipped platform', () => {
  it('is a v3 lock (npm ci reads `packages`)', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(lock.packages['']).toBeDefined();
  });

  it('has nothing of the ML stack nested under @lancedb/lancedb', () => {
    const nested = paths.filter((p) => p.startsWith('node_modules/@lancedb/lancedb/node_modules/'));
    expect(nested.filter((p) => ML_STACK.test(nameOf(p)))).toEqual([]);
  });

  it('installs transformers, onnxruntime-node, sharp and openai once each', () => {
    for (const name of ['@huggingface/transformers', 'onnxruntime-node', 'sharp', 'openai']) {
      expect(paths.filter((p) => nameOf(p) === name), name).toHaveLength(1);
    }
  });

  it("has an entry with integrity for each target's LanceDB platform package, at LanceDB's version", () => {
    const version = lock.packages['node_modules/@lancedb/lancedb']?.version;
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(targets).length).toBeGreaterThanOrEqual(4);
    for (const [target, pkg] of Object.entries(targets)) {
      const entry = lock.packages[`node_modules/@lancedb/${pkg}`];
      expect(entry, `${target}: node_modules/@lancedb/${pkg}`).toBeDefined();
      expect(entry!.version, target).toBe(version);
      expect(entry!.integrity, target).toMatch(/^sha512-/);
      // The package npm installs on that platform: VS Code's `alpine-*` is Linux with musl libc.
      const [platform, arch] = target.split('-') as [string, string];
      expect(entry!.os, target).toEqual([platform === 'alpine' ? 'linux' : platform]);
      expect(entry!.cpu, target).toEqual([arch]);
      if (platform !== 'darwin' && platform !== 'win32') expect(entry!.libc, target).toEqual([platform === 'alpine' ? 'musl' : 'glibc']);
    }
  });
});
