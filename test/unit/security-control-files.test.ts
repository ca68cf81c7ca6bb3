// Control files (nootropic config and plugins, the spec, .vscode, .git, CI, package scripts) are classified by path,
// git hook managers, by content (the script sections of package.json, deno.json(c), pyproject.toml) and through
// in-repo symlinks, for new files too.
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlChanges, controlPathReason, manifestChangeReason } from '../../server/src/security/control-files';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let ws: TempWorkspace | undefined;
afterEach(() => {
  ws?.dispose();
  ws = undefined;
});

describe('controlPathReason', () => {
  it('names the control files', () => {
    for (const p of [
      '.nootropic/config.yaml',
      '.nootropic/plugins/x/index.js',
      '.nootropic',
      'project-spec.yaml',
      '.vscode/settings.json',
      '.vscode/tasks.json',
      '.git/hooks/pre-commit',
      'sub/.git/config',
      '.github/workflows/ci.yml',
      '.gitlab-ci.yml',
      '.circleci/config.yml',
      'Jenkinsfile',
      '.npmrc',
      '.gitattributes',
      './.NOOTROPIC/Config.yaml',
    ])
      expect(controlPathReason(p), p).toBeTruthy();
  });

  it('leaves ordinary files alone', () => {
    for (const p of ['src/index.ts', 'package.json', 'docs/project-spec.yaml', '.github/CODEOWNERS', 'nootropic/config.yaml', 'test/.gitkeep', 'README.md'])
      expect(controlPathReason(p), p).toBeUndefined();
  });
});

describe('manifestChangeReason', () => {
  const pkg = (scripts?: Record<string, string>, extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'x', ...extra, ...(scripts ? { scripts } : {}) }, null, 2);
  it('flags a change to package.json scripts, not to other fields', () => {
    expect(manifestChangeReason('package.json', pkg({ test: 'node t.js' }), pkg({ test: 'node t.js; curl x | sh' }))).toMatch(/scripts/);
    expect(manifestChangeReason('package.json', pkg(), pkg({ postinstall: 'sh x' }))).toMatch(/scripts/);
    expect(manifestChangeReason('sub/package.json', null, pkg({ test: 'x' }))).toMatch(/scripts/);
    expect(manifestChangeReason('package.json', pkg({ test: 'node t.js' }), pkg({ test: 'node t.js' }, { version: '2.0.0' }))).toBeUndefined();
    expect(manifestChangeReason('package.json', null, pkg())).toBeUndefined();
    expect(manifestChangeReason('package.json', pkg({ test: 'x' }), '{ not json')).toMatch(/does not parse/);
    expect(manifestChangeReason('src/index.ts', 'a', 'b')).toBeUndefined();
  });
});

describe('controlChanges', () => {
  it('sees through in-repo symlinks, for existing and new files', async () => {
    ws = tempWorkspace('nootropic-control-');
    ws.write('.nootropic/config.yaml', 'agents: {}\n');
    mkdirSync(path.join(ws.root, 'docs'));
    symlinkSync(path.join(ws.root, '.nootropic'), path.join(ws.root, 'docs', 'cfg'));
    symlinkSync(path.join(ws.root, 'project-spec.yaml'), path.join(ws.root, 'spec-link.yaml'));
    const out = await controlChanges(ws.root, [
      { path: 'docs/cfg/config.yaml', before: 'agents: {}\n', after: "agents: { allowCommands: ['*'] }\n" },
      { path: 'docs/cfg/plugins/x/index.js', before: null, after: 'module.exports = {}' },
      { path: 'spec-link.yaml', before: null, after: 'tests: touch CANARY\n' },
      { path: 'docs/readme.md', before: null, after: 'hello' },
    ]);
    expect(out.map((c) => c.path)).toEqual(['docs/cfg/config.yaml', 'docs/cfg/plugins/x/index.js', 'spec-link.yaml']);
    expect(out[0]!.why).toMatch(/through a symlink \(docs\/cfg\/config\.yaml → \.nootropic\/config\.yaml\)/);
  });
});

describe('files that run code automatically (hook managers, deno tasks, pyproject scripts)', () => {
  // [path, is it a control file by its name alone]
  const byName: Array<[string, boolean]> = [
    ['.husky/pre-commit', true],
    ['.husky/_/husky.sh', true],
    ['.husky', true],
    ['web/.husky/pre-push', true],
    ['.githooks/pre-commit', true],
    ['.pre-commit-config.yaml', true],
    ['.pre-commit-config.yml', true],
    ['lefthook.yml', true],
    ['.lefthook.yml', true],
    ['lefthook.yaml', true],
    ['lefthook-local.yml', true],
    ['lefthook.toml', true],
    ['LEFTHOOK.YML', true],
    ['docs/husky.md', false],
    ['src/githooks.ts', false],
    ['lefthook.md', false],
    ['pre-commit-config.yaml', false],
    ['deno.json', false],
    ['pyproject.toml', false],
  ];
  it.each(byName)('%s → %s', (p, control) => {
    expect(controlPathReason(p) !== undefined, String(controlPathReason(p))).toBe(control);
  });

  const deno = (tasks?: Record<string, string>, extra = '') => `{\n  // Deno config\n  "imports": {},${extra}\n  ${tasks ? `"tasks": ${JSON.stringify(tasks)},` : ''}\n  /* trailing comma next */\n}\n`;
  const py = (body: string) => `[project]\nname = "x"\nversion = "1.0"\n${body}`;
  // [file, before, after, needs approval]
  const byContent: Array<[string, string, string | null, string | null, boolean]> = [
    ['deno.json task added', 'deno.json', JSON.stringify({ tasks: { test: 'deno test' } }), JSON.stringify({ tasks: { test: 'deno test', dev: 'curl x | sh' } }), true],
    ['deno.json other field', 'deno.json', JSON.stringify({ tasks: { test: 'deno test' } }), JSON.stringify({ tasks: { test: 'deno test' }, lint: {} }), false],
    ['deno.jsonc task changed (comments, trailing commas)', 'deno.jsonc', deno({ test: 'deno test' }), deno({ test: 'deno test && sh x' }), true],
    ['deno.jsonc comment changed only', 'deno.jsonc', deno({ test: 'deno test' }), deno({ test: 'deno test' }).replace('Deno config', 'the config'), false],
    ['deno.jsonc "//" inside a string is not a comment', 'deno.jsonc', deno({ test: 'deno run https://x/a.ts' }), deno({ test: 'deno run https://y/a.ts' }), true],
    ['new deno.json with tasks', 'deno.json', null, JSON.stringify({ tasks: { t: 'x' } }), true],
    ['deno.json that does not parse', 'deno.json', JSON.stringify({}), '{ "tasks": ', true],
    ['pyproject [project.scripts] changed', 'pyproject.toml', py('[project.scripts]\nx = "x:main"\n'), py('[project.scripts]\nx = "os:system"\n'), true],
    ['pyproject [project.scripts] added', 'pyproject.toml', py(''), py('\n[project.scripts]\nx = "x:main"\n'), true],
    ['pyproject [tool.poetry.scripts] changed', 'pyproject.toml', '[tool.poetry]\nname = "x"\n\n[tool.poetry.scripts]\nx = "x:main"\n', '[tool.poetry]\nname = "x"\n\n[tool.poetry.scripts]\nx = "evil:main"\n', true],
    ['pyproject inline scripts = {…} under [project]', 'pyproject.toml', py(''), py('scripts = { x = "evil:main" }\n'), true],
    ['pyproject dotted key at the root', 'pyproject.toml', 'name = "x"\n', 'name = "x"\nproject.scripts.x = "evil:main"\n', true],
    ['pyproject quoted, spaced header', 'pyproject.toml', py(''), py('[ "project" . scripts ]  # entry points\nx = "evil:main"\n'), true],
    ['pyproject build backend changed', 'pyproject.toml', '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n', '[build-system]\nrequires = [\n  "evil",\n]\nbuild-backend = "evil.build"\n', true],
    ['pyproject version bump only', 'pyproject.toml', py('[project.scripts]\nx = "x:main"\n'), py('[project.scripts]\nx = "x:main"\n').replace('1.0', '1.1'), false],
    ['pyproject dependency added only', 'pyproject.toml', py('dependencies = []\n'), py('dependencies = ["requests"]\n'), false],
    [
      'pyproject: a fake header in a multi-line string does not hide the real scripts table',
      'pyproject.toml',
      py('[project.scripts]\nx = "x:main"\n'),
      py('[project.scripts]\nx = "x:main"\ndoc = """\n[tool.other]\n"""\ny = "evil:main"\n'),
      true,
    ],
    ['package.json scripts still checked', 'package.json', JSON.stringify({ scripts: { test: 'x' } }), JSON.stringify({ scripts: { test: 'x; sh y' } }), true],
  ];
  it.each(byContent)('%s', (_name, file, before, after, control) => {
    const why = manifestChangeReason(file, before, after);
    expect(why !== undefined, String(why)).toBe(control);
  });
});
