/**
 * The chat domain over LSP: `nootropic/chat/commands` lists every slash command (builtins and active plugins'),
 * `nootropic/chat/send` runs a turn (server/src/chat/turn.ts) and streams the answer as `nootropic/chat/delta`
 * notifications; `$/cancelRequest` aborts the model's HTTP request.
 */
import { ChatCommands, ChatDelta, ChatSend, NootropicErrorCodes } from '../../../shared/protocol';
import { listCommands } from '../chat/commands';
import { runChat, type ChatCtx } from '../chat/turn';
import { ModelError } from '../models/errors';
import { abortSignalFor, RpcError } from '../rpc/registry';
import { redactSecrets } from '../secrets';

export function register(ctx: ChatCtx): void {
  ctx.rpc.request(ChatCommands, async () => ({ commands: await listCommands(ctx.pluginCommands) }));

  ctx.rpc.request(ChatSend, async (params, token) => {
    const streamId = params.streamId;
    try {
      return await runChat(ctx, params, abortSignalFor(token), streamId ? (text) => ctx.rpc.send(ChatDelta, { streamId, text }) : undefined);
    } catch (err) {
      // Model errors that escape a command (the planner's) get the same codes as chat's own.
      if (err instanceof ModelError && err.kind !== 'cancelled') {
        const code = err.kind === 'policy' ? NootropicErrorCodes.PolicyRefused : err.kind === 'too-large' ? NootropicErrorCodes.PromptTooLarge : NootropicErrorCodes.ModelUnavailable;
        throw new RpcError(code, redactSecrets(err.message), { kind: err.kind });
      }
      throw err;
    }
  });
}
