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
}

export interface SettingContribution {
  type: string;
  default: unknown;
  markdownDescription: string;
  scope: 'resource' | 'window' | 'application' | 'machine';
  enum?: unknown[];
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
    scope: 'resource',
  };
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
