/**
 * Layered configuration: defaults < user file < workspace `.nootropic/config.yaml` < editor settings /
 * initializationOptions < NOOTROPIC_* env < CLI flags. Pure: callers read files and env, this merges and
 * validates. A bad value is dropped from the layer that set it and reported with that layer's name, so one
 * typo never takes the whole configuration down.
 */
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema';

export const LAYER_ORDER = ['user', 'workspace', 'editor', 'env', 'cli'] as const;
export type LayerName = (typeof LAYER_ORDER)[number];

export interface ConfigLayer {
  name: LayerName;
  /** Where it came from, for messages (a file path, "initializationOptions", "environment"). */
  origin?: string;
  values?: Record<string, unknown>;
  /** The layer could not be read at all (e.g. YAML syntax error); it contributes nothing. */
  error?: string;
  /** Values the layer's reader already rejected (the rest of the layer still applies). */
  problems?: string[];
}

export interface ResolvedConfig {
  config: Config;
  /** One message per problem, naming the layer and the setting. */
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  }
  return out;
}

function getPath(obj: Obj, path: readonly PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[String(key)];
  }
  return cur;
}

function deletePath(obj: Obj, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  const parent = getPath(obj, path.slice(0, -1));
  const last = String(path[path.length - 1]);
  if (!isObj(parent) || !(last in parent)) return false;
  delete parent[last];
  return true;
}

function clone(v: Obj | undefined): Obj {
  return v ? (structuredClone(v) as Obj) : {};
}

function issuePaths(issue: z.core.$ZodIssue): PropertyKey[][] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => [...issue.path, k]);
  return [issue.path];
}

export function resolveConfig(layers: readonly ConfigLayer[]): ResolvedConfig {
  const problems: string[] = [];
  const values = new Map<ConfigLayer, Obj>();
  for (const layer of layers) {
    for (const p of layer.problems ?? []) problems.push(`${layer.name} config (${layer.origin ?? layer.name}): ${p}`);
    if (layer.error) problems.push(`${layer.name} config (${layer.origin ?? layer.name}): ${layer.error}`);
    else if (layer.values !== undefined && !isObj(layer.values))
      problems.push(`${layer.name} config (${layer.origin ?? layer.name}): expected a mapping of settings`);
    else values.set(layer, clone(layer.values));
  }
  const ordered = [...values.keys()].sort((a, b) => LAYER_ORDER.indexOf(a.name) - LAYER_ORDER.indexOf(b.name));

  // Each round removes at least one offending value, so this ends; the bound is a guard against bugs.
  for (let round = 0; round < 50; round++) {
    const merged = ordered.reduce<Obj>((acc, l) => deepMerge(acc, values.get(l)!), {});
    const parsed = ConfigSchema.safeParse(merged);
    if (parsed.success) return { config: parsed.data, problems };
    let removed = false;
    for (const issue of parsed.error.issues) {
      for (const path of issuePaths(issue)) {
        // Blame the highest layer that set this path (or a prefix of it).
        for (let i = ordered.length - 1; i >= 0 && !removed; i--) {
          const layer = ordered[i]!;
          const v = values.get(layer)!;
          for (let len = path.length; len > 0; len--) {
            const p = path.slice(0, len);
            const value = getPath(v, p);
            // A prefix is to blame only when this layer set it to a non-object (`models: "x"`); a layer that merely
            // has other keys under the same parent (env's models.provider) is innocent of models.typo.
            if (value !== undefined && (len === path.length || !isObj(value)) && deletePath(v, p)) {
              const key = p.map(String).join('.');
              const why = issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message;
              problems.push(`${layer.name} config (${layer.origin ?? layer.name}): ${key}: ${why}; using the value from a lower layer`);
              removed = true;
              break;
            }
          }
        }
      }
    }
    if (!removed) break;
  }
  problems.push('configuration could not be validated; using defaults');
  return { config: ConfigSchema.parse({}), problems };
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** NOOTROPIC_* environment variables → a config layer. Unknown booleans are reported, not guessed. */
export function envLayer(env: Record<string, string | undefined>): ConfigLayer {
  const values: Obj = {};
  const models: Obj = {};
  const server: Obj = {};
  const errors: string[] = [];
  if (env.NOOTROPIC_PROVIDER) models.provider = env.NOOTROPIC_PROVIDER;
  if (env.NOOTROPIC_BASE_URL) models.baseUrl = env.NOOTROPIC_BASE_URL;
  if (env.NOOTROPIC_MODEL) models.model = env.NOOTROPIC_MODEL;
  if (env.NOOTROPIC_ALLOW_CLOUD !== undefined) {
    const v = env.NOOTROPIC_ALLOW_CLOUD.trim().toLowerCase();
    if (TRUE.has(v)) models.allowCloud = true;
    else if (FALSE.has(v)) models.allowCloud = false;
    else errors.push(`NOOTROPIC_ALLOW_CLOUD=${env.NOOTROPIC_ALLOW_CLOUD}: expected 1/0, true/false, yes/no`);
  }
  if (env.NOOTROPIC_LOG_LEVEL) server.logLevel = env.NOOTROPIC_LOG_LEVEL;
  if (Object.keys(models).length) values.models = models;
  if (Object.keys(server).length) values.server = server;
  return { name: 'env', origin: 'environment', values, problems: errors };
}
