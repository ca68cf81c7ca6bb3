/**
 * Consent at the trust boundary:
 *  - `nootropic/trust/get|approve`: workspace settings that would widen egress or code execution, ignored until
 *    the user approves exactly those values (remembered outside the workspace); never applied in restricted mode.
 *  - Interrupted runs are offered at start (`nootropic/runs/resumable`, status, doctor), never resumed unasked;
 *    a run header this machine did not sign is reported and ignored. `nootropic/runs/discard` drops an offer.
 */
import { NootropicErrorCodes, RunsDiscard, RunsResumable, TrustApprove, TrustGet, type TrustInfo } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { RpcError } from '../rpc/registry';
import { listRuns, readRun, RunLog } from '../workflow/run-log';

type Ctx = Pick<ServerContext, 'rpc' | 'config' | 'log' | 'status'>;

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

  let warned = '';
  const report = () => {
    const w = ctx.config.widening;
    if (w.approved) {
      ctx.status.set('trust', []);
      return;
    }
    const keys = w.values.map((v) => v.key).join(', ');
    const how = ctx.config.workspaceTrusted ? ' (review and approve with `nootropic trust`)' : '';
    ctx.status.set('trust', [`workspace settings ignored (${w.ignoredBecause}): ${keys}${how}`]);
    if (warned !== w.hash) {
      warned = w.hash;
      ctx.log.warn('workspace settings that widen egress or code execution are ignored', { settings: keys, reason: w.ignoredBecause });
    }
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

  // What runs are offered (signed, interrupted) and which are ignored (not signed here); status and doctor say so.
  const refreshRuns = async (root: string, notify: boolean) => {
    const runs = await listRuns(root);
    const untrusted = runs
      .filter((r) => !r.signed && (r.status === 'interrupted' || r.status === 'running'))
      .map((r) => ({ runId: r.runId, reason: 'run.json not signed on this machine for this workspace (e.g. committed to the repository): ignored' }));
    const offer = !ctx.config.workspaceTrusted || !ctx.config.config.agents.resumeOnStart
      ? []
      : runs
          .filter((r) => r.signed && r.status === 'interrupted')
          .map((r) => ({ runId: r.runId, ...(r.instruction ? { instruction: r.instruction } : {}), ...(r.taskId ? { taskId: r.taskId } : {}), startedAt: r.startedAt, iterations: r.iterations }));
    ctx.status.set('runs', [
      ...untrusted.map((u) => `run ${u.runId}: ${u.reason}`),
      ...offer.map((r) => `run ${r.runId} was interrupted: resume it (\`nootropic run --resume ${r.runId}\`) or discard it`),
    ]);
    if (!notify) return;
    for (const u of untrusted) ctx.log.warn('ignored a run this machine did not start', { runId: u.runId });
    if (offer.length) ctx.log.info('interrupted runs can be resumed (offered, not started)', { runs: offer.map((r) => r.runId) });
    if (offer.length || untrusted.length) ctx.rpc.send(RunsResumable, { runs: offer, untrusted });
  };

  // Offer interrupted runs once the workspace is known (the first config resolution after initialize).
  let offered = false;
  ctx.config.onChange(() => {
    const root = ctx.config.workspaceRoot;
    if (offered || !root) return;
    offered = true;
    refreshRuns(root, true).catch((err: unknown) => ctx.log.warn('could not list interrupted runs', { error: String(err) }));
  });

  ctx.rpc.request(RunsDiscard, async (params) => {
    const root = ctx.config.workspaceRoot;
    if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open');
    let current;
    try {
      current = await readRun(root, params.runId);
    } catch (err) {
      throw new RpcError(NootropicErrorCodes.InvalidParams, (err as Error).message);
    }
    if (!current.signed) throw new RpcError(NootropicErrorCodes.InvalidParams, `run ${params.runId} was not started on this machine for this workspace; it is already ignored (delete its folder to remove it)`);
    if (current.meta.status !== 'interrupted') throw new RpcError(NootropicErrorCodes.InvalidParams, `run ${params.runId} is ${current.meta.status}, not interrupted`);
    const log = await RunLog.open(root, params.runId);
    await log.finish('stopped', 'discarded by the user');
    await refreshRuns(root, false);
    return { runId: params.runId, status: 'stopped' };
  });
}
