/**
 * The chat domain over LSP: `nootropic/chat/commands` lists every slash command (builtins and active plugins'),
 * `nootropic/chat/send` runs a turn (server/src/chat/turn.ts) and streams the answer as `nootropic/chat/delta`
 * notifications; `$/cancelRequest` aborts the model's HTTP request.
 */
import { ResponseError } from 'vscode-languageserver';
import { ChatCommands, ChatDelta, ChatSend, describeZodError, NootropicErrorCodes } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { listCommands } from '../chat/commands';
import { runChat, type ChatCtx } from '../chat/turn';
import { ModelError } from '../models/errors';
import { abortSignalFor, RpcError } from '../rpc/registry';
import { redactSecrets } from '../security/secrets';

/**
 * `workspace/executeCommand` name for editors without custom requests: arguments `[message, context?]` (context as
 * in `nootropic/chat/send`), result a `ChatSendResult`.
 */
export const CHAT_EXECUTE_COMMAND = 'nootropic.server.chat';

export function register(ctx: ChatCtx & Pick<ServerContext, 'connection'>): void {
  ctx.rpc.request(ChatCommands, async () => ({ commands: await listCommands(ctx.pluginCommands) }));

  const send = async (params: ReturnType<typeof ChatSend.params.parse>, signal: AbortSignal) => {
    const streamId = params.streamId;
    try {
      return await runChat(ctx, params, signal, streamId ? (text) => ctx.rpc.send(ChatDelta, { streamId, text }) : undefined);
    } catch (err) {
      // Model errors that escape a command (the planner's) get the same codes as chat's own.
      if (err instanceof ModelError && err.kind !== 'cancelled') {
        const code = err.kind === 'policy' ? NootropicErrorCodes.PolicyRefused : err.kind === 'too-large' ? NootropicErrorCodes.PromptTooLarge : NootropicErrorCodes.ModelUnavailable;
        throw new RpcError(code, redactSecrets(err.message), { kind: err.kind });
      }
      throw err;
    }
  };
  ctx.rpc.request(ChatSend, (params, token) => send(params, abortSignalFor(token)));

  ctx.connection.onExecuteCommand(async (p, token) => {
    if (p.command !== CHAT_EXECUTE_COMMAND) return new ResponseError(NootropicErrorCodes.InvalidParams, `unknown command ${p.command}; this server runs ${CHAT_EXECUTE_COMMAND}`);
    const [message, context] = p.arguments ?? [];
    const parsed = ChatSend.params.safeParse({ messages: [{ role: 'user', content: message }], ...(context === undefined ? {} : { context }) });
    if (!parsed.success) return new ResponseError(NootropicErrorCodes.InvalidParams, `${CHAT_EXECUTE_COMMAND}: arguments are [message, context?]: ${describeZodError('arguments', parsed.error)}`);
    try {
      return ChatSend.result.parse(await send(parsed.data, abortSignalFor(token)));
    } catch (err) {
      if (err instanceof RpcError) return new ResponseError(err.code, err.message, err.data);
      throw err;
    }
  });
}
