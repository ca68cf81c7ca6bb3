/**
 * Schema of the model registry (`server/src/models/model-metadata.json`): what nootropic knows about a model
 * before asking its server. Parsed on load, so a bad entry is a clear error, not a wrong context window.
 */
import { z } from 'zod';
import { PROVIDERS } from '../config/schema';

export const ModelMetadata = z
  .object({
    /** The name as its provider knows it (Ollama tag, OpenAI model id, GGUF file stem). */
    name: z.string().min(1),
    provider: z.enum(PROVIDERS),
    /** Other names the same weights go by on other servers (llama.cpp / LM Studio ids). */
    aliases: z.array(z.string()).default([]),
    kind: z.enum(['chat', 'embed']),
    contextLength: z.number().int().positive(),
    /** e.g. Q4_K_M, Q8_0, F16; `cloud` for hosted models. */
    quantization: z.string(),
    toolCalls: z.boolean(),
    /** Parameter count in billions (0 when unknown or hosted). */
    parametersB: z.number().nonnegative(),
    /** Memory the model needs to run with a working context (GiB); 0 for hosted models. */
    minMemoryGiB: z.number().nonnegative(),
    /** USD per million tokens; 0 for local models. */
    costPerMTokens: z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
    /** Why one would pick it (shown with a recommendation). */
    note: z.string().optional(),
  })
  .strict();
export type ModelMetadata = z.infer<typeof ModelMetadata>;

export const ModelRegistryFile = z
  .object({
    version: z.literal(1),
    models: z.array(ModelMetadata).min(1),
  })
  .strict();
export type ModelRegistryFile = z.infer<typeof ModelRegistryFile>;
