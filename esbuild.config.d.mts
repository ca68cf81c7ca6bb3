import type { BuildOptions, Plugin } from 'esbuild';

export function vscodeImportGuard(allowedDir: string | null): Plugin;
export function zodLocalesStub(): Plugin;
export function shippedGrammars(): string[];
export function buildOptions(opts: { production: boolean }): Record<'extension' | 'server' | 'plugins' | 'webviews', BuildOptions>;
