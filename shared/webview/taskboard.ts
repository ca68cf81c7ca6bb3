/** Messages between the extension and the task board webview. */
import { z } from 'zod';
import { TaskNode, TaskProgress } from '../protocol/tasks';

/** A card: the protocol's task plus what the board saw of it live. */
export const BoardTask = TaskNode.extend({
  /** The latest step seen for this task (live, from nootropic/agent/progress). */
  lastStep: z.string().optional(),
  runId: z.string().optional(),
});
export type BoardTask = z.infer<typeof BoardTask>;

export const ToBoardWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('loading') }),
  z.object({
    type: z.literal('board'),
    name: z.string(),
    tasks: z.array(BoardTask),
    progress: TaskProgress.pick({ done: true, remaining: true, failed: true }).optional(),
    running: z.array(z.string()),
    canRun: z.boolean(),
    note: z.string().optional(),
  }),
  z.object({ type: z.literal('empty'), message: z.string() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ToBoardWebview = z.infer<typeof ToBoardWebview>;

export const FromBoardWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('run'), taskId: z.string().optional() }),
  z.object({ type: z.literal('stop'), taskId: z.string().optional() }),
  z.object({ type: z.literal('retry'), taskId: z.string() }),
  z.object({ type: z.literal('openTask'), taskId: z.string() }),
  z.object({ type: z.literal('openTrace'), taskId: z.string() }),
  z.object({ type: z.literal('openEdits'), taskId: z.string() }),
  z.object({ type: z.literal('plan') }),
]);
export type FromBoardWebview = z.infer<typeof FromBoardWebview>;
