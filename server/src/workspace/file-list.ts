/**
 * Lists workspace files the way a person thinks of "my project": .gitignore honoured (root and nested),
 * version-control, dependency and cache folders skipped, symlinks not followed (they could lead outside).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

const ALWAYS_SKIPPED = new Set(['.git', '.hg', '.svn', 'node_modules', '.nootropic-cache']);

async function readIgnore(dir: string): Promise<Ignore | null> {
  try {
    return ignore().add(await fs.readFile(path.join(dir, '.gitignore'), 'utf8'));
  } catch {
    return null;
  }
}

/** Workspace-relative, `/`-separated paths, sorted, at most `maxFiles`. */
export async function listWorkspaceFiles(root: string, maxFiles = 10_000): Promise<string[]> {
  const out: string[] = [];
  // Each folder is checked against the .gitignore files of itself and its ancestors (relative to each).
  const walk = async (dir: string, rules: { base: string; ig: Ignore }[]): Promise<void> => {
    if (out.length >= maxFiles) return;
    const own = await readIgnore(dir);
    const active = own ? [...rules, { base: dir, ig: own }] : rules;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= maxFiles) return;
      if (ALWAYS_SKIPPED.has(e.name)) continue;
      const abs = path.join(dir, e.name);
      const isDir = e.isDirectory();
      if (!isDir && !e.isFile()) continue; // symlinks, sockets, devices
      const ignored = active.some(({ base, ig }) => {
        const rel = path.relative(base, abs).split(path.sep).join('/');
        return ig.ignores(isDir ? `${rel}/` : rel);
      });
      if (ignored) continue;
      if (isDir) await walk(abs, active);
      else out.push(path.relative(root, abs).split(path.sep).join('/'));
    }
  };
  await walk(root, []);
  return out;
}
