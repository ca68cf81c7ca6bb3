/**
 * Messages between the server and a plugin host (dist/plugin-host.js, one per plugin, in a child process or,
 * for the benchmark, a worker thread). Both sides parse what they receive: a plugin can corrupt its own
 * host, so the server treats host messages as untrusted input.
 */
import { z } from 'zod';
import { PluginDescription, Registration } from '../../../shared/plugins/manifest';

export const ToHost = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('activate'),
    dir: z.string(),
    main: z.string(),
    name: z.string(),
    capabilities: z.array(z.string()),
    root: z.string().nullable(),
    /** Restricted workspace: writeFile is refused. */
    readOnly: z.boolean(),
    apiVersion: z.string(),
  }),
  z.object({ type: z.literal('run'), id: z.number().int(), command: z.string(), args: z.array(z.string()) }),
]);
export type ToHost = z.infer<typeof ToHost>;

export const FromHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('described'), description: PluginDescription }),
  z.object({ type: z.literal('registered'), registration: Registration }),
  z.object({ type: z.literal('activated') }),
  z.object({ type: z.literal('activate-failed'), error: z.string() }),
  z.object({ type: z.literal('result'), id: z.number().int(), value: z.json() }),
  z.object({ type: z.literal('run-failed'), id: z.number().int(), error: z.string() }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['error', 'warn', 'info', 'debug']),
    msg: z.string(),
    fields: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ type: z.literal('exit-called'), code: z.number().nullable() }),
  z.object({ type: z.literal('uncaught'), error: z.string() }),
  /** The host process is up and listening: the activate timeout counts from here, not from Node's start. */
  z.object({ type: z.literal('ready') }),
]);

/** Prefix of a host's last word on stderr (exit-called, uncaught), written synchronously before it ends. */
export const HOST_MARK = '\u0001nootropic-host:';
export type FromHost = z.infer<typeof FromHost>;
