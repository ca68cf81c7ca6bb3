/**
 * Writes a tiny BERT-shaped model folder that @huggingface/transformers loads like a real one: a WordPiece
 * tokenizer.json, config.json, and onnx/model.onnx whose graph maps input_ids (masked by attention_mask) to
 * last_hidden_state through an embedding table. Tokens get fixed pseudo-random vectors, so texts that share
 * words get similar mean-pooled embeddings. ~20 KB; no download, no weights from anywhere.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';

export const TINY_DIM = 16;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

export function writeTinyBert(dir: string, words: string[]): string {
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...new Set(words.map((w) => w.toLowerCase()))];
  const dim = TINY_DIM;
  const r = rng(42);
  const table = new Float32Array(vocab.length * dim);
  for (let i = 0; i < table.length; i++) table[i] = r();
  const { TensorProto } = onnx;
  const graph = onnx.GraphProto.create({
    name: 'tiny-bert',
    node: [
      onnx.NodeProto.create({ opType: 'Gather', input: ['embeddings', 'input_ids'], output: ['gathered'], name: 'gather' }),
      onnx.NodeProto.create({ opType: 'Cast', input: ['attention_mask'], output: ['mask_f'], name: 'cast', attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: TensorProto.DataType.FLOAT })] }),
      onnx.NodeProto.create({ opType: 'Unsqueeze', input: ['mask_f', 'axes'], output: ['mask_3d'], name: 'unsqueeze' }),
      onnx.NodeProto.create({ opType: 'Mul', input: ['gathered', 'mask_3d'], output: ['last_hidden_state'], name: 'mul' }),
    ],
    initializer: [
      TensorProto.create({ name: 'embeddings', dataType: TensorProto.DataType.FLOAT, dims: [vocab.length, dim], rawData: new Uint8Array(table.buffer) }),
      TensorProto.create({ name: 'axes', dataType: TensorProto.DataType.INT64, dims: [1], int64Data: [-1] }),
    ],
    input: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) =>
      onnx.ValueInfoProto.create({
        name,
        type: { tensorType: { elemType: TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }] } } },
      }),
    ),
    output: [
      onnx.ValueInfoProto.create({
        name: 'last_hidden_state',
        type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }, { dimValue: dim }] } } },
      }),
    ],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'nootropic-tests', graph });
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  writeFileSync(path.join(dir, 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());
  const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((t, i) => special(t, i)),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((w, i) => [w, i])) },
    }),
  );
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 128, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]' }),
  );
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: dim, vocab_size: vocab.length, max_position_embeddings: 128 }));
  return dir;
}
