/**
 * Reading config files into layers. A YAML syntax error becomes a layer error with file:line:column, so the
 * person sees exactly where to look; a missing file is simply absent.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ConfigLayer, LayerName } from '../../../shared/config/layers';

export type FileLayerStatus = 'loaded' | 'absent' | 'error';

export function userConfigPath(env: Record<string, string | undefined> = process.env): string {
  if (env.NOOTROPIC_USER_CONFIG) return env.NOOTROPIC_USER_CONFIG;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'nootropic', 'config.yaml');
}

export function workspaceConfigPath(root: string): string {
  return path.join(root, '.nootropic', 'config.yaml');
}

export function readYamlLayer(name: LayerName, file: string): { layer: ConfigLayer; status: FileLayerStatus } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { layer: { name, origin: file }, status: 'absent' };
    return { layer: { name, origin: file, error: `cannot read: ${(err as Error).message}` }, status: 'error' };
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `${e.linePos[0].line}:${e.linePos[0].col}` : '?';
    return { layer: { name, origin: file, error: `YAML error at ${file}:${where}: ${e.message.split('\n')[0]}` }, status: 'error' };
  }
  const values: unknown = doc.toJS() ?? {};
  if (typeof values !== 'object' || Array.isArray(values) || values === null) {
    return { layer: { name, origin: file, error: `${file}: expected a mapping of settings at the top level` }, status: 'error' };
  }
  return { layer: { name, origin: file, values: values as Record<string, unknown> }, status: 'loaded' };
}
