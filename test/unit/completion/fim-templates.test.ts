import { describe, expect, it } from 'vitest';
import { chooseTemplate, detectFamily, FIM_TEMPLATES } from '../../../server/src/completion/fim-templates';

describe('FIM templates per model family', () => {
  it('detects the family from Ollama tags, served names and GGUF paths', () => {
    expect(detectFamily('qwen2.5-coder:1.5b-base')).toBe('qwen');
    expect(detectFamily('Qwen/Qwen2.5-Coder-7B')).toBe('qwen');
    expect(detectFamily('deepseek-coder:6.7b-base')).toBe('deepseek');
    expect(detectFamily('/models/deepseek-coder-v2-lite-base.Q4_K_M.gguf')).toBe('deepseek');
    expect(detectFamily('starcoder2:3b')).toBe('starcoder');
    expect(detectFamily('bigcode/starcoder2-15b')).toBe('starcoder');
    expect(detectFamily('codellama:7b-code')).toBe('codellama');
    expect(detectFamily('codestral:22b')).toBe('codestral');
    expect(detectFamily('llama3.1:8b')).toBeUndefined();
  });

  it('renders each family with its own sentinels, prefix before suffix except Codestral (suffix first)', () => {
    expect(FIM_TEMPLATES.qwen.render('P', 'S')).toBe('<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>');
    expect(FIM_TEMPLATES.deepseek.render('P', 'S')).toBe('<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>');
    expect(FIM_TEMPLATES.starcoder.render('P', 'S')).toBe('<fim_prefix>P<fim_suffix>S<fim_middle>');
    expect(FIM_TEMPLATES.codellama.render('P', 'S')).toBe('<PRE> P <SUF>S <MID>');
    expect(FIM_TEMPLATES.codestral.render('P', 'S')).toBe('[SUFFIX]S[PREFIX]P');
    for (const t of Object.values(FIM_TEMPLATES)) expect(t.stop.length).toBeGreaterThan(0);
  });

  it('uses native FIM when the endpoint has it, the detected family when not, and an explicit family always', () => {
    expect(chooseTemplate('auto', 'qwen2.5-coder:7b', true)).toEqual({ mode: 'native' });
    expect(chooseTemplate('auto', 'qwen2.5-coder:7b', false)).toMatchObject({ mode: 'raw', detected: true, template: { family: 'qwen' } });
    expect(chooseTemplate('auto', 'mystery-model', false)).toEqual({ mode: 'native' });
    expect(chooseTemplate('starcoder', 'qwen2.5-coder:7b', true)).toMatchObject({ mode: 'raw', detected: false, template: { family: 'starcoder' } });
    expect(chooseTemplate('native', 'deepseek-coder', false)).toEqual({ mode: 'native' });
  });
});
