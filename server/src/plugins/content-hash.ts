/**
 * The hash a workspace plugin's approval is bound to: every file below its folder (relative path and bytes,
 * sorted by path; a symbolic link counts as its target text), so any added, removed or edited file — code,
 * manifest or a bundled dependency — makes it a different plugin that needs a new approval.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Hash of a plugin's files given as (path relative to its folder, with `/`, → content). */
export function hashPluginFiles(files: ReadonlyArray<readonly [string, Buffer | string]>): string {
  const h = createHash('sha256');
  for (const [rel, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    h.update(`${rel}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest('hex');
}

async function collect(dir: string, rel: string, out: Array<[string, Buffer]>): Promise<void> {
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const abs = path.join(dir, r);
    if (e.isSymbolicLink()) out.push([r, Buffer.from(`symlink:${await fs.readlink(abs)}`)]);
    else if (e.isDirectory()) await collect(dir, r, out);
    else if (e.isFile()) out.push([r, await fs.readFile(abs)]);
  }
}

export async function pluginContentHash(dir: string): Promise<string> {
  const files: Array<[string, Buffer]> = [];
  await collect(dir, '', files);
  return hashPluginFiles(files);
}
