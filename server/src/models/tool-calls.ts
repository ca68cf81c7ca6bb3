/**
 * Tool calling, normalised. Models with native tool calls get the tools through their provider; models
 * without them (Cline #735: agents stall on such models) get a text protocol: the system prompt describes the
 * tools and asks for a fenced ```tool_call JSON block. Either way every call is validated with the tool's zod
 * schema, and an invalid one gets exactly one repair round that quotes the error back to the model.
 */
import { z } from 'zod';
import { describeZodError } from '../../../shared/protocol/errors';
import { ModelError } from './errors';
import type { ChatMessage, ChatRequest, ChatResult, ToolCall, ToolSpec } from './types';

export type ToolMode = 'native' | 'text';

export interface ToolCallOutcome {
  result: ChatResult;
  toolCalls: ToolCall[];
  mode: ToolMode;
  /** True when the first reply was invalid and the repair round fixed it. */
  repaired: boolean;
}

const TOOL_BLOCK = /```tool_call\s*\n([\s\S]*?)\n?```/g;

export function textProtocolInstructions(tools: readonly ToolSpec[]): string {
  const list = tools
    .map((t) => `- ${t.name}: ${t.description}\n  arguments (JSON Schema): ${JSON.stringify(z.toJSONSchema(t.parameters))}`)
    .join('\n');
  return [
    'You can call tools. To call one, reply with a fenced block and nothing else in it:',
    '```tool_call',
    '{"name": "<tool name>", "arguments": { ... }}',
    '```',
    'One block per call. If no tool is needed, answer normally without a tool_call block.',
    'Tools:',
    list,
  ].join('\n');
}

/** Fenced tool_call blocks in a reply; JSON problems come back as `problems` for the repair round. */
export function parseTextToolCalls(text: string): { calls: { name: string; arguments: unknown }[]; problems: string[]; prose: string } {
  const calls: { name: string; arguments: unknown }[] = [];
  const problems: string[] = [];
  for (const m of text.matchAll(TOOL_BLOCK)) {
    try {
      const v = JSON.parse(m[1]!.trim()) as { name?: unknown; arguments?: unknown };
      if (typeof v?.name !== 'string') problems.push('a tool_call block has no "name" string');
      else calls.push({ name: v.name, arguments: v.arguments ?? {} });
    } catch (err) {
      problems.push(`a tool_call block is not valid JSON (${(err as Error).message})`);
    }
  }
  return { calls, problems, prose: text.replace(TOOL_BLOCK, '').trim() };
}

/** Validates calls against the tools' schemas; returns parsed calls or the problems to quote back. */
export function validateToolCalls(calls: readonly { id?: string; name: string; arguments: unknown }[], tools: readonly ToolSpec[]): { valid: ToolCall[]; problems: string[] } {
  const valid: ToolCall[] = [];
  const problems: string[] = [];
  calls.forEach((c, i) => {
    const tool = tools.find((t) => t.name === c.name);
    if (!tool) {
      problems.push(`unknown tool "${c.name}" (available: ${tools.map((t) => t.name).join(', ')})`);
      return;
    }
    const args = c.arguments as Record<string, unknown> | undefined;
    if (args && typeof args === 'object' && '__unparsed' in args) {
      problems.push(`${c.name}: arguments are not valid JSON: ${String(args.__unparsed).slice(0, 200)}`);
      return;
    }
    const parsed = tool.parameters.safeParse(c.arguments);
    if (!parsed.success) problems.push(`${c.name}: ${describeZodError('arguments', parsed.error)}`);
    else valid.push({ id: c.id || `call_${i}`, name: c.name, arguments: parsed.data as Record<string, unknown> });
  });
  return { valid, problems };
}

type Send = (req: Pick<ChatRequest, 'messages' | 'tools'>) => Promise<ChatResult>;

function evaluate(result: ChatResult, tools: readonly ToolSpec[], mode: ToolMode): { valid: ToolCall[]; problems: string[]; raw: number } {
  if (mode === 'native') {
    const v = validateToolCalls(result.toolCalls, tools);
    return { ...v, raw: result.toolCalls.length };
  }
  const parsed = parseTextToolCalls(result.text);
  const v = validateToolCalls(parsed.calls, tools);
  return { valid: v.valid, problems: [...parsed.problems, ...v.problems], raw: parsed.calls.length + parsed.problems.length };
}

export async function chatWithTools(send: Send, messages: ChatMessage[], tools: readonly ToolSpec[], mode: ToolMode): Promise<ToolCallOutcome> {
  const convo: ChatMessage[] =
    mode === 'text' ? [{ role: 'system', content: textProtocolInstructions(tools) }, ...messages] : [...messages];
  const request = (msgs: ChatMessage[]) => send({ messages: msgs, ...(mode === 'native' ? { tools: [...tools] } : {}) });
  const first = await request(convo);
  const one = evaluate(first, tools, mode);
  if (one.problems.length === 0) return { result: first, toolCalls: one.valid, mode, repaired: false };

  // One repair round: show the model its reply and exactly what was wrong with it.
  const repair: ChatMessage[] = [
    ...convo,
    { role: 'assistant', content: first.text },
    {
      role: 'user',
      content: `Your tool call was invalid: ${one.problems.join('; ')}. Reply again with corrected tool call(s)${mode === 'text' ? ' in ```tool_call blocks' : ''}.`,
    },
  ];
  const second = await request(repair);
  const two = evaluate(second, tools, mode);
  if (two.problems.length === 0) return { result: second, toolCalls: two.valid, mode, repaired: true };
  throw new ModelError('malformed', `the model's tool calls were invalid twice (after one repair round): ${two.problems.join('; ')}`);
}
