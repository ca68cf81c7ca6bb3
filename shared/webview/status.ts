/** Messages between the extension and the status panel webview, one typed map per direction. */
import { z } from 'zod';
import { DoctorReport } from '../protocol/server';

export const ToStatusWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('loading') }),
  z.object({ type: z.literal('report'), report: DoctorReport }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ToStatusWebview = z.infer<typeof ToStatusWebview>;

export const FromStatusWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('restartServer') }),
]);
export type FromStatusWebview = z.infer<typeof FromStatusWebview>;

/** The report the status panel renders (webviews import shared/webview/ only). */
export { DoctorReport };
