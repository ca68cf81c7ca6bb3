/**
 * Writes a tiny llama-architecture GGUF (v3) that llama.cpp (through node-llama-cpp) loads like a real model:
 * a SentencePiece-style ("llama") vocabulary with byte fallback tokens and ChatML control tokens, a ChatML
 * chat template, one transformer block with small dimensions, and F32 weights from a fixed-seed generator. It
 * generates (random-looking) text and embeddings of `TINY_GGUF_DIM` dimensions. ~150 KB; nothing downloaded.
 *
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md — header, key/value metadata, tensor infos
 * (dims innermost first), then tensor data, each aligned to `general.alignment` (32).
 */
import { writeFileSync } from 'node:fs';

export const TINY_GGUF_DIM = 32;
export const TINY_GGUF_CONTEXT = 4096;

const ALIGN = 32;
const enum T {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}
type Value = { t: T.U32 | T.I32 | T.F32; v: number } | { t: T.BOOL; v: boolean } | { t: T.STRING; v: string } | { t: T.ARRAY; of: T.I32 | T.F32 | T.STRING; v: (number | string)[] };

class Writer {
  private readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  i32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(b);
  }
  f32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    const n = (ALIGN - (this.length % ALIGN)) % ALIGN;
    if (n) this.push(Buffer.alloc(n));
  }
  scalar(t: T, v: number | string | boolean): void {
    if (t === T.U32) this.u32(v as number);
    else if (t === T.I32) this.i32(v as number);
    else if (t === T.F32) this.f32(v as number);
    else if (t === T.BOOL) this.push(Buffer.from([v ? 1 : 0]));
    else this.str(v as string);
  }
  value(val: Value): void {
    this.u32(val.t);
    if (val.t === T.ARRAY) {
      this.u32(val.of);
      this.u64(val.v.length);
      for (const x of val.v) this.scalar(val.of, x);
    } else this.scalar(val.t, val.v);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

const WORDS = ['the', 'a', 'is', 'and', 'of', 'to', 'in', 'code', 'function', 'file', 'test', 'model', 'answer', 'return', 'value', 'hello', 'world'];
const CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Token list with scores and types (1 normal, 2 unknown, 3 control, 6 byte), as llama.cpp's SPM vocab expects. */
function vocabulary(fim = false): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types = [2, 3, 3, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const pieces = new Set<string>(['▁']);
  for (let c = 97; c <= 122; c++) pieces.add(String.fromCharCode(c));
  for (const w of WORDS) pieces.add(`▁${w}`);
  for (const p of pieces) {
    tokens.push(p);
    types.push(1);
  }
  // Qwen2.5-Coder's fill-in-the-middle control tokens, last (so the other ids stay where they are).
  if (fim)
    for (const t of FIM_TOKENS) {
      tokens.push(t);
      types.push(3);
    }
  // Longer pieces score higher, so the SPM merge prefers whole words.
  const scores = tokens.map((t, i) => (types[i] === 1 ? -100 + [...t].length : 0));
  return { tokens, scores, types };
}

const FIM_TOKENS = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];

export interface TinyGgufOptions {
  layers?: number;
  seed?: number;
  /** Adds fill-in-the-middle tokens (Qwen2.5-Coder's) and names them in the metadata, as a code model's GGUF does. */
  fim?: boolean;
  /** `general.name` (default `nootropic-tiny-test`). */
  name?: string;
}

/** Writes the model to `file` and returns `file`. */
export function writeTinyGguf(file: string, opts: TinyGgufOptions = {}): string {
  const nEmbd = TINY_GGUF_DIM;
  const nHead = 2;
  const headDim = nEmbd / nHead;
  const nFf = 64;
  const layers = opts.layers ?? 1;
  const vocab = vocabulary(opts.fim);
  const nVocab = vocab.tokens.length;

  const kv: [string, Value][] = [
    ['general.architecture', { t: T.STRING, v: 'llama' }],
    ['general.name', { t: T.STRING, v: opts.name ?? 'nootropic-tiny-test' }],
    ['general.alignment', { t: T.U32, v: ALIGN }],
    ['general.file_type', { t: T.U32, v: 0 }], // all F32
    ['llama.context_length', { t: T.U32, v: TINY_GGUF_CONTEXT }],
    ['llama.embedding_length', { t: T.U32, v: nEmbd }],
    ['llama.block_count', { t: T.U32, v: layers }],
    ['llama.feed_forward_length', { t: T.U32, v: nFf }],
    ['llama.attention.head_count', { t: T.U32, v: nHead }],
    ['llama.attention.head_count_kv', { t: T.U32, v: nHead }],
    ['llama.rope.dimension_count', { t: T.U32, v: headDim }],
    ['llama.rope.freq_base', { t: T.F32, v: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { t: T.F32, v: 1e-5 }],
    ['llama.vocab_size', { t: T.U32, v: nVocab }],
    ['tokenizer.ggml.model', { t: T.STRING, v: 'llama' }],
    ['tokenizer.ggml.tokens', { t: T.ARRAY, of: T.STRING, v: vocab.tokens }],
    ['tokenizer.ggml.scores', { t: T.ARRAY, of: T.F32, v: vocab.scores }],
    ['tokenizer.ggml.token_type', { t: T.ARRAY, of: T.I32, v: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { t: T.U32, v: 0 }],
    ['tokenizer.ggml.bos_token_id', { t: T.U32, v: 1 }],
    ['tokenizer.ggml.eos_token_id', { t: T.U32, v: 4 }],
    ['tokenizer.ggml.add_bos_token', { t: T.BOOL, v: false }],
    ['tokenizer.ggml.add_eos_token', { t: T.BOOL, v: false }],
    ['tokenizer.chat_template', { t: T.STRING, v: CHATML }],
  ];
  if (opts.fim) {
    const id = (t: string) => vocab.tokens.indexOf(t);
    kv.push(
      ['tokenizer.ggml.fim_pre_token_id', { t: T.U32, v: id('<|fim_prefix|>') }],
      ['tokenizer.ggml.fim_suf_token_id', { t: T.U32, v: id('<|fim_suffix|>') }],
      ['tokenizer.ggml.fim_mid_token_id', { t: T.U32, v: id('<|fim_middle|>') }],
    );
  }

  // [name, dims innermost first]: a linear layer of in→out is [in, out].
  const tensors: [string, number[]][] = [['token_embd.weight', [nEmbd, nVocab]]];
  for (let i = 0; i < layers; i++) {
    tensors.push(
      [`blk.${i}.attn_norm.weight`, [nEmbd]],
      [`blk.${i}.attn_q.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_k.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_v.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_output.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.ffn_norm.weight`, [nEmbd]],
      [`blk.${i}.ffn_gate.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_up.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_down.weight`, [nFf, nEmbd]],
    );
  }
  tensors.push(['output_norm.weight', [nEmbd]], ['output.weight', [nEmbd, nVocab]]);

  const r = rng(opts.seed ?? 7);
  const data = tensors.map(([name, dims]) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const f = new Float32Array(n);
    // Norm weights 1, everything else small noise (scaled so activations stay finite).
    if (name.endsWith('norm.weight')) f.fill(1);
    else for (let i = 0; i < n; i++) f[i] = r() * 0.2;
    return Buffer.from(f.buffer);
  });

  const w = new Writer();
  w.push(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [k, v] of kv) {
    w.str(k);
    w.value(v);
  }
  let offset = 0;
  tensors.forEach(([name, dims], i) => {
    w.str(name);
    w.u32(dims.length);
    for (const d of dims) w.u64(d);
    w.u32(0); // GGML_TYPE_F32
    w.u64(offset);
    offset += Math.ceil(data[i]!.length / ALIGN) * ALIGN;
  });
  w.pad();
  for (const d of data) {
    w.push(d);
    w.pad();
  }
  writeFileSync(file, w.bytes());
  return file;
}
