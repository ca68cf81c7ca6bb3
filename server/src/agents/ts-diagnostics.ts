/**
 * TypeScript/JavaScript diagnostics from the `typescript@5` language service, for the files an agent changed.
 * TypeScript files get syntactic and semantic diagnostics (with the workspace's tsconfig options when it has
 * one); JavaScript files get syntactic ones, and semantic ones only under `// @ts-check` or `checkJs`.
 * The compiler ships next to the server bundle (dist/typescript/, copied by the build); from sources it is the
 * `typescript` package. If neither loads, the critic says so instead of pretending the files are clean.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import type { Finding } from '../workflow/run-log';

let cached: typeof TS | null | undefined;
let loadError = '';

export function loadTypeScript(): typeof TS | null {
  if (cached !== undefined) return cached;
  const req = createRequire(import.meta.url);
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, 'typescript', 'typescript.js'), 'typescript']) {
    try {
      if (candidate !== 'typescript' && !existsSync(candidate)) continue;
      cached = req(candidate) as typeof TS;
      return cached;
    } catch (err) {
      loadError = (err as Error).message;
    }
  }
  cached = null;
  return cached;
}

export function typeScriptStatus(): { available: boolean; detail: string } {
  const ts = loadTypeScript();
  return ts ? { available: true, detail: `typescript ${ts.version}` } : { available: false, detail: `typescript could not be loaded: ${loadError || 'not found'}` };
}

const TS_EXT = /\.(ts|tsx|mts|cts)$/i;
const JS_EXT = /\.(js|jsx|mjs|cjs)$/i;

function compilerOptions(ts: typeof TS, root: string): TS.CompilerOptions {
  const defaults: TS.CompilerOptions = {
    allowJs: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    esModuleInterop: true,
    types: [],
  };
  const file = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
  if (!file || path.dirname(file) !== root) return defaults;
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) return defaults;
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return { ...parsed.options, noEmit: true, allowJs: true, skipLibCheck: true };
}

/** Diagnostics for `files` (root-relative). Files that are not TS/JS are ignored. */
export function typeScriptFindings(root: string, files: readonly string[]): { findings: Finding[]; checked: string[]; unavailable?: string } {
  const targets = files.filter((f) => TS_EXT.test(f) || JS_EXT.test(f)).filter((f) => existsSync(path.join(root, f)));
  if (!targets.length) return { findings: [], checked: [] };
  const ts = loadTypeScript();
  if (!ts) return { findings: [], checked: [], unavailable: typeScriptStatus().detail };
  const options = compilerOptions(ts, root);
  const abs = targets.map((f) => path.join(root, f));
  const host: TS.LanguageServiceHost = {
    getScriptFileNames: () => abs,
    getScriptVersion: (f) => {
      try {
        return String(statSync(f).mtimeMs);
      } catch {
        return '0';
      }
    },
    getScriptSnapshot: (f) => {
      try {
        return ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8'));
      } catch {
        return undefined;
      }
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  const findings: Finding[] = [];
  try {
    for (let i = 0; i < abs.length; i++) {
      const file = abs[i]!;
      const rel = targets[i]!;
      const text = readFileSync(file, 'utf8');
      const semantic = TS_EXT.test(file) || options.checkJs || /^\s*\/\/\s*@ts-check/m.test(text);
      const diags = [...service.getSyntacticDiagnostics(file), ...(semantic ? service.getSemanticDiagnostics(file) : [])];
      for (const d of diags) {
        if (d.category !== ts.DiagnosticCategory.Error && d.category !== ts.DiagnosticCategory.Warning) continue;
        const start = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        const end = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start + (d.length ?? 0)) : undefined;
        findings.push({
          source: 'typescript',
          severity: d.category === ts.DiagnosticCategory.Error ? 'error' : 'warning',
          message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
          path: rel,
          ...(start ? { line: start.line + 1, column: start.character + 1 } : {}),
          ...(end ? { endLine: end.line + 1, endColumn: end.character + 1 } : {}),
          rule: `TS${d.code}`,
        });
      }
    }
  } finally {
    service.dispose();
  }
  return { findings, checked: targets };
}
