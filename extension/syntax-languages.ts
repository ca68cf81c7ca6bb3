/**
 * Which languages get nootropic's syntax diagnostics in VS Code. `nootropic.diagnostics.syntax.enabled` is a
 * per-language setting (`"[python]": { "nootropic.diagnostics.syntax.enabled": false }`) with three outcomes:
 * - `off`: the user set it to false (for the language or for all). The server never publishes them (sent as
 *   `syntaxOffLanguages`), so nothing depends on which server answers first.
 * - `fallback`: the default for the languages VS Code's own built-in extensions check — TypeScript/JavaScript (the
 *   TypeScript server) and CSS — while that extension is installed and validating (`typescript.validate.enable`, …).
 *   Installed is not running: its server may be slow to start, or missing (code-server without tsserver). The server
 *   publishes; the extension shows ours only when the checker has published no error for the document within a
 *   grace period, and drops it once the checker reports (diagnostic-dedup.ts). Listed once either way.
 * - `on`: everything else (the user set true; the checker is missing or its validation off; other languages). Ours
 *   is shown unless another server reports an error on the same line.
 * Other editors send nothing: they get syntax diagnostics for every language unless they set `skipLanguages`.
 * Pure (no `vscode` import), so unit tests need no editor; extension/settings.ts reads the values.
 */
/** A built-in VS Code extension that reports syntax errors for some languages, and its on/off setting. */
interface EditorChecker {
  languages: readonly string[];
  extension: string;
  validate: string;
  /** The `source` of its diagnostics. */
  source: string;
}

export const EDITOR_CHECKERS: readonly EditorChecker[] = [
  { languages: ['typescript', 'typescriptreact'], extension: 'vscode.typescript-language-features', validate: 'typescript.validate.enable', source: 'ts' },
  { languages: ['javascript', 'javascriptreact'], extension: 'vscode.typescript-language-features', validate: 'javascript.validate.enable', source: 'ts' },
  { languages: ['css'], extension: 'vscode.css-language-features', validate: 'css.validate', source: 'css' },
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
 * How long a `fallback` language's built-in checker gets to report a document's syntax errors before ours are shown.
 * TypeScript's server answers within a second or two once running; one that has said nothing by then is starting
 * a large project or not running at all, and a syntax error listed late beats one never listed.
 */
export const SYNTAX_GRACE_MS = 4_000;

export type SyntaxMode = 'on' | 'off' | 'fallback';

/**
 * What nootropic does with a language's syntax errors: an explicit value wins; the default-off for an
 * editor-checked language means `fallback` while that checker is installed and validating, `on` otherwise.
 */
export function syntaxMode(values: EnabledValues, checkerActive: boolean | undefined): SyntaxMode {
  if (values.explicit !== undefined) return values.explicit ? 'on' : 'off';
  if (values.languageDefault === false) return checkerActive === false ? 'on' : 'fallback';
  return 'on';
}
