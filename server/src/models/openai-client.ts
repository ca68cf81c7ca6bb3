/**
 * The official `openai` client class, loaded once on first use (dist/lazy/openai.js): a server talking to Ollama
 * never reads it, and a completion per keystroke does not go through the module interop again.
 */
import type OpenAI from 'openai';

let loaded: Promise<typeof OpenAI> | undefined;

export function openAiClass(): Promise<typeof OpenAI> {
  if (!loaded) {
    loaded = import('openai').then((m) => m.default);
    loaded.catch(() => (loaded = undefined)); // a failed load is tried again by the next request
  }
  return loaded;
}
