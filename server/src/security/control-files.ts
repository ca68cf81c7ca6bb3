/**
 * Control files: the workspace files that decide what nootropic (or the editor, git, CI, npm) runs or trusts —
 * nootropic's own config and plugins, the spec (its `tests:` command runs as "approved: spec"), VS Code settings
 * and tasks, git internals and hook managers (husky, pre-commit, lefthook, .githooks), CI definitions, and the
 * script sections of package manifests (package.json, composer.json, deno.json(c), pyproject.toml). They are the
 * user's: a model (coder, chat) may propose changes to them, but nothing writes one without the same explicit
 * approval a command needs. This module only classifies; the agents' loop asks (agents/service.ts → `nootropic/agent/approve`).
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
/**
 * Manifests whose script sections run code on install, test or a task runner: file name (lower case) → the
 * sections (key paths) and who runs them. Any change to one of those sections needs approval; other fields do not.
 */
const SCRIPT_MANIFESTS: Record<string, { format: 'json' | 'jsonc' | 'toml'; sections: string[]; runBy: string }> = {
  'package.json': { format: 'json', sections: ['scripts'], runBy: 'npm install/test' },
  'composer.json': { format: 'json', sections: ['scripts'], runBy: 'composer install' },
  'deno.json': { format: 'jsonc', sections: ['tasks'], runBy: 'deno task' },
  'deno.jsonc': { format: 'jsonc', sections: ['tasks'], runBy: 'deno task' },
  // Entry points become commands on install; the build backend runs on `pip install .`; poetry/pdm run their scripts.
  'pyproject.toml': {
    format: 'toml',
    sections: ['project.scripts', 'project.gui-scripts', 'project.entry-points', 'tool.poetry.scripts', 'tool.pdm.scripts', 'build-system'],
    runBy: 'pip install, poetry, pdm',
  },
};
/** Git hook managers: their config or folder decides what runs on commit and push (lower case, any folder). */
const HOOK_FILES = new Set(['.pre-commit-config.yaml', '.pre-commit-config.yml']);
const HOOK_FILE_PATTERN = /^\.?lefthook(-local)?\.(ya?ml|json|toml)$/;
const HOOK_DIRS = ['.husky', '.githooks'];
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
  if (all.some((seg) => HOOK_DIRS.includes(seg))) return 'git hooks (run on commit and push)';
  if (HOOK_FILES.has(base) || HOOK_FILE_PATTERN.test(base)) return 'git hook configuration (pre-commit, lefthook: runs on commit and push)';
  if (base === '.gitmodules' || base === '.gitattributes') return 'git configuration (submodules, filters)';
  if (PACKAGE_MANAGER_RC.has(base)) return 'package manager settings (can run code on install)';
  const joined = segments.join('/');
  if (CI_FILES.has(joined)) return 'CI configuration';
  if (CI_DIRS.some((d) => `${joined}/`.startsWith(d))) return 'CI configuration';
  return undefined;
}

/** JSON with comments and trailing commas (deno.jsonc, VS Code style) as plain JSON; strings are left intact. */
export function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else if (c === '}' || c === ']') {
      out = out.replace(/,\s*$/, '') + c;
    } else out += c;
  }
  return out;
}

function keyPath(key: string): string {
  return key
    .split('.')
    .map((k) => k.trim().replace(/^(["'])(.*)\1$/, '$2'))
    .join('.');
}

/**
 * The lines of a TOML text that belong to `sections` (those tables, their sub-tables, and dotted or inline keys
 * that reach them from a parent table), each tagged with its table. Not a TOML parser: it only has to see every line
 * a real parser puts in those sections. Header-like lines inside multi-line strings are not headers.
 */
function tomlSections(text: string, sections: readonly string[]): string {
  const wanted = (full: string) => sections.some((w) => full === w || full.startsWith(`${w}.`));
  const out: string[] = [];
  let table = '';
  let open: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = open ? null : /^\[\[?([^\]]*)\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      table = keyPath(header[1]!);
      if (wanted(table)) out.push(`[${table}]`);
      continue;
    }
    const key = !open && line.includes('=') ? keyPath(line.slice(0, line.indexOf('='))) : undefined;
    if (line && (wanted(table) || (key !== undefined && wanted(table ? `${table}.${key}` : key)))) out.push(`${table}: ${line}`);
    for (const m of line.matchAll(/"""|'''/g)) {
      if (!open) open = m[0];
      else if (m[0] === open) open = undefined;
    }
  }
  return out.join('\n');
}

type Manifest = (typeof SCRIPT_MANIFESTS)[string];

/** A manifest's script sections as comparable text; `undefined` when there is no such file, `null` when it does not parse. */
function sectionsOf(kind: Manifest, text: string | null): string | undefined | null {
  if (text === null) return undefined;
  if (kind.format === 'toml') return tomlSections(text, kind.sections);
  try {
    const body = text.replace(/^\uFEFF/, '');
    const json = JSON.parse(kind.format === 'jsonc' ? stripJsonc(body) : body) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
    const found = kind.sections.map((s) => (json as Record<string, unknown>)[s]).filter((v) => v !== undefined);
    return found.length ? JSON.stringify(found) : '';
  } catch {
    return null;
  }
}

/** Why a change to a manifest's content needs approval (its script sections changed, or it cannot be read to tell). */
export function manifestChangeReason(rel: string, before: string | null, after: string | null): string | undefined {
  const base = path.basename(rel).toLowerCase();
  const kind = SCRIPT_MANIFESTS[base];
  if (!kind) return undefined;
  const a = sectionsOf(kind, before);
  const b = sectionsOf(kind, after);
  if (b === null) return `${base} that does not parse as JSON (its scripts cannot be checked)`;
  if (a === b) return undefined;
  // Created with no scripts, or deleted when it had none: nothing runs differently.
  if ((a === undefined || a === '') && (b === undefined || b === '')) return undefined;
  return `${base} ${kind.sections.length === 1 ? kind.sections[0] : 'scripts'} (run by ${kind.runBy})`;
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
