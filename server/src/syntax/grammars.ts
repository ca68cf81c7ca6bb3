/**
 * Which tree-sitter grammar parses which document, and where the WASM files live: next to the bundle
 * (`dist/wasm/`, what the .vsix and npm bin ship) or in node_modules when running from source (tests).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GRAMMARS = [
  'typescript',
  'tsx',
  'javascript',
  'python',
  'go',
  'rust',
  'java',
  'c-sharp',
  'cpp',
  'ruby',
  'php',
  'bash',
  'css',
] as const;
export type GrammarName = (typeof GRAMMARS)[number];

/** LSP languageIds (VS Code's and Neovim's filetypes) → grammar. */
const BY_LANGUAGE_ID: Record<string, GrammarName> = {
  typescript: 'typescript',
  typescriptreact: 'tsx',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  python: 'python',
  go: 'go',
  rust: 'rust',
  java: 'java',
  csharp: 'c-sharp',
  cs: 'c-sharp',
  cpp: 'cpp',
  c: 'cpp',
  ruby: 'ruby',
  php: 'php',
  shellscript: 'bash',
  sh: 'bash',
  bash: 'bash',
  css: 'css',
};

const BY_EXTENSION: Record<string, GrammarName> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.cs': 'c-sharp',
  '.cpp': 'cpp',
  '.cc': 'cpp',
  '.cxx': 'cpp',
  '.hpp': 'cpp',
  '.h': 'cpp',
  '.c': 'cpp',
  '.rb': 'ruby',
  '.php': 'php',
  '.sh': 'bash',
  '.bash': 'bash',
  '.css': 'css',
};

/** The grammar for a document: by languageId first, then by file extension (editors disagree on ids). */
export function grammarFor(languageId: string | undefined, filePath: string | undefined): GrammarName | undefined {
  if (languageId && BY_LANGUAGE_ID[languageId]) return BY_LANGUAGE_ID[languageId];
  if (filePath) {
    const ext = path.extname(filePath).toLowerCase();
    // `.tsx` must win over a generic "typescript" id some clients send for it.
    return BY_EXTENSION[ext];
  }
  return undefined;
}

export function languageIds(): string[] {
  return Object.keys(BY_LANGUAGE_ID);
}

const here = path.dirname(fileURLToPath(import.meta.url));

export interface WasmLocations {
  /** tree-sitter.wasm, the runtime. */
  runtime: string;
  grammar(name: GrammarName): string;
}

/** Locate the WASM files; throws with what to do when they are missing (a broken install or build). */
export function wasmLocations(): WasmLocations {
  const override = process.env.NOOTROPIC_WASM_DIR;
  const bundled = override ?? path.join(here, 'wasm');
  if (existsSync(path.join(bundled, 'tree-sitter.wasm'))) {
    return { runtime: path.join(bundled, 'tree-sitter.wasm'), grammar: (n) => path.join(bundled, `tree-sitter-${n}.wasm`) };
  }
  try {
    const req = createRequire(import.meta.url);
    const runtime = req.resolve('web-tree-sitter/tree-sitter.wasm');
    const grammarDir = path.join(path.dirname(req.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
    return { runtime, grammar: (n) => path.join(grammarDir, `tree-sitter-${n}.wasm`) };
  } catch {
    throw new Error(
      `tree-sitter WASM files not found (looked in ${bundled} and node_modules); rebuild with \`npm run build\` or reinstall the extension`,
    );
  }
}
