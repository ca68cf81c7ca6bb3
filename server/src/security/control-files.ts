/**
 * Control files: the workspace files that decide what nootropic (or the editor, git, CI, npm) runs or trusts —
 * nootropic's own config and plugins, the spec (its `tests:` command runs as "approved: spec"), VS Code settings
 * and tasks, git internals, CI definitions, and the `scripts` of package manifests. They are the user's: a model
 * (coder, chat) may propose changes to them, but nothing writes one without the same explicit approval a command
 * needs. This module only classifies; the agents' loop asks (agents/service.ts → `nootropic/agent/approve`).
 *
 * A path is judged both as written and as resolved (an in-repo symlink `docs/cfg -> ../.nootropic` must not
 * launder `docs/cfg/config.yaml`), and for files that do not exist yet through their deepest existing folder.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

export interface ControlChange {
  /** Root-relative, '/' separators, as the edit named it. */
  path: string;
  /** Why it needs approval, for the person deciding (e.g. "nootropic configuration and plugins"). */
  why: string;
}

/** CI definitions by exact root-relative path (lower case). */
const CI_FILES = new Set(['.gitlab-ci.yml', '.gitlab-ci.yaml', '.travis.yml', 'azure-pipelines.yml', 'azure-pipelines.yaml', 'bitbucket-pipelines.yml', 'jenkinsfile', '.drone.yml', '.drone.yaml', 'appveyor.yml', '.appveyor.yml', 'cloudbuild.yaml', 'cloudbuild.yml', 'buildkite.yml', '.cirrus.yml']);
/** CI folders: anything inside (lower case, root-relative prefix). */
const CI_DIRS = ['.github/workflows/', '.github/actions/', '.circleci/', '.buildkite/', '.gitlab/', '.woodpecker/', '.forgejo/workflows/', '.gitea/workflows/'];
/** Package manifests whose `scripts` object runs on install/test (npm, yarn, pnpm, bun; composer). */
const SCRIPT_MANIFESTS = new Set(['package.json', 'composer.json']);
/** Package-manager settings that can run code (npm's `script-shell`, yarn's `yarnPath`, …). */
const PACKAGE_MANAGER_RC = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', 'bunfig.toml']);

/** Why a root-relative path is a control file by its name alone, or undefined. Case-insensitive (macOS, Windows). */
export function controlPathReason(rel: string): string | undefined {
  const p = rel.split(path.sep).join('/').replace(/^\.\/+/, '').toLowerCase();
  const segments = p.split('/').filter((s) => s && s !== '.');
  if (!segments.length) return undefined;
  const base = segments[segments.length - 1]!;
  // A folder's own name counts too: deleting or replacing `.nootropic` itself is as much a change as a file in it.
  const all = segments;
  if (all.includes('.nootropic')) return 'nootropic configuration and plugins (.nootropic/)';
  if (all.includes('.git')) return 'git internals (.git/: hooks and config run commands)';
  if (all.includes('.vscode')) return 'VS Code settings and tasks (.vscode/)';
  if (segments.length === 1 && (base === 'project-spec.yaml' || base === 'project-spec.yml')) return 'the project spec (its tests command runs without asking)';
  if (base === '.gitmodules' || base === '.gitattributes') return 'git configuration (submodules, filters)';
  if (PACKAGE_MANAGER_RC.has(base)) return 'package manager settings (can run code on install)';
  const joined = segments.join('/');
  if (CI_FILES.has(joined)) return 'CI configuration';
  if (CI_DIRS.some((d) => `${joined}/`.startsWith(d))) return 'CI configuration';
  return undefined;
}

/** The scripts section of a manifest's text; `undefined` when there is no such file, `null` when it does not parse. */
function scriptsOf(text: string | null): string | undefined | null {
  if (text === null) return undefined;
  try {
    const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
    const s = (json as Record<string, unknown>).scripts;
    return s === undefined ? '' : JSON.stringify(s);
  } catch {
    return null;
  }
}

/** Why a change to a manifest's content needs approval (its scripts changed, or it cannot be read to tell). */
export function manifestChangeReason(rel: string, before: string | null, after: string | null): string | undefined {
  const base = path.basename(rel).toLowerCase();
  if (!SCRIPT_MANIFESTS.has(base)) return undefined;
  const a = scriptsOf(before);
  const b = scriptsOf(after);
  if (b === null) return `${base} that does not parse as JSON (its scripts cannot be checked)`;
  if (a === b) return undefined;
  // Created with no scripts, or deleted when it had none: nothing runs differently.
  if ((a === undefined || a === '') && (b === undefined || b === '')) return undefined;
  return `${base} scripts (run by npm install/test)`;
}

/**
 * `rel` after resolving symlinks, relative to the real root; undefined when it leads outside. For a new file the
 * deepest existing ancestor is resolved; a dangling symlink is followed to where it points (a write would create
 * the file there).
 */
async function resolvedRelative(root: string, rel: string): Promise<string | undefined> {
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  let probe = path.resolve(root, rel);
  const rest: string[] = [];
  for (let hops = 0; hops < 64; hops++) {
    try {
      const full = path.join(await realpath(probe), ...[...rest].reverse());
      const out = path.relative(realRoot, full);
      return out.startsWith('..') || path.isAbsolute(out) ? undefined : out;
    } catch {
      const link = await lstat(probe).then((st) => (st.isSymbolicLink() ? readlink(probe) : undefined)).catch(() => undefined);
      if (link !== undefined) {
        probe = path.resolve(path.dirname(probe), link);
        continue;
      }
      const parent = path.dirname(probe);
      if (parent === probe) return undefined;
      rest.push(path.basename(probe));
      probe = parent;
    }
  }
  return undefined;
}

/** Why this change needs the person's approval, or undefined. */
export async function controlReason(root: string, change: { path: string; before: string | null; after: string | null }): Promise<string | undefined> {
  const lexical = controlPathReason(change.path) ?? manifestChangeReason(change.path, change.before, change.after);
  if (lexical) return lexical;
  const resolved = await resolvedRelative(root, change.path);
  if (resolved === undefined || resolved.split(path.sep).join('/') === change.path) return undefined;
  const why = controlPathReason(resolved) ?? manifestChangeReason(resolved, change.before, change.after);
  return why ? `${why}, through a symlink (${change.path} → ${resolved.split(path.sep).join('/')})` : undefined;
}

/** The changes among `changes` that touch control files, each with its reason. */
export async function controlChanges(root: string, changes: ReadonlyArray<{ path: string; before: string | null; after: string | null }>): Promise<ControlChange[]> {
  const out: ControlChange[] = [];
  for (const c of changes) {
    const why = await controlReason(root, c);
    if (why) out.push({ path: c.path, why });
  }
  return out;
}
