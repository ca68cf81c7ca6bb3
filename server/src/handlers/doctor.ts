/** `nootropic/doctor`, and the same probes in the background (the health probe service) so the status bar tells the truth too. */
import { Doctor } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { buildDoctorReport } from '../doctor/report';
import { abortSignalFor } from '../rpc/registry';

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'info' | 'status' | 'index' | 'models' | 'retriever' | 'secrets' | 'health'>): void {
  ctx.rpc.request(Doctor, async (params, token) => buildDoctorReport(ctx, abortSignalFor(token), params.timeoutMs, true));
  // At startup (the first configuration) and whenever the configuration changes.
  ctx.config.onChange(() => ctx.health.schedule());
}
