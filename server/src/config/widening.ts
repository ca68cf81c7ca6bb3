/**
 * Repository files can narrow, never widen. A workspace file (`.nootropic/config.yaml`, `.vscode/settings.json`)
 * may set any setting, but the ones that send data off the machine or run code count only once the user
 * approved them for that workspace (`nootropic trust`), and never in restricted mode. This module finds those
 * values in a layer and takes them out; the store decides whether they go back in.
 */
import { createHash } from 'node:crypto';
import { ROLES } from '../../../shared/config/schema';
import { isLiteralLoopback } from '../security/endpoint-policy';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface WideningValue {
  /** Dotted setting path, e.g. `telemetry.otlpEndpoint`. */
  key: string;
  value: unknown;
  /** What it would allow, in words. */
  why: string;
}

function remoteUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v === '') return false;
  try {
    // Only a literal loopback address or `localhost` is plainly local; any other name could resolve anywhere.
    return !isLiteralLoopback(new URL(v).hostname);
  } catch {
    return false; // an invalid URL is the schema's problem, and it is dropped there
  }
}

interface Rule {
  key: string;
  widens: (v: unknown) => boolean;
  why: string;
}

export const WIDENING_RULES: readonly Rule[] = [
  { key: 'models.allowCloud', widens: (v) => v === true, why: 'sends code to non-loopback model endpoints' },
  { key: 'models.baseUrl', widens: remoteUrl, why: 'points the model (and the API key sent with it) at another machine' },
  // Every role, the one list: a role added later (completion was) is guarded the day it exists.
  ...ROLES.map((r) => ({
    key: `models.roles.${r}`,
    widens: (v: unknown) => Array.isArray(v) && v.some((e) => isObj(e) && remoteUrl(e.baseUrl)),
    why: `points the ${r} role at another machine`,
  })),
  { key: 'embeddings.baseUrl', widens: remoteUrl, why: 'sends code to a non-loopback embedding endpoint' },
  { key: 'telemetry.otlpEndpoint', widens: remoteUrl, why: 'exports traces (model, prompts sizes, errors) to another machine' },
  { key: 'agents.allowCommands', widens: (v) => Array.isArray(v) && v.length > 0, why: 'lets agents run these commands without asking' },
  { key: 'agents.resumeOnStart', widens: (v) => v === true, why: 'offers to resume interrupted agent runs at start' },
  { key: 'plugins.enabled', widens: (v) => v === true, why: 'loads plugins (code) from the workspace' },
  { key: 'plugins.mcpServers', widens: (v) => Array.isArray(v) && v.length > 0, why: 'starts these programs as MCP servers' },
];

function getPath(obj: Obj, key: string): unknown {
  let cur: unknown = obj;
  for (const k of key.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function deletePath(obj: Obj, key: string): void {
  const parts = key.split('.');
  const parent = getPath(obj, parts.slice(0, -1).join('.'));
  if (isObj(parent)) delete parent[parts[parts.length - 1]!];
}

/** The widening values a layer sets (none for a layer that is not an object). */
export function wideningValues(values: unknown): WideningValue[] {
  if (!isObj(values)) return [];
  const out: WideningValue[] = [];
  for (const rule of WIDENING_RULES) {
    const v = rule.key.split('.').length === 1 ? values[rule.key] : getPath(values, rule.key);
    if (v !== undefined && rule.widens(v)) out.push({ key: rule.key, value: v, why: rule.why });
  }
  return out;
}

/** A copy of `values` without the given keys. */
export function withoutKeys(values: Obj, keys: readonly string[]): Obj {
  const copy = structuredClone(values);
  for (const k of keys) deletePath(copy, k);
  return copy;
}

/** The hash an approval is bound to: any change to a widening value (or a new one) needs a new approval. */
export function wideningHash(values: readonly WideningValue[]): string {
  const canonical = [...values].sort((a, b) => a.key.localeCompare(b.key)).map((v) => [v.key, v.value]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
