/**
 * A plugin's package.json (the `nootropic` field) and what its `describe()` returns. Parsed with zod on
 * receipt: a manifest that does not parse is refused with the field to fix, never half-loaded.
 */
import { z } from 'zod';

/** The kinds of capability a plugin may add; each has a `register*` call on the plugin api. */
export const CAPABILITY_KINDS = ['commands', 'contextProviders', 'criticRules', 'modelProviders', 'agents'] as const;
export type CapabilityKind = (typeof CAPABILITY_KINDS)[number];

/** npm-style names: lowercase, digits, `-`, `_`, `.`; an optional `@scope/`. Also the command namespace. */
export const PluginName = z
  .string()
  .min(1)
  .max(214)
  .regex(/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/, 'must be an npm-style package name (lowercase letters, digits, - _ .)');

/** Command names as typed after `/` in chat or `nootropic plugins run`: no spaces, no slashes. */
export const CommandName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/, 'must start with a letter and contain only letters, digits, - and _');

export const SemverVersion = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'must be a semver version like 1.2.3');

export const PluginManifest = z.object({
  name: PluginName,
  version: SemverVersion,
  /** Entry module, relative to the plugin folder; CommonJS or ESM (.mjs, or "type": "module"). */
  main: z.string().min(1).default('index.js'),
  description: z.string().optional(),
  type: z.enum(['module', 'commonjs']).optional(),
  /** Other plugins this one needs (name → semver range); recorded in the registry, not installed. */
  dependencies: z.record(z.string(), z.string()).optional(),
  nootropic: z
    .object({
      /** Semver range of the plugin API this plugin was written for, e.g. "^1.0.0". */
      apiVersion: z.string().min(1),
      capabilities: z.array(z.enum(CAPABILITY_KINDS)).min(1),
    })
    .strict(),
});
export type PluginManifest = z.output<typeof PluginManifest>;

export const CommandDescription = z
  .object({
    name: CommandName,
    description: z.string().max(500).default(''),
    /** One-line usage of the arguments, e.g. "[TODO|FIXME ...]". */
    usage: z.string().max(200).optional(),
  })
  .strict();
export type CommandDescription = z.output<typeof CommandDescription>;

/** What a plugin module's `describe()` returns. */
export const PluginDescription = z
  .object({
    name: PluginName,
    version: SemverVersion,
    capabilities: z.array(z.enum(CAPABILITY_KINDS)).optional(),
    commands: z.array(CommandDescription).default([]),
  })
  .strict();
export type PluginDescription = z.output<typeof PluginDescription>;

export const ContextProviderDecl = z
  .object({ name: CommandName, description: z.string().max(500).default('') })
  .strict();

export const CriticRule = z
  .object({
    id: z.string().min(1).max(100),
    message: z.string().min(1).max(500),
    severity: z.enum(['error', 'warning', 'info']).default('warning'),
    /** A JavaScript regular expression (source), matched per line. */
    pattern: z.string().min(1).max(1000).refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
    languages: z.array(z.string()).optional(),
  })
  .strict();

export const CriticRulePackDecl = z
  .object({ name: CommandName, description: z.string().max(500).default(''), rules: z.array(CriticRule).min(1).max(500) })
  .strict();

export const ModelProviderDecl = z
  .object({
    name: CommandName,
    description: z.string().max(500).default(''),
    /** Which wire protocol the provider speaks; the built-in adapters are reused. */
    protocol: z.enum(['ollama', 'openai']),
    baseUrl: z.string().url(),
    models: z.array(z.string()).default([]),
  })
  .strict();

export const AgentDecl = z
  .object({
    name: CommandName,
    description: z.string().max(500).default(''),
    /** Tools (commands, MCP tools) the agent expects to use. */
    tools: z.array(z.string()).default([]),
  })
  .strict();

/** A registration as the server records it: one per `register*` call. */
export const Registration = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('commands'), decl: CommandDescription }),
  z.object({ kind: z.literal('contextProviders'), decl: ContextProviderDecl }),
  z.object({ kind: z.literal('criticRules'), decl: CriticRulePackDecl }),
  z.object({ kind: z.literal('modelProviders'), decl: ModelProviderDecl }),
  z.object({ kind: z.literal('agents'), decl: AgentDecl }),
]);
export type Registration = z.output<typeof Registration>;
