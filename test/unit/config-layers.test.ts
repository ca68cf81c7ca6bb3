import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envLayer, resolveConfig } from '../../shared/config/layers';
import { defaultConfig } from '../../shared/config/schema';
import { readYamlLayer } from '../../server/src/config/files';

describe('layered configuration', () => {
  it('applies layers in order: user < workspace < editor < env < cli', () => {
    const { config, problems } = resolveConfig([
      { name: 'cli', values: { models: { model: 'from-cli' } } },
      { name: 'user', values: { models: { model: 'from-user', baseUrl: 'http://127.0.0.1:1/' }, server: { logLevel: 'debug' } } },
      { name: 'workspace', values: { models: { model: 'from-workspace', provider: 'openai' } } },
      { name: 'editor', values: { models: { provider: 'llamacpp' } } },
      envLayer({ NOOTROPIC_PROVIDER: 'anthropic' }),
    ]);
    expect(problems).toEqual([]);
    expect(config.models.model).toBe('from-cli');
    expect(config.models.provider).toBe('anthropic');
    expect(config.models.baseUrl).toBe('http://127.0.0.1:1/');
    expect(config.server.logLevel).toBe('debug');
    expect(config.diagnostics.syntax.enabled).toBe(true);
  });

  it('drops a bad value from the layer that set it, names layer and key, and keeps the lower value', () => {
    const { config, problems } = resolveConfig([
      { name: 'user', values: { models: { provider: 'openai' } } },
      { name: 'workspace', origin: '/ws/.nootropic/config.yaml', values: { models: { provider: 'gpt-cloud', modle: 'x' } } },
    ]);
    expect(config.models.provider).toBe('openai');
    expect(problems.join('\n')).toMatch(/workspace config \(\/ws\/\.nootropic\/config\.yaml\): models\.provider/);
    expect(problems.join('\n')).toMatch(/models\.modle: unknown setting/);
  });

  it('blames an unknown key on the layer that wrote it, not on another layer setting siblings', () => {
    const { config, problems } = resolveConfig([
      { name: 'workspace', origin: 'ws.yaml', values: { models: { modelz: 'x' } } },
      envLayer({ NOOTROPIC_PROVIDER: 'openai' }),
    ]);
    expect(config.models.provider).toBe('openai');
    expect(problems).toEqual([expect.stringMatching(/^workspace config \(ws\.yaml\): models\.modelz: unknown setting/)]);
  });

  it('maps NOOTROPIC_* variables and reports an unparseable boolean instead of guessing', () => {
    const layer = envLayer({
      NOOTROPIC_PROVIDER: 'openai',
      NOOTROPIC_BASE_URL: 'http://127.0.0.1:8080/v1',
      NOOTROPIC_MODEL: 'm',
      NOOTROPIC_ALLOW_CLOUD: 'perhaps',
      NOOTROPIC_API_KEY: 'sk-secret',
    });
    const { config, problems } = resolveConfig([layer]);
    expect(config.models).toMatchObject({ provider: 'openai', baseUrl: 'http://127.0.0.1:8080/v1', model: 'm', allowCloud: false });
    expect(problems.join()).toMatch(/NOOTROPIC_ALLOW_CLOUD=perhaps/);
    // The API key is a secret, never a configuration value that could be echoed back.
    expect(JSON.stringify(config)).not.toContain('sk-secret');
    expect(resolveConfig([envLayer({ NOOTROPIC_ALLOW_CLOUD: '1' })]).config.models.allowCloud).toBe(true);
  });

  it('returns defaults when nothing is set', () => {
    expect(resolveConfig([]).config).toEqual(defaultConfig());
  });

  it('reports a YAML syntax error with file, line and column, and reads a good file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-cfg-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'models:\n  provider: openai\n  model: [unclosed\n');
    const r = readYamlLayer('workspace', bad);
    expect(r.status).toBe('error');
    expect(r.layer.error).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, 'models:\n  model: llama3\n');
    expect(readYamlLayer('workspace', good)).toMatchObject({ status: 'loaded', layer: { values: { models: { model: 'llama3' } } } });
    expect(readYamlLayer('workspace', path.join(dir, 'missing.yaml')).status).toBe('absent');
    writeFileSync(path.join(dir, 'list.yaml'), '- a\n- b\n');
    expect(readYamlLayer('workspace', path.join(dir, 'list.yaml')).layer.error).toMatch(/expected a mapping/);
  });
});
