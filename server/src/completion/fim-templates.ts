/**
 * Raw fill-in-the-middle prompts per model family, for endpoints that have no native FIM (or when the user asks
 * for one). Each family was trained with its own sentinel tokens; sending the wrong ones makes the model write
 * chat prose instead of code, so the family is detected from the model name (or GGUF file name) and can be set
 * explicitly (`nootropic.completion.template`). Stop strings end generation at the family's end-of-middle tokens.
 */
import type { FimTemplateSetting } from '../../../shared/config/schema';

export type FimFamily = 'qwen' | 'deepseek' | 'starcoder' | 'codellama' | 'codestral';

export interface FimTemplate {
  family: FimFamily;
  /** The raw prompt: sentinels around prefix and suffix, the model writes the middle. */
  render(prefix: string, suffix: string): string;
  /** Strings that end the middle (end-of-text, the next sentinel). */
  stop: string[];
}

export const FIM_TEMPLATES: Record<FimFamily, FimTemplate> = {
  qwen: {
    family: 'qwen',
    render: (p, s) => `<|fim_prefix|>${p}<|fim_suffix|>${s}<|fim_middle|>`,
    stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|im_end|>'],
  },
  deepseek: {
    family: 'deepseek',
    render: (p, s) => `<｜fim▁begin｜>${p}<｜fim▁hole｜>${s}<｜fim▁end｜>`,
    stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  },
  starcoder: {
    family: 'starcoder',
    render: (p, s) => `<fim_prefix>${p}<fim_suffix>${s}<fim_middle>`,
    stop: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>', '<repo_name>'],
  },
  codellama: {
    family: 'codellama',
    render: (p, s) => `<PRE> ${p} <SUF>${s} <MID>`,
    stop: ['<EOT>', '</s>', '<PRE>', '<SUF>', '<MID>'],
  },
  codestral: {
    family: 'codestral',
    render: (p, s) => `[SUFFIX]${s}[PREFIX]${p}`,
    stop: ['</s>', '[SUFFIX]', '[PREFIX]', '[INST]'],
  },
};

/** Name patterns, most specific first (a `deepseek-coder` name must not read as another family's). */
const PATTERNS: [RegExp, FimFamily][] = [
  [/codestral|mistral/i, 'codestral'],
  [/deepseek/i, 'deepseek'],
  [/starcoder|star-coder|santacoder|stable-?code|refact/i, 'starcoder'],
  [/code-?llama/i, 'codellama'],
  [/qwen|codeqwen/i, 'qwen'],
];

/** The family a model name (Ollama tag, served name or GGUF path) belongs to; undefined when unknown. */
export function detectFamily(model: string): FimFamily | undefined {
  const name = model.split(/[\\/]/).pop() ?? model;
  for (const [re, family] of PATTERNS) if (re.test(name)) return family;
  return undefined;
}

export type TemplateChoice = { mode: 'native' } | { mode: 'raw'; template: FimTemplate; detected: boolean };

/**
 * What to send: `native` lets the endpoint format FIM; a family forces that raw template; `auto` uses the
 * endpoint's native FIM when it has one, else the detected family (native when nothing is detected, so the
 * endpoint's own `suffix` handling is the last resort rather than a guessed template).
 */
export function chooseTemplate(setting: FimTemplateSetting, model: string, endpointHasNativeFim: boolean): TemplateChoice {
  if (setting === 'native') return { mode: 'native' };
  if (setting !== 'auto') return { mode: 'raw', template: FIM_TEMPLATES[setting], detected: false };
  if (endpointHasNativeFim) return { mode: 'native' };
  const family = detectFamily(model);
  return family ? { mode: 'raw', template: FIM_TEMPLATES[family], detected: true } : { mode: 'native' };
}
