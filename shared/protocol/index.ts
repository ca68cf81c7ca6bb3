/**
 * Every custom method, declared once. The server advertises `methods` in
 * `capabilities.experimental.nootropic` so any client can see what it may call.
 */
import type { AnyNotificationDef, AnyRequestDef } from './method';
import * as plugins from './plugins';
import * as server from './server';

export * from './method';
export * from './errors';
export * from './server';
export * from './plugins';

/** Bumped on any incompatible change to a method's params or result. */
export const PROTOCOL_VERSION = '0.1.0';

export const clientToServerRequests: readonly AnyRequestDef[] = [
  server.Doctor,
  plugins.PluginsList,
  plugins.PluginsRun,
  plugins.PluginsReload,
  plugins.RegistryDescribe,
];
export const serverToClientNotifications: readonly AnyNotificationDef[] = [server.ServerStatus, plugins.PluginsChanged];

export interface NootropicCapabilities {
  version: string;
  protocolVersion: string;
  methods: string[];
  notifications: string[];
}
