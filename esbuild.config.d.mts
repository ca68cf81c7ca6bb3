import type { BuildOptions, Plugin } from 'esbuild';

export function vscodeImportGuard(allowedDir: string | null): Plugin;
export function zodLocalesStub(): Plugin;
export function shippedGrammars(): string[];
export interface ImportRule {
  from: string;
  allow?: string[];
  deny?: string[];
  why: string;
}
export const IMPORT_RULES: ImportRule[];
export function importViolation(importer: string, target: string): string | null;
export function resolveSource(abs: string): string;
export function layerGuard(base?: string): Plugin;
export function buildOptions(opts: { production: boolean }): Record<'extension' | 'server' | 'plugins' | 'webviews', BuildOptions>;
