/**
 * Fill-in-the-middle on the embedded llama.cpp runtime (node-llama-cpp, a GGUF file in the server process): the
 * GGUF's own FIM tokens through `LlamaCompletion.generateInfillCompletion` when it has them (node-llama-cpp reads
 * them from the GGUF's metadata or finds them by name), else the raw template of the model's family — detected
 * from the file name, then from the GGUF's `general.name` — through a plain completion. A GGUF with neither is an
 * error that says which setting fixes it. The caller's AbortSignal stops generation in the llama.cpp context
 * (between two tokens); an early stop from the post-processor ends it the same way and keeps the text.
 */
import type { LlamaRuntime } from '../models/llamacpp-runtime';
import { ModelError } from '../models/errors';
import { detectFamily, FIM_TEMPLATES, type FimTemplate } from './fim-templates';
import type { FimRequest, FimResult } from './fim-transport';

function finishOf(stopReason: string): FimResult['finish'] {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'eogToken' || stopReason === 'customStopTrigger' || stopReason === 'stopGenerationTrigger') return 'stop';
  return 'other';
}

export async function llamaCppFim(runtime: LlamaRuntime, req: FimRequest): Promise<FimResult> {
  const stop = new AbortController();
  const signal = AbortSignal.any([req.signal, stop.signal]);
  const m = await runtime.model(req.model, req.signal);
  return runtime.exclusive(m, req.signal, async () => {
    const { completion } = await runtime.completionContext(m, req.numCtx);
    let raw: FimTemplate | undefined = req.template.mode === 'raw' ? req.template.template : undefined;
    if (!raw && !completion.infillSupported) {
      const family = detectFamily(req.model) ?? detectFamily((await runtime.summary(req.model).catch(() => undefined))?.name ?? '');
      if (!family)
        throw new ModelError(
          'unsupported',
          `${req.model} has no fill-in-the-middle tokens and its family is not known from its name: set nootropic.completion.template to the model's family (qwen, deepseek, starcoder, codellama, codestral)`,
        );
      raw = FIM_TEMPLATES[family];
    }
    let text = '';
    const options = {
      signal,
      stopOnAbortSignal: true,
      maxTokens: req.maxTokens,
      temperature: req.temperature,
      onTextChunk: (chunk: string) => {
        text += chunk;
        if (req.onText?.(text)) stop.abort();
      },
      ...(raw ? { customStopTriggers: raw.stop } : {}),
    };
    const sent = { mode: raw ? `raw ${raw.family}` : 'infill', n_predict: req.maxTokens };
    let res;
    try {
      const generating = raw ? completion.generateCompletionWithMeta(raw.render(req.prefix, req.suffix), options) : completion.generateInfillCompletionWithMeta(req.prefix, req.suffix, options);
      req.onRequest?.();
      res = await generating;
    } catch (err) {
      if (req.signal.aborted) throw new ModelError('cancelled', 'cancelled');
      throw new ModelError('server', `llama.cpp fill-in-the-middle on ${req.model} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (req.signal.aborted) throw new ModelError('cancelled', 'cancelled');
    if (stop.signal.aborted) return { text, finish: 'early', protocol: 'llamacpp', sent };
    return { text: res.response, finish: finishOf(res.metadata.stopReason), protocol: 'llamacpp', sent };
  });
}
