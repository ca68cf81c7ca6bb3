/** `nootropic/traces/list`: spans from the local span store (the trace viewer's and `nootropic traces`' source). */
import { TracesList } from '../../../shared/protocol';
import type { ServerContext } from '../context';

export function register(ctx: Pick<ServerContext, 'rpc' | 'telemetry' | 'config'>): void {
  ctx.config.onChange((config) => ctx.telemetry.configure(ctx.config.workspaceRoot, config.telemetry));
  ctx.rpc.request(TracesList, async (params) => {
    await ctx.telemetry.flush();
    return { spans: ctx.telemetry.store.read({ limit: params.limit, ...(params.traceId ? { traceId: params.traceId } : {}) }), persisted: ctx.telemetry.store.persisted };
  });
}
