import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EDITOR_CHECKED_LANGUAGES, syntaxMode } from '../../extension/syntax-languages';
import { configurationContribution, configurationDefaultsContribution, VSCODE_CHECKED_LANGUAGES } from '../../shared/config/contributes';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configurationDefaults?: Record<string, Record<string, unknown>> };
};

describe("syntax diagnostics per language in VS Code (extension/syntax-languages.ts)", () => {
  it('falls back to the built-in checker by default for TS/JS and CSS while it is installed and validating', () => {
    const tsDefault = { explicit: undefined, languageDefault: false };
    // Installed is not running: ours waits for the checker and shows only where it reports nothing.
    expect(syntaxMode(tsDefault, true)).toBe('fallback');
    // TypeScript's extension missing or `typescript.validate.enable: false`: nobody else reports, so ours is on.
    expect(syntaxMode(tsDefault, false)).toBe('on');
    // Python: no language default, no built-in checker.
    expect(syntaxMode({ explicit: undefined, languageDefault: undefined }, undefined)).toBe('on');
  });

  it('follows a value the user set, for the language or for all, whatever the default: false is never', () => {
    expect(syntaxMode({ explicit: true, languageDefault: false }, true)).toBe('on');
    expect(syntaxMode({ explicit: false, languageDefault: undefined }, undefined)).toBe('off');
    expect(syntaxMode({ explicit: false, languageDefault: false }, false)).toBe('off');
    expect(syntaxMode({ explicit: false, languageDefault: false }, true)).toBe('off');
  });

  it('package.json declares the setting per language and its default-off for exactly the checked languages', () => {
    expect([...EDITOR_CHECKED_LANGUAGES].sort()).toEqual([...VSCODE_CHECKED_LANGUAGES].sort());
    expect(configurationContribution().properties['nootropic.diagnostics.syntax.enabled']!.scope).toBe('language-overridable');
    expect(pkg.contributes.configurationDefaults).toEqual(configurationDefaultsContribution());
    expect(pkg.contributes.configurationDefaults?.['[typescript]']).toEqual({ 'nootropic.diagnostics.syntax.enabled': false });
    expect(pkg.contributes.configurationDefaults?.['[python]']).toBeUndefined();
  });
});
