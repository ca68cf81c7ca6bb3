import { describe, expect, it } from 'vitest';
import { apiVersionProblem, PLUGIN_API_VERSION } from '../../server/src/plugins/api-version';
import { discover } from '../../server/src/plugins/discover';
import { PluginDescription, PluginManifest, Registration } from '../../shared/plugins/manifest';
import { tempWorkspace } from '../support/paths';

describe('plugin manifest and API version', () => {
  it('accepts compatible ranges and refuses others with a reason', () => {
    expect(PLUGIN_API_VERSION).toBe('1.0.0');
    expect(apiVersionProblem('^1.0.0')).toBeNull();
    expect(apiVersionProblem('>=0.9 <2')).toBeNull();
    expect(apiVersionProblem('^2.0.0')).toBe('needs plugin API ^2.0.0, but this server implements 1.0.0');
    expect(apiVersionProblem('~0.1.0')).toMatch(/needs plugin API ~0\.1\.0/);
    expect(apiVersionProblem('banana')).toMatch(/not a semver range/);
  });

  it('validates package.json with the field to fix', () => {
    const ok = PluginManifest.parse({ name: 'x', version: '1.2.3', nootropic: { apiVersion: '^1', capabilities: ['commands'] } });
    expect(ok.main).toBe('index.js');
    const bad = PluginManifest.safeParse({ name: 'Bad Name', version: '1', nootropic: { apiVersion: '^1', capabilities: ['teleport'] } });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['name', 'version', 'nootropic.capabilities.0']));
    expect(PluginDescription.safeParse({ name: 'x', version: '1.0.0', commands: [{ name: 'has space' }] }).success).toBe(false);
    expect(Registration.safeParse({ kind: 'criticRules', decl: { name: 'p', rules: [{ id: 'r', message: 'm', pattern: '(' }] } }).success).toBe(false);
  });

  it('discovers plugin folders and refuses missing, malformed and incompatible manifests with reasons', async () => {
    const ws = tempWorkspace();
    try {
      ws.write('p/ok/package.json', JSON.stringify({ name: 'ok', version: '1.0.0', nootropic: { apiVersion: '^1.0.0', capabilities: ['commands'] } }));
      ws.write('p/future/package.json', JSON.stringify({ name: 'future', version: '3.0.0', nootropic: { apiVersion: '^3.0.0', capabilities: ['agents'] } }));
      ws.write('p/broken/package.json', '{ not json');
      ws.write('p/nofield/package.json', JSON.stringify({ name: 'nofield', version: '1.0.0' }));
      ws.write('p/empty/readme.md', 'no manifest');
      ws.write('p/.hidden/package.json', '{}');
      const found = await discover('workspace', ws.root + '/p');
      const byDir = Object.fromEntries(found.map((c) => [c.dir.split('/').pop(), c]));
      expect(Object.keys(byDir).sort()).toEqual(['broken', 'empty', 'future', 'nofield', 'ok']);
      expect(byDir.ok).toMatchObject({ ok: true, manifest: { name: 'ok' } });
      expect(byDir.future).toMatchObject({ ok: false, name: 'future', version: '3.0.0', reason: 'needs plugin API ^3.0.0, but this server implements 1.0.0' });
      expect(byDir.broken).toMatchObject({ ok: false, reason: expect.stringMatching(/^package\.json: .*JSON/) });
      expect(byDir.nofield).toMatchObject({ ok: false, name: 'nofield', reason: expect.stringMatching(/package\.json\.nootropic/) });
      expect(byDir.empty).toMatchObject({ ok: false, reason: 'no package.json in the plugin folder' });
      expect(await discover('workspace', ws.root + '/missing')).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
