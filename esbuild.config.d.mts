import type { BuildOptions, Plugin } from 'esbuild';

export function vscodeImportGuard(allowedDir: string | null): Plugin;
export function zodLocalesStub(): Plugin;
/** dist/lazy/<file>.js → the packages it bundles (loaded by the server on first use). */
export const LAZY_PACKAGES: Record<string, string[]>;
export function lazyPackages(): Plugin;
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
export function buildOptions(opts: { production: boolean }): Record<'extension' | 'server' | 'lazy' | 'plugins' | 'webviews', BuildOptions>;
