/**
 * Consent: `nootropic/trust/get|approve` (workspace settings that would widen egress or code execution, and the
 * user's approval of them), `nootropic/runs/resumable` (interrupted runs offered, never resumed, at start) and
 * `nootropic/runs/discard`.
 */
import { z } from 'zod';
import { notification, request } from './method';
import { RunSummary } from './tasks';

export const WideningSetting = z.object({
  key: z.string(),
  value: z.unknown(),
  why: z.string(),
  /** The file (or editor settings scope) that sets it. */
  source: z.string(),
});

export const TrustInfo = z.object({
  root: z.string().nullable(),
  /** False in restricted mode: nothing from the workspace can widen, approved or not. */
  trusted: z.boolean(),
  settings: z.array(WideningSetting),
  /** Bound to the exact values: approving hash X approves nothing added later. */
  hash: z.string(),
  approved: z.boolean(),
  ignoredBecause: z.string().optional(),
});
export type TrustInfo = z.infer<typeof TrustInfo>;

export const TrustGet = request('nootropic/trust/get', 'client→server', z.object({}).strict(), TrustInfo);

/** Approves the workspace's widening settings whose hash the client showed the user. */
export const TrustApprove = request('nootropic/trust/approve', 'client→server', z.object({ hash: z.string().max(128) }).strict(), TrustInfo);

export const ResumableRun = RunSummary.pick({ runId: true, instruction: true, taskId: true, startedAt: true, iterations: true });

export const UntrustedRun = z.object({ runId: z.string(), reason: z.string() });

/** server→client, once after start: interrupted runs the user may resume (`nootropic/agent/run` with `resume`) or discard. */
export const RunsResumable = notification(
  'nootropic/runs/resumable',
  'server→client',
  z.object({ runs: z.array(ResumableRun), untrusted: z.array(UntrustedRun) }),
);

/** Marks an interrupted run stopped, so it is no longer offered. */
export const RunsDiscard = request('nootropic/runs/discard', 'client→server', z.object({ runId: z.string().max(64) }).strict(), z.object({ runId: z.string(), status: z.string() }));
