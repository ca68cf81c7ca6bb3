/**
 * Consent at the trust boundary:
 *  - `nootropic/trust/get|approve`: workspace settings that would widen egress or code execution, ignored until
 *    the user approves exactly those values (remembered outside the workspace); never applied in restricted mode.
 *  - Interrupted runs are offered at start (`nootropic/runs/resumable`, status, doctor; the agents service,
 *    agents/service.ts), never resumed unasked; a run header this machine did not sign is reported and ignored.
 *    `nootropic/runs/discard` drops an offer.
 */
import { NootropicErrorCodes, RunsDiscard, TrustApprove, TrustGet, type TrustInfo } from '../../../shared/protocol';
import { RunDiscardError } from '../agents/service';
import type { ServerContext } from '../context';
import { RpcError } from '../rpc/registry';

type Ctx = Pick<ServerContext, 'rpc' | 'config' | 'log' | 'status' | 'agents'>;

export function register(ctx: Ctx): void {
  const info = (): TrustInfo => {
    const w = ctx.config.widening;
    return {
      root: ctx.config.workspaceRoot,
      trusted: ctx.config.workspaceTrusted,
      settings: w.values.map((v) => ({ key: v.key, value: v.value, why: v.why, source: v.source })),
      hash: w.hash,
      approved: w.approved,
      ...(w.ignoredBecause ? { ignoredBecause: w.ignoredBecause } : {}),
    };
  };

  // The store warns in the log once per set of ignored values; status shows them for as long as they are ignored.
  const report = () => {
    const w = ctx.config.widening;
    if (w.approved) {
      ctx.status.set('trust', []);
      return;
    }
    const keys = w.values.map((v) => v.key).join(', ');
    const how = ctx.config.workspaceTrusted ? ' (review and approve with `nootropic trust`)' : '';
    ctx.status.set('trust', [`workspace settings ignored (${w.ignoredBecause}): ${keys}${how}`]);
  };
  ctx.config.onChange(report);

  ctx.rpc.request(TrustGet, async () => info());
  ctx.rpc.request(TrustApprove, async (params) => {
    const current = ctx.config.widening;
    if (!ctx.config.workspaceRoot) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open');
    if (!ctx.config.workspaceTrusted) throw new RpcError(NootropicErrorCodes.Restricted, 'restricted mode: workspace settings cannot widen anything in an untrusted workspace');
    if (params.hash !== current.hash) throw new RpcError(NootropicErrorCodes.InvalidParams, 'the workspace settings changed since they were listed: review them again (`nootropic trust`)');
    if (current.values.length) ctx.config.approveWidening();
    ctx.log.info('workspace settings approved', { settings: current.values.map((v) => v.key) });
    report();
    return info();
  });

  ctx.rpc.request(RunsDiscard, async (params) => {
    const root = ctx.config.workspaceRoot;
    if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open');
    try {
      return await ctx.agents.discard(root, params.runId);
    } catch (err) {
      if (err instanceof RunDiscardError) throw new RpcError(NootropicErrorCodes.InvalidParams, err.message);
      throw err;
    }
  });
}
