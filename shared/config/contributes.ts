/**
 * Derives VS Code's `contributes.configuration` from the config schema, so package.json never drifts from
 * what the server accepts. `scripts/gen-settings.mjs` writes it; `test/unit/config-contributes.test.ts` checks it.
 */
import { z } from 'zod';
import { ConfigSchema } from './schema';

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  format?: string;
  restartRequired?: boolean;
  restricted?: boolean;
  items?: JsonSchemaNode;
  [key: string]: unknown;
}

export interface SettingContribution {
  type: string;
  default: unknown;
  markdownDescription: string;
  scope: 'resource' | 'window' | 'application' | 'machine' | 'machine-overridable' | 'language-overridable';
  enum?: unknown[];
  items?: Record<string, unknown>;
  minimum?: number;
  maximum?: number;
  format?: string;
  /** VS Code ignores workspace values of this setting in an untrusted workspace (and nootropic until approved). */
  restricted?: boolean;
}

export interface ConfigurationContribution {
  title: string;
  properties: Record<string, SettingContribution>;
}

/**
 * Settings that describe this machine rather than a project. `machine`: only the machine knows (hardware, a local
 * port): workspace settings cannot set them. `machine-overridable`: where the models run and how loudly the server
 * logs are per machine, but a workspace may still pick its own. Everything else is `resource` (per folder).
 */
const SCOPES: Record<string, SettingContribution['scope']> = {
  'models.provider': 'machine-overridable',
  'models.baseUrl': 'machine-overridable',
  'models.model': 'machine-overridable', // for llamacpp, a GGUF path on this machine
  'models.roles.chat': 'machine-overridable',
  'models.roles.edit': 'machine-overridable',
  'models.roles.plan': 'machine-overridable',
  'models.roles.embed': 'machine-overridable',
  'models.llamacpp.threads': 'machine',
  'models.llamacpp.gpu': 'machine',
  'embeddings.provider': 'machine-overridable',
  'embeddings.model': 'machine-overridable', // a local model folder or .gguf path
  'embeddings.baseUrl': 'machine-overridable',
  'telemetry.otlpEndpoint': 'machine-overridable',
  'telemetry.prometheusPort': 'machine',
  'server.logLevel': 'machine-overridable',
  // Per language (`"[css]": { … }`): off by default where VS Code's own extensions check syntax (configurationDefaults).
  'diagnostics.syntax.enabled': 'language-overridable',
};

/**
 * Languages whose syntax errors VS Code's built-in extensions report (the TypeScript server for TS/JS, the CSS
 * language service): nootropic's own syntax diagnostics default to off there (extension/syntax-languages.ts decides,
 * honouring what the user set). Other editors get every language.
 */
export const VSCODE_CHECKED_LANGUAGES = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'css'] as const;

/** VS Code's `contributes.configurationDefaults`: the per-language defaults above. */
export function configurationDefaultsContribution(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(VSCODE_CHECKED_LANGUAGES.map((l) => [`[${l}]`, { 'nootropic.diagnostics.syntax.enabled': false }]));
}

/** An array's item schema as VS Code reads it: JSON Schema without zod's `$schema`/meta extras. */
function itemSchema(node: JsonSchemaNode): Record<string, unknown> {
  const { restartRequired: _r, $schema: _s, ...rest } = node;
  const out: Record<string, unknown> = { ...rest };
  if (rest.properties) out.properties = Object.fromEntries(Object.entries(rest.properties).map(([k, v]) => [k, itemSchema(v)]));
  if (rest.items) out.items = itemSchema(rest.items);
  return out;
}

function flatten(node: JsonSchemaNode, prefix: string, out: Record<string, SettingContribution>): void {
  if (node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  const restart = node.restartRequired ? ' Takes effect after `nootropic: Restart Server`.' : '';
  const entry: SettingContribution = {
    type: Array.isArray(node.type) ? node.type[0]! : (node.type ?? 'string'),
    default: node.default,
    markdownDescription: `${node.description ?? ''}${restart}`,
    scope: SCOPES[prefix] ?? 'resource',
  };
  // Every array says what it holds, so the Settings UI can show and validate it.
  if (entry.type === 'array') entry.items = node.items ? itemSchema(node.items) : {};
  if (node.enum) entry.enum = node.enum;
  if (node.type === 'integer') entry.type = 'integer';
  if (node.minimum !== undefined) entry.minimum = node.minimum;
  if (node.maximum !== undefined) entry.maximum = node.maximum;
  if (node.format) entry.format = node.format;
  if (node.restricted) entry.restricted = true;
  out[`nootropic.${prefix}`] = entry;
}

export function configurationContribution(): ConfigurationContribution {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const properties: Record<string, SettingContribution> = {};
  flatten(schema, '', properties);
  return { title: 'nootropic', properties };
}
