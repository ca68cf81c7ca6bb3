/**
 * `nootropic ask QUESTION [--json]`: one `nootropic/chat/send` call. The answer streams to stdout as
 * `nootropic/chat/delta` notifications arrive; sources and the model follow. With --json, prints
 * `{answer, citations, model, ...}` once. Ctrl-C cancels the request, which aborts the model's HTTP stream.
 */
import { randomUUID } from 'node:crypto';
import { ChatDelta, ChatSend, IndexState, IndexStatus } from '../../shared/protocol';
import { ProgressBar } from '../progress';
import { exitCodeForServerError, printJson } from '../render';
import { cancelOnSigint } from '../cancel';
import type { ServerClient } from '../server-client';

export interface AskOptions {
  json: boolean;
  role: 'chat' | 'edit' | 'plan';
  file?: string;
}

export async function ask(client: ServerClient, question: string, opts: AskOptions): Promise<number> {
  const streamId = randomUUID();
  let streamed = false;
  // The server waits for the workspace index before answering (nootropic.index.waitMs): show it on a terminal.
  const bar = new ProgressBar('waiting for the workspace index', !opts.json && Boolean(process.stderr.isTTY));
  let answering = false;
  client.connection.onNotification(IndexStatus.method, (raw: unknown) => {
    const s = IndexState.safeParse(raw);
    if (!s.success || answering) return;
    if (s.data.state === 'indexing' || s.data.state === 'loading') bar.update(s.data.processed ?? 0, s.data.total);
    else bar.done();
  });
  if (!opts.json) {
    client.connection.onNotification(ChatDelta.method, (raw: unknown) => {
      const p = ChatDelta.params.safeParse(raw);
      if (!p.success || p.data.streamId !== streamId) return;
      if (!answering) bar.done();
      answering = true;
      streamed = true;
      process.stdout.write(p.data.text);
    });
  }
  const cancel = cancelOnSigint();
  try {
    const result = await client.request(
      ChatSend,
      {
        ...(opts.json ? {} : { streamId }),
        role: opts.role,
        messages: [{ role: 'user', content: question }],
        ...(opts.file ? { context: { uri: opts.file } } : {}),
      },
      cancel.token,
    );
    answering = true;
    bar.done();
    if (opts.json) {
      printJson(result);
      return 0;
    }
    if (!streamed) process.stdout.write(result.answer);
    process.stdout.write('\n');
    const err = (s: string) => process.stderr.write(s + '\n');
    if (result.citations.length) err(`\nsources:\n${result.citations.map((c) => `  ${c.path}:${c.startLine}-${c.endLine}`).join('\n')}`);
    err(`model: ${result.model} (${result.endpoint.provider} ${result.endpoint.baseUrl}${result.endpoint.label !== result.endpoint.role ? `, ${result.endpoint.label}` : ''})`);
    if (result.context.index === 'unavailable') err(`context: ${result.context.detail}`);
    for (const w of result.warnings) err(`warning: ${w}`);
    for (const a of result.attempts) err(`note: ${a.label} failed first: ${a.error}`);
    return 0;
  } catch (e) {
    return exitCodeForServerError(e);
  } finally {
    cancel.dispose();
  }
}
