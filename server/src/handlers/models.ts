/** `nootropic/models/list`: configured models per role (probed), discovered models, hardware, recommendation. */
import { ModelsList } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { buildModelsReport } from '../models/models-report';
import { abortSignalFor } from '../rpc/registry';

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'models'>): void {
  ctx.rpc.request(ModelsList, async (params, token) => {
    const config = ctx.config.config.models;
    return buildModelsReport(ctx.models, {
      ownRoles: (role) => config.roles[role].length > 0,
      timeoutMs: params.timeoutMs ?? config.probeTimeoutMs,
      signal: abortSignalFor(token),
    });
  });
}
