/**
 * Inline completion's own methods. The completions themselves are standard LSP (`textDocument/inlineCompletion`,
 * and `textDocument/completion` for editors without inline completion); these carry what LSP has no word for:
 * the person's verdict on a completion (for the feedback export) and what the completion is served by.
 */
import { z } from 'zod';
import { PROVIDERS, ROLES } from '../config/schema';
import { LIMITS, request } from './method';

/** The command an inline completion item carries: the editor runs it when the person accepts the item. */
export const COMPLETION_ACCEPTED_COMMAND = 'nootropic.completion.accepted';

/** client→server: the person accepted (Tab) or rejected (dismissed, typed over) a completion. */
export const CompletionFeedback = request(
  'nootropic/completion/feedback',
  'client→server',
  z
    .object({
      /** The id from the item's `command.arguments[0]`. */
      id: z.string().min(1).max(LIMITS.id),
      verdict: z.enum(['accept', 'reject']),
    })
    .strict(),
  z.object({ recorded: z.boolean() }),
);

export const CompletionEndpoint = z.object({
  role: z.enum(ROLES),
  label: z.string(),
  provider: z.enum(PROVIDERS),
  baseUrl: z.string(),
  model: z.string(),
});

export const CompletionInfoResult = z.object({
  enabled: z.boolean(),
  /** False when the language is in `nootropic.completion.disabledLanguages` (or completion is off). */
  languageEnabled: z.boolean(),
  /** The endpoint completions go to first; null when none is configured. */
  endpoint: CompletionEndpoint.nullable(),
  /** No `completion` role is configured: the chat endpoint and model serve completions. */
  fallbackToChat: z.boolean(),
  protocol: z.string().nullable(),
  template: z.string(),
  /** Why completions cannot be served (e.g. cloud refused, no FIM for the provider); absent when they can. */
  problem: z.string().optional(),
  stats: z.object({
    served: z.number().int(),
    cached: z.number().int(),
    cancelled: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    lastMs: z.number().optional(),
  }),
});
export type CompletionInfoResult = z.infer<typeof CompletionInfoResult>;

/** client→server: how completions are served now (the status bar's tooltip, `nootropic doctor`). */
export const CompletionInfo = request(
  'nootropic/completion/info',
  'client→server',
  z.object({ languageId: z.string().max(LIMITS.id).optional() }).strict(),
  CompletionInfoResult,
);
