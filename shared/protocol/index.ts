/**
 * Every custom method, declared once. The server advertises `methods` in
 * `capabilities.experimental.nootropic` so any client can see what it may call.
 */
import type { AnyNotificationDef, AnyRequestDef } from './method';
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
export * from './edits';
export * from './trust';

/** Bumped on any incompatible change to a method's params or result. */
export const PROTOCOL_VERSION = '0.1.0';

export const clientToServerRequests: readonly AnyRequestDef[] = [
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
];
export const serverToClientNotifications: readonly AnyNotificationDef[] = [
  server.ServerStatus,
  search.IndexStatus,
  models.ChatDelta,
  plugins.PluginsChanged,
  agents.AgentProgress,
  trust.RunsResumable,
];

export interface NootropicCapabilities {
  version: string;
  protocolVersion: string;
  methods: string[];
  notifications: string[];
}
