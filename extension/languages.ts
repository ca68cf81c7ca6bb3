/**
 * The languages the extension serves (the language client's document selector) and the file extensions that
 * make a workspace worth activating for (package.json `workspaceContains`). Pure, so tests can check package.json.
 */
export const LANGUAGE_FILES: Readonly<Record<string, readonly string[]>> = {
  typescript: ['ts', 'mts', 'cts'],
  typescriptreact: ['tsx'],
  javascript: ['js', 'mjs', 'cjs'],
  javascriptreact: ['jsx'],
  python: ['py'],
  go: ['go'],
  rust: ['rs'],
  java: ['java'],
  csharp: ['cs'],
  cpp: ['cpp', 'cc', 'cxx', 'hpp', 'hh'],
  c: ['c', 'h'],
  ruby: ['rb'],
  php: ['php'],
  shellscript: ['sh', 'bash'],
  css: ['css'],
};

export const LANGUAGES: readonly string[] = Object.keys(LANGUAGE_FILES);

/**
 * package.json `activationEvents`: a document in a served language, a workspace holding such files or a
 * `.nootropic/` folder, or a panel VS Code restores. Commands, views and the chat participant activate it
 * implicitly. Nothing else: a window with no code in it pays nothing.
 */
export function activationEvents(panelViewTypes: readonly string[]): string[] {
  const exts = [...new Set(Object.values(LANGUAGE_FILES).flat())];
  return [
    ...LANGUAGES.map((l) => `onLanguage:${l}`),
    `workspaceContains:**/*.{${exts.join(',')}}`,
    'workspaceContains:.nootropic/config.yaml',
    ...panelViewTypes.map((v) => `onWebviewPanel:${v}`),
  ];
}
