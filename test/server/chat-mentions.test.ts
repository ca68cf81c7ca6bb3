// @-mentions in nootropic/chat/send (server/src/context/mentions.ts) and the chat's model-call span, in-process.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSend, TracesList } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
let outside: TempWorkspace | undefined;
afterEach(async () => {
  server?.dispose();
  await standin?.close();
  ws?.dispose();
  outside?.dispose();
  server = standin = ws = outside = undefined;
});

describe('chat @-mentions', () => {
  it('puts a mentioned file in the prompt, reports missing and out-of-workspace ones, and traces the model call', async () => {
    standin = await startModelStandin({ replies: [{ text: 'ok' }] });
    ws = tempWorkspace();
    ws.write('src/util.ts', 'export const MAGIC = 42;\n');
    outside = tempWorkspace();
    outside.write('secret.txt', 'TOP SECRET\n');
    symlinkSync(path.join(outside.root, 'secret.txt'), path.join(ws.root, 'link.txt'));
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
    await server.initialize(ws.root);
    const raw = await server.client.sendRequest(ChatSend.method, {
      messages: [{ role: 'user', content: 'what is MAGIC?' }],
      retrieveLimit: 0,
      context: { mentions: [{ kind: 'file', arg: 'src/util.ts' }, { kind: 'file', arg: 'nope.ts' }, { kind: 'file', arg: 'link.txt' }, { kind: 'file', arg: '../x' }] },
    });
    const result = ChatSend.result.parse(raw);
    expect(result.context.used).toContainEqual({ kind: 'open-file', path: 'src/util.ts', startLine: 1, endLine: 2 });
    expect(result.warnings).toEqual(expect.arrayContaining([
      '@file:nope.ts: no such file in the workspace',
      '@file:link.txt: no such file in the workspace',
      '@file:../x: no such file in the workspace',
    ]));
    const sent = standin.calls('/api/chat')[0]!.body as { messages: { content: string }[] };
    expect(sent.messages.at(-1)!.content).toContain('MAGIC = 42');
    expect(sent.messages.at(-1)!.content).not.toContain('TOP SECRET');

    const spans = TracesList.result.parse(await server.client.sendRequest(TracesList.method, { limit: 100 })).spans;
    const call = spans.find((s) => s.name === 'chat qwen2.5-coder:7b');
    expect(call?.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'qwen2.5-coder:7b', 'gen_ai.provider.name': 'ollama' });
    const rpc = spans.find((s) => s.spanId === call?.parentSpanId);
    expect(rpc?.name).toBe('rpc nootropic/chat/send');
  });
});
