import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { activationEvents, LANGUAGES } from '../../extension/languages';
import { configurationContribution } from '../../shared/config/contributes';
import { ConfigSchema, defaultConfig } from '../../shared/config/schema';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: unknown; commands: { command: string }[]; keybindings?: Keybinding[] };
  activationEvents: string[];
};

interface Keybinding {
  command: string;
  key: string;
  mac?: string;
  linux?: string;
  win?: string;
  when?: string;
}

/** `Ctrl+K  N` → ['ctrl+k', 'n'], modifiers sorted, so `shift+ctrl+i` and `ctrl+shift+i` compare equal. */
function presses(binding: string): string[] {
  return binding
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((p) => {
      const parts = p.split('+');
      const key = parts.pop()!;
      return [...parts.sort(), key].join('+');
    });
}

function leaves(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('package.json contributes.configuration', () => {
  it('is exactly what the config schema generates (run `npm run gen:settings` after changing the schema)', () => {
    expect(pkg.contributes.configuration).toEqual(configurationContribution());
  });

  it('covers every setting in the schema, with its default and a description', () => {
    const props = configurationContribution().properties;
    const defaults = defaultConfig() as unknown as Record<string, unknown>;
    const keys = leaves(defaults);
    expect(Object.keys(props).sort()).toEqual(keys.map((k) => `nootropic.${k}`).sort());
    for (const key of keys) {
      const entry = props[`nootropic.${key}`]!;
      const value = key.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], defaults);
      expect(entry.default, key).toEqual(value);
      expect(entry.markdownDescription.length, key).toBeGreaterThan(20);
    }
  });

  it('accepts what VS Code would send for each contributed default', () => {
    const nested: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(configurationContribution().properties)) {
      const parts = key.replace(/^nootropic\./, '').split('.');
      let cur = nested;
      for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
      cur[parts.at(-1)!] = entry.default;
    }
    expect(ConfigSchema.parse(nested)).toEqual(defaultConfig());
  });

  it('gives every array setting its items (the Settings UI shows and validates them) and machine settings a machine scope', () => {
    const props = configurationContribution().properties;
    const arrays = Object.entries(props).filter(([, e]) => e.type === 'array');
    expect(arrays.length).toBeGreaterThanOrEqual(8);
    for (const [key, e] of arrays) expect(e.items?.type, key).toMatch(/^(string|object)$/);
    expect(props['nootropic.models.roles.chat']!.items).toMatchObject({ type: 'object', required: ['model'], properties: { baseUrl: { type: 'string' } } });
    expect(props['nootropic.models.llamacpp.threads']!.scope).toBe('machine');
    expect(props['nootropic.telemetry.prometheusPort']!.scope).toBe('machine');
    expect(props['nootropic.models.baseUrl']!.scope).toBe('machine-overridable');
    expect(props['nootropic.server.logLevel']!.scope).toBe('machine-overridable');
    expect(props['nootropic.agents.allowCommands']!.scope).toBe('resource');
  });

  it('contributes the commands the extension registers', () => {
    // Every contributed command is registered by the extension (its id appears in extension/ as a string), and
    // every registerCommand id is contributed (so it has a title in the palette and menus).
    const dir = path.join(__dirname, '..', '..', 'extension');
    const sources = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    for (const id of contributed) expect(sources, id).toContain(`'${id}'`);
    const registered = [...sources.matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]!);
    expect(registered.length).toBeGreaterThan(10);
    for (const id of registered) expect(contributed, id).toContain(id);
    expect(contributed).toEqual(expect.arrayContaining(['nootropic.clearApiKey', 'nootropic.restartServer', 'nootropic.setApiKey', 'nootropic.showStatus', 'nootropic.fixDiagnostic', 'nootropic.explainDiagnostic']));
  });

  it('activates only where there is work: a served language, a workspace with such files, a restored panel (no onStartupFinished)', () => {
    const dir = path.join(__dirname, '..', '..', 'extension');
    const viewTypes = ['nootropic.status', 'nootropic.trace', 'nootropic.taskboard'];
    for (const v of viewTypes) expect(readdirSync(dir).map((f) => (f.endsWith('.ts') ? readFileSync(path.join(dir, f), 'utf8') : '')).join('\n')).toContain(`'${v}'`);
    expect(pkg.activationEvents).toEqual(activationEvents(viewTypes));
    for (const l of LANGUAGES) expect(pkg.activationEvents).toContain(`onLanguage:${l}`);
    expect(pkg.activationEvents.some((e) => e === '*' || e === 'onStartupFinished')).toBe(false);
  });

  it("binds keys without shadowing VS Code's own: each a chord or under a `when`, and never Ctrl+I / Cmd+I", () => {
    const bindings = pkg.contributes.keybindings ?? [];
    expect(bindings.length).toBeGreaterThan(0);
    const commands = pkg.contributes.commands.map((c) => c.command);
    for (const b of bindings) {
      expect(commands, b.command).toContain(b.command);
      for (const combo of [b.key, b.mac, b.linux, b.win].filter((k): k is string => k !== undefined)) {
        const p = presses(combo);
        // A single press overrides VS Code's binding wherever it applies, unless a `when` narrows it.
        if (p.length < 2) expect(b.when?.trim(), `${b.command} ${combo}: a single press needs a when clause`).toBeTruthy();
        // Inline chat (Ctrl+I / Cmd+I): not as a single press, nor as the start of a chord (that would swallow it).
        for (const taken of ['ctrl+i', 'cmd+i', 'meta+i']) expect(p[0], `${b.command} ${combo}`).not.toBe(taken);
      }
    }
  });
});
