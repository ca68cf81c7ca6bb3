/**
 * Which languages get nootropic's syntax diagnostics in VS Code. `nootropic.diagnostics.syntax.enabled` is a
 * per-language setting (`"[python]": { "nootropic.diagnostics.syntax.enabled": false }`); its default is on,
 * except for the languages VS Code's own built-in extensions already check — TypeScript/JavaScript (the TypeScript
 * server) and CSS — where nootropic's error would be the same problem listed twice. That default applies only while
 * the built-in extension is installed and its validation is on (`typescript.validate.enable`, …); a value the user
 * set (for the language or for all) always wins. Decided before the server publishes (sent as
 * `syntaxOffLanguages`), so nothing depends on which server answers first.
 * Other editors send nothing: they get syntax diagnostics for every language unless they set `skipLanguages`.
 * Pure (no `vscode` import), so unit tests need no editor; extension/settings.ts reads the values.
 */
/** A built-in VS Code extension that reports syntax errors for some languages, and its on/off setting. */
interface EditorChecker {
  languages: readonly string[];
  extension: string;
  validate: string;
}

export const EDITOR_CHECKERS: readonly EditorChecker[] = [
  { languages: ['typescript', 'typescriptreact'], extension: 'vscode.typescript-language-features', validate: 'typescript.validate.enable' },
  { languages: ['javascript', 'javascriptreact'], extension: 'vscode.typescript-language-features', validate: 'javascript.validate.enable' },
  { languages: ['css'], extension: 'vscode.css-language-features', validate: 'css.validate' },
];

/** The languages whose syntax diagnostics nootropic leaves to VS Code by default (package.json configurationDefaults). */
export const EDITOR_CHECKED_LANGUAGES: readonly string[] = EDITOR_CHECKERS.flatMap((c) => c.languages);

export function checkerFor(languageId: string): EditorChecker | undefined {
  return EDITOR_CHECKERS.find((c) => c.languages.includes(languageId));
}

/** What `inspect` says about `nootropic.diagnostics.syntax.enabled` for one language (the values that matter). */
export interface EnabledValues {
  /** Set by the user anywhere (user, workspace, folder; for this language or for all), in VS Code's precedence. */
  explicit: boolean | undefined;
  /** The language's default (false where a built-in extension checks it). */
  languageDefault: boolean | undefined;
}

/**
 * Whether nootropic's syntax diagnostics are off for a language: an explicit value wins; the default-off for an
 * editor-checked language holds only while that checker is installed and validating.
 */
export function syntaxOff(values: EnabledValues, checkerActive: boolean | undefined): boolean {
  if (values.explicit !== undefined) return !values.explicit;
  if (values.languageDefault === false) return checkerActive !== false;
  return false;
}
