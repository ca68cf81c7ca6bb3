/** `nootropic/traces/list`: spans from the local span store (the trace viewer's and `nootropic traces`' source). */
import { TracesList } from '../../../shared/protocol';
import type { ServerContext } from '../context';

export function register(ctx: Pick<ServerContext, 'rpc' | 'telemetry' | 'config' | 'status'>): void {
  ctx.config.onChange((config) => {
    void ctx.telemetry.configure(ctx.config.workspaceRoot, config.telemetry, config.models.allowCloud).then((refused) => ctx.status.set('telemetry', refused ? [refused] : []));
  });
  ctx.rpc.request(TracesList, async (params) => {
    await ctx.telemetry.flush();
    return { spans: ctx.telemetry.store.read({ limit: params.limit, ...(params.traceId ? { traceId: params.traceId } : {}) }), persisted: ctx.telemetry.store.persisted };
  });
}
