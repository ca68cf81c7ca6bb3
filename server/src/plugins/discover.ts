/**
 * Finds plugin folders and reads their manifests: bundled plugins (dist/plugins/, built from the repo's
 * plugins/) and workspace plugins (<root>/.nootropic/plugins/<name>/). A folder whose package.json is missing,
 * malformed or asks for an incompatible API comes back refused with the reason; a workspace plugin carries the
 * hash of its folder's content (what the user's approval is bound to). Nothing here runs plugin code.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginManifest } from '../../../shared/plugins/manifest';
import { describeZodError } from '../../../shared/protocol/errors';
import { apiVersionProblem } from './api-version';
import { pluginContentHash } from './content-hash';

export type PluginSource = 'bundled' | 'workspace';

export type Candidate =
  | { ok: true; source: PluginSource; dir: string; manifest: PluginManifest; contentHash?: string }
  | { ok: false; source: PluginSource; dir: string; name: string; version: string; reason: string; apiVersion?: string };

export function workspacePluginsDir(root: string): string {
  return path.join(root, '.nootropic', 'plugins');
}

/**
 * Where the build put plugin-host.js and plugins/: beside the running bundle (dist/), or, when the server runs
 * from source (the in-process tests), the repo's dist/ that the test setup builds.
 */
export function distDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(path.join(here, 'plugin-host.js'))) return here;
  return path.resolve(here, '..', '..', '..', 'dist');
}

async function readCandidate(source: PluginSource, dir: string): Promise<Candidate> {
  const fallback = { ok: false as const, source, dir, name: path.basename(dir), version: '0.0.0' };
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ...fallback, reason: code === 'ENOENT' ? 'no package.json in the plugin folder' : `package.json: ${(err as Error).message}` };
  }
  const parsed = PluginManifest.safeParse(raw);
  if (!parsed.success) {
    const r = raw as { name?: unknown; version?: unknown };
    return {
      ...fallback,
      ...(typeof r.name === 'string' ? { name: r.name } : {}),
      ...(typeof r.version === 'string' ? { version: r.version } : {}),
      reason: `invalid package.json: ${describeZodError('package.json', parsed.error)}`,
    };
  }
  const m = parsed.data;
  const problem = apiVersionProblem(m.nootropic.apiVersion);
  if (problem) return { ...fallback, name: m.name, version: m.version, reason: problem, apiVersion: m.nootropic.apiVersion };
  // A workspace plugin runs only once the user approved exactly this content (see manager.ts).
  if (source === 'workspace') {
    try {
      return { ok: true, source, dir, manifest: m, contentHash: await pluginContentHash(dir) };
    } catch (err) {
      return { ...fallback, name: m.name, version: m.version, reason: `cannot read the plugin folder: ${(err as Error).message}` };
    }
  }
  return { ok: true, source, dir, manifest: m };
}

/** Candidates from each subfolder of `parent` (dot-folders skipped), sorted by folder name. */
export async function discover(source: PluginSource, parent: string): Promise<Candidate[]> {
  let entries;
  try {
    entries = await fs.readdir(parent, { withFileTypes: true });
  } catch {
    return [];
  }
  const dirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => path.join(parent, e.name))
    .sort();
  return Promise.all(dirs.map((d) => readCandidate(source, d)));
}

export async function discoverOne(source: PluginSource, dir: string): Promise<Candidate | null> {
  return existsSync(dir) ? readCandidate(source, dir) : null;
}
