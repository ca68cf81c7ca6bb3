/**
 * Every custom method, declared once, in one of the three lists below: what a client may call, what the server
 * asks a client, what the server tells it. The server advertises `methods` in
 * `capabilities.experimental.nootropic` so any client can see what it may call. The lists are tuples, so a client
 * can be typed to take only their members (extension/server-api.ts): a method missing here does not compile there.
 */
import type { AnyNotificationDef, AnyRequestDef, Direction } from './method';
import * as agents from './agents';
import * as chat from './chat';
import * as completion from './completion';
import * as edits from './edits';
import * as models from './models';
import * as plugins from './plugins';
import * as search from './search';
import * as server from './server';
import * as traces from './traces';
import * as trust from './trust';

export * from './method';
export * from './errors';
export * from './search';
export * from './server';
export * from './traces';
export * from './models';
export * from './chat';
export * from './completion';
export * from './plugins';
export * from './agents';
export * from './tasks';
export * from './edits';
export * from './trust';

/** Bumped on any incompatible change to a method's params or result. */
export const PROTOCOL_VERSION = '0.1.0';

export const clientToServerRequests = [
  server.Doctor,
  traces.TracesList,
  search.IndexBuild,
  search.IndexInfo,
  search.Search,
  models.ModelsList,
  models.ChatSend,
  chat.ChatCommands,
  plugins.PluginsList,
  plugins.PluginsRun,
  plugins.PluginsReload,
  plugins.PluginsApprove,
  plugins.RegistryDescribe,
  agents.AgentPlan,
  agents.AgentRun,
  agents.RunsList,
  agents.RunsGet,
  agents.TasksGraph,
  agents.AgentFeedback,
  agents.FeedbackExport,
  edits.EditPreview,
  edits.EditApply,
  trust.TrustGet,
  trust.TrustApprove,
  trust.RunsDiscard,
  completion.CompletionFeedback,
  completion.CompletionInfo,
] as const satisfies readonly AnyRequestDef[];

/** Requests the server sends a client (the person decides; a client that cannot ask answers "no"). */
export const serverToClientRequests = [agents.AgentApprove] as const satisfies readonly AnyRequestDef[];

export const serverToClientNotifications = [
  server.ServerStatus,
  search.IndexStatus,
  models.ChatDelta,
  plugins.PluginsChanged,
  agents.AgentProgress,
  trust.RunsResumable,
] as const satisfies readonly AnyNotificationDef[];

export type ClientRequest = (typeof clientToServerRequests)[number];
export type ServerRequest = (typeof serverToClientRequests)[number];
export type ServerNotification = (typeof serverToClientNotifications)[number];

/** Every declaration with the direction it travels in (the registry and the protocol tests read this). */
export const allDefinitions: ReadonlyArray<{ readonly method: string; readonly kind: 'request' | 'notification'; readonly direction: Direction }> = [
  ...clientToServerRequests,
  ...serverToClientRequests,
  ...serverToClientNotifications,
];

export interface NootropicCapabilities {
  version: string;
  protocolVersion: string;
  methods: string[];
  notifications: string[];
}
