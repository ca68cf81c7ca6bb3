/** Messages between the extension and the chat view webview, one typed map per direction. */
import { z } from 'zod';

export const SearchHitView = z.object({ path: z.string(), startLine: z.number(), endLine: z.number(), symbol: z.string(), score: z.number(), preview: z.string() });
export type SearchHitView = z.infer<typeof SearchHitView>;

/** One piece of context the model was shown (or left out), for the user to inspect. */
export const ContextItem = z.object({ label: z.string(), detail: z.string().optional(), dropped: z.boolean().optional() });
export type ContextItem = z.infer<typeof ContextItem>;

export const ProposalView = z.object({
  id: z.string(),
  files: z.array(z.object({ path: z.string(), change: z.enum(['modify', 'create', 'delete']), state: z.enum(['pending', 'accepted', 'rejected']) })),
});
export type ProposalView = z.infer<typeof ProposalView>;

export const Turn = z.object({
  id: z.string(),
  /** What the user typed, verbatim. */
  user: z.string(),
  command: z.string().optional(),
  /** The answer so far, markdown. */
  answer: z.string(),
  status: z.enum(['streaming', 'done', 'error', 'stopped']),
  error: z.string().optional(),
  model: z.string().optional(),
  context: z.array(ContextItem).optional(),
  hits: z.array(SearchHitView).optional(),
  proposal: ProposalView.optional(),
  /** Extra actions under the answer (open the task board, a trace…). */
  links: z.array(z.object({ label: z.string(), command: z.string(), args: z.array(z.json()).optional() })).optional(),
});
export type Turn = z.infer<typeof Turn>;

export const SlashCommandView = z.object({ name: z.string(), description: z.string(), source: z.string() });
export type SlashCommandView = z.infer<typeof SlashCommandView>;

export const ToChatWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), turns: z.array(Turn), commands: z.array(SlashCommandView), busy: z.boolean() }),
  z.object({ type: z.literal('turn'), turn: Turn }),
  z.object({ type: z.literal('delta'), id: z.string(), text: z.string() }),
  z.object({ type: z.literal('commands'), commands: z.array(SlashCommandView) }),
  z.object({ type: z.literal('busy'), busy: z.boolean() }),
  z.object({ type: z.literal('prefill'), text: z.string(), send: z.boolean().optional() }),
]);
export type ToChatWebview = z.infer<typeof ToChatWebview>;

export const FromChatWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('send'), text: z.string().min(1).max(100_000) }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('clear') }),
  z.object({ type: z.literal('code'), action: z.enum(['apply', 'copy', 'insert']), code: z.string(), lang: z.string().optional() }),
  z.object({ type: z.literal('openHit'), path: z.string(), line: z.number().int().min(1) }),
  z.object({ type: z.literal('review'), proposalId: z.string() }),
  z.object({ type: z.literal('link'), command: z.string(), args: z.array(z.json()).optional() }),
]);
export type FromChatWebview = z.infer<typeof FromChatWebview>;

/** The edit-block fencing the chat view renders with (webviews import shared/webview/ only). */
export { fenceEditBlocks } from '../chat/edit-blocks';
